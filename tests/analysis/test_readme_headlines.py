"""The README shows the headline table of each recorded DEBA run as the current code makes it from that
run's recorded statistics, so an edit to the table's code or a re-recorded run cannot leave an older copy in
the README (not docs/*/headline.md, which every fresh run of the workflow rewrites with its own timings); and
the recorded set's own README shows the rest of that headline, its timing controls and the speedups every
stored device profile predicts for its runs, so a newly stored profile (`price_on: all`) or an edit of the
pricing or control code cannot leave an older copy there either."""

from pathlib import Path

import pandas as pd
import pytest

from deba.analysis import pricing
from deba.analysis.aggregation import write_csv
from deba.analysis.layout import source_path
from deba.analysis.load import read_epochs, read_runs
from deba.analysis.tables import headline_markdown
from deba.profiles import load_named, stored_profiles

REPO = Path(__file__).resolve().parents[2]
COMPARISONS = source_path("comparisons")  # where a recorded set keeps it, as results/ does
SETS = sorted(path for path in (REPO / "recorded").glob("*") if (path / COMPARISONS).is_file())


def missing_lines(table: str, readme: str) -> list[str]:
    return [line for line in table.splitlines() if line.strip() and line not in readme.splitlines()]


def test_the_default_and_the_cifar_runs_are_recorded():
    assert {path.name for path in SETS} >= {"digits-default", "cifar-cpu"}


@pytest.mark.parametrize("recorded", SETS, ids=lambda path: path.name)
def test_the_readme_shows_the_headline_table_of_each_recorded_run(recorded):
    readme = (REPO / "README.md").read_text()
    table = plain_table(pd.read_csv(recorded / COMPARISONS))
    assert missing_lines(table, readme) == [], f"README.md does not show the headline table of {recorded.name}"
    assert missing_lines("| a | b |\n|:--|:--|\n| 1 | 2 |", readme)  # the check itself can fail


@pytest.mark.parametrize("recorded", SETS, ids=lambda path: path.name)
def test_each_recorded_readme_shows_its_controls_and_what_every_stored_profile_predicts(recorded, tmp_path):
    """As rules device_pricing and readme_assets make them from the restored set (the workflow's resamples and
    seed, through the pricing CSV): everything of the headline after its table."""
    table, _ = pricing.price(read_runs(recorded / source_path("runs")), read_epochs(recorded / source_path("epochs")),
                             load_named(stored_profiles(REPO), REPO), n_resamples=9999, seed=0)
    write_csv(table, tmp_path / "device_pricing.csv")
    comparisons = pd.read_csv(recorded / COMPARISONS)
    full = headline_markdown(comparisons, pd.read_csv(recorded / source_path("pairs")),
                             pd.read_csv(tmp_path / "device_pricing.csv"), n_resamples=9999)
    rest = full.removeprefix(plain_table(comparisons))
    assert "predicted on" in rest and "A/A timing control" in rest
    assert len(set(table["profile"])) == len(stored_profiles(REPO))
    missing = missing_lines(rest, (recorded / "README.md").read_text())
    assert missing == [], (f"{recorded.name}/README.md does not show the current controls and device prices of "
                           f"its headline:\n" + "\n".join(missing))


def plain_table(comparisons: pd.DataFrame) -> str:
    """The headline's table alone, without the notes under it."""
    table = headline_markdown(comparisons)
    return table[:table.index("\nA/A") if "\nA/A" in table else table.index("\nNo A/A")]
