"""The README shows the headline table of each recorded DEBA run as the current code makes it from that
run's recorded statistics, so an edit to the table's code or a re-recorded run cannot leave an older copy in
the README (not docs/*/headline.md, which every fresh run of the workflow rewrites with its own timings); and
beside it the speedups every stored device profile predicts for that run, so a newly stored profile (`price_on:
all`) or an edit of the pricing code cannot either."""

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
    table = headline_markdown(pd.read_csv(recorded / COMPARISONS))
    assert missing_lines(table, readme) == [], f"README.md does not show the headline table of {recorded.name}"
    assert missing_lines("| a | b |\n|:--|:--|\n| 1 | 2 |", readme)  # the check itself can fail


@pytest.mark.parametrize("recorded", SETS, ids=lambda path: path.name)
def test_the_readme_shows_what_every_stored_profile_predicts_for_each_recorded_run(recorded, tmp_path):
    """As rule device_pricing makes it from the restored set (the workflow's resamples and seed, through its CSV)."""
    table, _ = pricing.price(read_runs(recorded / source_path("runs")), read_epochs(recorded / source_path("epochs")),
                             load_named(stored_profiles(REPO), REPO), n_resamples=9999, seed=0)
    write_csv(table, tmp_path / "device_pricing.csv")
    comparisons = pd.read_csv(recorded / COMPARISONS)
    priced = headline_markdown(comparisons, pricing=pd.read_csv(tmp_path / "device_pricing.csv"))
    priced = priced.removeprefix(headline_markdown(comparisons))
    assert "predicted on" in priced and len(set(table["profile"])) == len(stored_profiles(REPO))
    missing = missing_lines(priced, (REPO / "README.md").read_text())
    assert missing == [], f"README.md does not show what the stored profiles predict for {recorded.name}"
