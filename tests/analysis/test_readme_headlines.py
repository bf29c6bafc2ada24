"""The README shows the headline table of each recorded DEBA run as the current code makes it from that
run's recorded statistics, so an edit to the table's code or a re-recorded run cannot leave an older copy in
the README. (Not docs/*/headline.md, which every fresh run of the workflow rewrites with its own timings.)"""

from pathlib import Path

import pandas as pd
import pytest

from deba.analysis.layout import source_path
from deba.analysis.tables import headline_markdown

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
