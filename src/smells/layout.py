"""Where the smells study reads and writes, and which result files each figure, table and the macros need.
Standard library only: the workflow imports this while parsing (as `deba.analysis.layout` for DEBA).

    results/smells/<corpus>/<STAGE_FILES>            one corpus's study, by the stage that writes each file
    results/smells/{microbench.csv,self_scan.json}   of this interpreter and this checkout, for every corpus
    results/smells/wheels/                           verified wheels (the pinned corpus and smells.select)
    figures/smells/<FIGURE_INPUTS>.pdf                figures
    paper/generated/smells/<TABLE_INPUTS>.tex         tables (paper/sections/smells.tex inputs them)
    paper/generated/smells/macros.tex                 every number the section's prose quotes

A result file is named by its key, the stem of its file name (`stage_idiom` is stage_idiom.csv): the rules
name their inputs and outputs by these keys, and the scripts read them by the same names.
"""

from __future__ import annotations

RESULTS_DIR = "results/smells"
WHEELS_DIR = f"{RESULTS_DIR}/wheels"
FIGURES_DIR = "figures/smells"
GENERATED_DIR = "paper/generated/smells"
MACROS_PATH = f"{GENERATED_DIR}/macros.tex"

# The files of one corpus's study, by the stage (rule file workflow/rules/smells_<stage>.smk) that writes them.
STAGE_FILES = {
    "corpus": ("corpus.json",),
    "scan": ("projects.csv", "findings.csv", "scopes.csv", "skips.csv"),
    "stages": ("stages.csv", "stage_idiom.csv", "stage_accuracy.json"),
    "statistics": ("density.csv", "comparison.csv", "tests.json", "classifier_disagreements.csv"),
    "ridiom": ("ridiom.csv",),
    "ruff": ("ruff.csv",),
}
# Files of this interpreter (the idiom timings) and of this checkout (the detector on its own source), which
# every corpus shares.
SHARED_FILES = {"microbench": f"{RESULTS_DIR}/microbench.csv", "self_scan": f"{RESULTS_DIR}/self_scan.json"}
# Cross-checks made only where their tool is installed (smells.rules.installed_tools); a table or macro
# without its file says that the tool was absent.
OPTIONAL_STAGES = ("ridiom", "ruff")

_FILE_NAMES = {name.rsplit(".", 1)[0]: name for names in STAGE_FILES.values() for name in names}

# The files a corpus comparison reads (paper table `scale`), and the files `python -m smells.record` copies
# into a recorded folder: everything a corpus's study derives that is small enough to commit (the scan's
# per-finding, per-scope and skip tables are the bulk, and are rebuilt by a scan).
SCALE_INPUTS = ("projects", "comparison", "tests")
RECORDED_FILES = (*SCALE_INPUTS, "density", "classifier_disagreements", "stages", "stage_idiom", "stage_accuracy",
                  "ridiom", "ruff")

# name -> the result files it reads.
FIGURE_INPUTS = {
    "density": ("density",),
    "stages": ("stage_idiom",),
    "speed": ("microbench",),
}
# The `scale` table reads SCALE_INPUTS of every study it compares (studies()), not one corpus's files.
TABLE_INPUTS = {
    "comparison": ("comparison",),
    "stages": ("stages",),
    "speed": ("microbench",),
    "ridiom": ("ridiom",),
    "ruff": ("ruff",),
    "disagreements": ("classifier_disagreements",),
    "scale": (),
}
MACRO_INPUTS = ("projects", "density", "comparison", "tests", "classifier_disagreements", "stages", "stage_accuracy",
                "microbench", "self_scan", "ridiom")


def corpus_name(corpus: dict) -> str:
    """A corpus's name (config `smells.corpus`): its `name`, or its `source` when that is empty."""
    return corpus["name"] or corpus["source"]


def study_dir(corpus: str) -> str:
    """The results folder of one corpus's study."""
    return f"{RESULTS_DIR}/{corpus}"


def file_name(key: str) -> str:
    """The file name of a corpus's result file, by key (`tests` -> tests.json)."""
    return _FILE_NAMES[key]


def source_path(key: str, folder: str) -> str:
    """A result file by key: of the study in `folder`, or one every corpus shares."""
    if key in SHARED_FILES:
        return SHARED_FILES[key]
    if key in _FILE_NAMES:
        return f"{folder}/{_FILE_NAMES[key]}"
    raise KeyError(f"unknown smells result {key!r}; known: {sorted(_FILE_NAMES) + sorted(SHARED_FILES)}")


def stage_outputs(stage: str, folder: str) -> dict[str, str]:
    """The files a stage writes into the study in `folder`, by key."""
    return {name.rsplit(".", 1)[0]: f"{folder}/{name}" for name in STAGE_FILES[stage]}


def sources(keys, folder: str, installed: tuple[str, ...] = OPTIONAL_STAGES) -> dict[str, str]:
    """The files `keys` name, by key, leaving out the cross-checks whose tool is not `installed`."""
    return {key: source_path(key, folder) for key in keys if key not in OPTIONAL_STAGES or key in installed}


def studies(corpus: str, recorded: list[dict]) -> dict[str, str]:
    """Label -> folder of every corpus the `scale` table compares: this run's, then the recorded ones (config
    `smells.recorded`); a recorded corpus with this run's name is this run."""
    return {corpus: study_dir(corpus), **{entry["label"]: entry["path"] for entry in recorded
                                          if entry["label"] != corpus}}


def scale_sources(studies_by_label: dict[str, str]) -> list[str]:
    """The files the `scale` table reads: SCALE_INPUTS of every study."""
    return [f"{folder}/{file_name(key)}" for folder in studies_by_label.values() for key in SCALE_INPUTS]


def figure_path(name: str) -> str:
    return f"{FIGURES_DIR}/{name}.pdf"


def table_path(name: str) -> str:
    return f"{GENERATED_DIR}/{name}.tex"


def log_path(folder: str, job: str) -> str:
    """The log of a job (a stage, or `table_<name>`) of the study in `folder` (or of RESULTS_DIR's shared files)."""
    return f"{folder}/logs/{job}.log"


def targets() -> list[str]:
    """Every figure, table and the macros of the paper's smells section (paper/sections/smells.tex inputs them)."""
    return ([figure_path(name) for name in FIGURE_INPUTS] + [MACROS_PATH]
            + [table_path(name) for name in TABLE_INPUTS])
