"""The README shows each run's headline table as the workflow last wrote it (`readme_assets`), never an older
copy: every config's `readme_assets_dir` that holds a headline.md must appear in the README line for line."""

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DIR = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())[
    "properties"]["readme_assets_dir"]["default"]
ASSET_DIRS = sorted({DEFAULT_DIR, *(yaml.safe_load(path.read_text()).get("readme_assets_dir", DEFAULT_DIR)
                                    for path in (REPO / "config").glob("*.yaml"))})
HEADLINES = [REPO / folder / "headline.md" for folder in ASSET_DIRS if (REPO / folder / "headline.md").is_file()]


def missing_lines(headline: str, readme: str) -> list[str]:
    return [line for line in headline.splitlines() if line.strip() and line not in readme.splitlines()]


def test_the_default_and_the_cifar_headlines_are_committed():
    assert {path.parent.relative_to(REPO).as_posix() for path in HEADLINES} >= {"docs", "docs/cifar-cpu"}


@pytest.mark.parametrize("headline", HEADLINES, ids=lambda path: path.parent.name)
def test_the_readme_shows_the_headline_table_as_last_written(headline):
    readme = (REPO / "README.md").read_text()
    assert missing_lines(headline.read_text(), readme) == [], f"README.md does not show {headline} as it is now"
    assert missing_lines("| a | b |\n|:--|:--|\n| 1 | 2 |", readme)  # the check itself can fail
