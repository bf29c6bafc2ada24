"""The README and the docs: short, free of anything that goes stale (commit hashes, dates, clock times,
measured durations), with links and pointers that resolve, and hand-kept copies of generated tables that
still equal what their commands print. Reads only committed files."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
# Every Markdown page the README sends a reader to, and the pages beside code and data that it links.
PAGES = sorted([README, REPO / "config" / "README.md", REPO / "benchmarks" / "README.md",
                *(REPO / "docs").rglob("*.md"), *(REPO / "recorded").glob("*/README.md")])
QUICKSTART = [
    "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/snakemake --cores all",
    "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest",
]
MAX_README_LINES = 250


def without_code(text: str) -> str:
    """Markdown text with fenced blocks and inline code blanked (their links and headings are not real)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "``", text)


def headings(path: Path) -> list[str]:
    return [match.group(1).strip() for match in re.finditer(r"^#{1,6} +(.+?) *#*$", without_fences(path), re.M)]


def without_fences(path: Path) -> str:
    return re.sub(r"^```.*?^```", "", path.read_text(), flags=re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: its text (Markdown code marks and link targets dropped), lower case,
    punctuation removed, spaces made hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for heading in headings(path):
        base = slug(heading)
        count = seen.get(base, 0)
        result.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    return result


def relative_links(path: Path) -> list[str]:
    targets = re.findall(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", without_code(path.read_text()))
    return [target for target in targets if not re.match(r"[a-z]+:", target)]


def test_the_readme_is_short():
    lines = README.read_text().splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines; the reference belongs in docs/"


def test_the_quickstart_commands_are_unchanged_and_ci_runs_the_readme_test_command():
    text = README.read_text()
    section = text[text.index("## Quickstart"):]
    blocks = re.findall(r"^```bash\n(.*?)\n```", section, flags=re.S | re.M)
    assert blocks[:2] == QUICKSTART
    test_command = QUICKSTART[1].rsplit(" && ", 1)[1]
    assert test_command in (REPO / ".ci" / "run").read_text().splitlines()


@pytest.mark.parametrize("kind, pattern", [
    ("commit hash", r"\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b"),
    ("date", r"\b(19|20)\d\d-[01]\d-[0-3]\d\b|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}\b"),
    ("clock time", r"\b\d{1,2}:\d\d(:\d\d)?\b"),
    ("measured duration", r"\b\d+(\.\d+)? ?(ms|s|sec|seconds?|min|minutes?|h|hours?)\b(?![-/])"),
])
def test_the_readme_holds_nothing_that_goes_stale(kind, pattern):
    """A measurement lives in a generated or recorded file (benchmarks/results/, recorded/*/README.md), and
    the README links to it."""
    found = [match.group(0) for match in re.finditer(pattern, README.read_text())]
    assert found == [], f"README.md has a {kind}: {found}"


@pytest.mark.parametrize("page", PAGES, ids=lambda path: str(path.relative_to(REPO)))
def test_every_relative_link_resolves_to_a_file_or_heading(page):
    problems = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            problems.append(f"{target}: no such file")
        elif anchor and (resolved.suffix != ".md" or anchor not in anchors(resolved)):
            problems.append(f"{target}: no such heading in {resolved.relative_to(REPO)}")
    assert problems == [], f"{page.relative_to(REPO)}: " + "; ".join(problems)


def test_the_checks_themselves_can_fail():
    assert slug("Selection of the 300 (`src/smells/select.py`)") == "selection-of-the-300-srcsmellsselectpy"
    assert slug("`config.json` — the resolved configuration") == "configjson--the-resolved-configuration"
    assert relative_links(README) and "#quickstart" not in anchors(README) and "quickstart" in anchors(README)


def test_every_docs_page_is_reachable_from_the_readme():
    linked = {(README.parent / target.partition("#")[0]).resolve() for target in relative_links(README)}
    unlinked = [str(page.relative_to(REPO)) for page in (REPO / "docs").glob("*.md") if page.resolve() not in linked]
    assert unlinked == []


def code_files() -> list[Path]:
    files = [REPO / "workflow" / "Snakefile", REPO / ".ci" / "run", REPO / "requirements.lock", *PAGES]
    for folder, suffixes in (("src", {".py"}), ("workflow", {".py", ".smk", ".yaml", ".rst"}),
                             ("config", {".yaml"}), ("benchmarks", {".py", ".sh"}), ("tests", {".py", ".sh"})):
        files += [path for path in (REPO / folder).rglob("*") if path.suffix in suffixes]
    return [path for path in files if path.is_file() and path != Path(__file__).resolve()]


def test_every_pointer_to_a_readme_or_docs_heading_names_one_that_exists():
    """`(README: Heading)` or `(docs/page.md: Heading)` in code, configs, tests and pages, and every docs page
    they name."""
    problems = []
    for path in code_files():
        text = path.read_text(errors="replace")
        where = path.relative_to(REPO)
        for match in re.finditer(r"\b(README(?:\.md)?|docs/[\w-]+\.md):[ \t]*(?:\n[ \t]*(?:#[ \t]*)?)?([^)\n;\"]+)",
                                 text):
            page = README if match.group(1).startswith("README") else REPO / match.group(1)
            wanted = match.group(2).strip().rstrip(".").replace("`", "")
            names = {heading.replace("`", "") for heading in headings(page)} if page.is_file() else set()
            if wanted not in names:
                problems.append(f"{where}: {match.group(1)}: {wanted} (no such heading)")
        for name in re.findall(r"\bdocs/[\w-]+\.md\b", text):
            if not (REPO / name).is_file():
                problems.append(f"{where}: {name} (no such page)")
    assert problems == [], "\n".join(problems)


@pytest.mark.slow  # builds every architecture at both scales
def test_the_models_table_is_what_model_table_prints():
    model_table = pytest.importorskip("deba.model_table")
    text = (REPO / "docs" / "training.md").read_text().splitlines()
    missing = [row for row in model_table.rows() if row not in text]
    assert missing == [], "docs/training.md's Models table is stale; run python -m deba.model_table"


def test_the_cost_table_is_what_deba_cost_prints():
    command = [sys.executable, "-m", "deba.cost", "--config", "config/paper.yaml", "--throughput",
               "xeon-1thread-paper-fp32"]
    printed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True).stdout
    table = [line for line in printed.splitlines() if line.startswith("|")]
    text = (REPO / "docs" / "cost.md").read_text().splitlines()
    assert table and [row for row in table if row not in text] == [], (
        "docs/cost.md's table is stale; paste the output of " + " ".join(command[2:]))


def test_the_run_counts_the_docs_give_are_the_grids():
    """config/README.md's "N training runs" per config and the README's for the default one."""
    from deba.config_schema import load_config
    from deba.grid import training_runs

    def runs(name: str) -> int:
        return len(training_runs(load_config([REPO / "config" / name])))

    stated = {name: int(count) for name, count in
              re.findall(r"^\| `([\w-]+\.yaml)`.*?(\d+) training runs", (REPO / "config" / "README.md").read_text(), re.M)}
    assert {"config.yaml", "cifar-cpu.yaml", "paper.yaml"} <= set(stated)
    assert {name: runs(name) for name in stated} == stated
    assert set(map(int, re.findall(r"(?<![\w-])(\d+) (?:training )?runs", README.read_text()))) == {runs("config.yaml")}


def test_every_shipped_config_is_described_in_config_readme():
    text = (REPO / "config" / "README.md").read_text()
    assert [path.name for path in (REPO / "config").glob("*.yaml") if f"`{path.name}`" not in text] == []


def test_catalog_licence_and_citation():
    catalog = yaml.safe_load((REPO / ".snakemake-workflow-catalog.yml").read_text())["usage"]
    assert set(catalog) >= {"mandatory-flags", "software-stack-deployment", "report"}
    assert any(catalog["software-stack-deployment"].values())
    licence = (REPO / "LICENSE").read_text()
    assert licence.startswith("MIT License") and 'license = "MIT"' in (REPO / "pyproject.toml").read_text()
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["license"] == "MIT"
    cited = {identifier["value"] for reference in citation["references"] for identifier in reference["identifiers"]}
    assert {"arXiv:2511.03809", "arXiv:2504.20224"} <= cited
