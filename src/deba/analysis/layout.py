"""Where the analysis reads and writes, and which tables each figure and table needs. Standard library only:
the workflow imports this while parsing, so it must stay as cheap as Snakemake itself.

    results/aggregate/{runs,epochs,throughput,thresholds}.csv   one row per run / epoch / profile point / cell
    results/stats/<STATS_FILES>.csv                              every statistic (deba.analysis.pipeline)
    results/stats/<PRICING_FILES>.csv                            trajectories priced on stored device profiles
    paper/generated/figures/<name>.pdf                           figures (main.tex: \\graphicspath)
    paper/generated/tables/<name>.tex                            tables (main.tex: \\input)
    paper/generated/macros.tex                                   every number the prose quotes
"""

from __future__ import annotations


AGGREGATE_DIR = "results/aggregate"
STATS_DIR = "results/stats"
# The grid a config asks for (its runs, cells and training settings), written by the workflow while it parses
# (common.smk); the rules that read a set of runs take it as an input.
GRID_MANIFEST = "results/grid.json"
GENERATED_DIR = "paper/generated"
MACROS_PATH = f"{GENERATED_DIR}/macros.tex"

AGGREGATE_FILES = ("runs", "epochs", "throughput", "thresholds")
STATS_FILES = ("pairs", "comparisons", "characterization_runs", "characterization", "hardware", "correlations",
               "loao", "ablations", "ablation_contrasts", "sensitivity", "claims")
# Written by a rule of their own (deba.analysis.pricing, workflow/rules/pricing.smk), whose inputs are the stored
# device profiles the config prices on: adding or changing a profile reruns the pricing, not the statistics.
PRICING_FILES = ("device_pricing", "predicted_claims")

# name -> the aggregated/statistics tables it reads, in the order its function takes them.
FIGURE_INPUTS = {
    "effects": ("comparisons",),
    "trajectories": ("epochs",),
    "accuracy_time": ("epochs",),
    "stability": ("characterization", "comparisons", "correlations"),
    "ablations": ("ablations",),
    "throughput": ("throughput", "hardware"),
}
TABLE_INPUTS = {
    "main": ("comparisons",),
    "characterization": ("characterization", "hardware", "thresholds"),
    "ablations": ("ablations",),
    "sensitivity": ("sensitivity", "device_pricing"),
    "comparators": ("comparisons",),
    "claims": ("claims",),
    "predicted_claims": ("predicted_claims",),
    "pricing": ("device_pricing",),
}
MACRO_INPUTS = ("runs", "comparisons", "characterization", "correlations", "loao", "hardware",
                "ablation_contrasts", "claims", "sensitivity", "device_pricing")


# How schedulers are named in figures and tables.
METHOD_LABELS = {"fixed": "Fixed", "deba": "DEBA", "adabatch": "AdaBatch", "smith": "Smith et al.",
                 "gns": "Noise scale"}


def method_label(scheduler: str, variant: str = "main") -> str:
    label = METHOD_LABELS.get(scheduler, scheduler)
    return label if variant == "main" else f"{label} ({variant})"


def source_path(table: str) -> str:
    """The CSV file of an aggregated or statistics table, by name."""
    if table in AGGREGATE_FILES:
        return f"{AGGREGATE_DIR}/{table}.csv"
    if table in STATS_FILES + PRICING_FILES:
        return f"{STATS_DIR}/{table}.csv"
    raise KeyError(f"unknown table {table!r}; known: {AGGREGATE_FILES + STATS_FILES + PRICING_FILES}")


def figure_sources(name: str) -> dict[str, str]:
    """The CSVs figure `name` reads, keyed by table name."""
    return {table: source_path(table) for table in FIGURE_INPUTS[name]}


def table_sources(name: str) -> dict[str, str]:
    """The CSVs table `name` reads, keyed by table name."""
    return {table: source_path(table) for table in TABLE_INPUTS[name]}


def figure_path(name: str) -> str:
    return f"{GENERATED_DIR}/figures/{name}.pdf"


def table_path(name: str) -> str:
    return f"{GENERATED_DIR}/tables/{name}.tex"


# A recorded set (deba.recorded) shown in the paper beside the config's own results (config
# `paper_recorded_sets`; workflow/rules/recorded.smk): its statistics are recomputed by the current analysis
# code from the set's recorded aggregate tables, and its figures, tables and macros go to a folder of its own,
# so the two never overwrite each other. The paper's prose about the set is hand-written, one file per set.
RECORDED_DIR = "recorded"
RECORDED_SECTIONS_PATH = f"{GENERATED_DIR}/recorded.tex"  # inputs each listed set's macros and section


def recorded_source_path(name: str, table: str) -> str:
    """A recorded set's aggregate table (as recorded) or statistics table (recomputed), by table name."""
    if table in AGGREGATE_FILES:
        return f"{RECORDED_DIR}/{name}/{source_path(table)}"
    if table in STATS_FILES + PRICING_FILES:
        return f"results/recorded/{name}/stats/{table}.csv"
    raise KeyError(f"unknown table {table!r}; known: {AGGREGATE_FILES + STATS_FILES + PRICING_FILES}")


def recorded_generated_dir(name: str) -> str:
    """Where a recorded set's figures/, tables/ and macros.tex for the paper go."""
    return f"{GENERATED_DIR}/recorded/{name}"


def recorded_section_path(name: str) -> str:
    """The hand-written paper section about a recorded set."""
    return f"paper/recorded/{name}.tex"
