"""Snakemake adapter of rule `smells_tables`: tables and macros of the smells section (smells.report)."""
import json
from pathlib import Path

import pandas as pd

from paperkit.rules import log_to
from smells import report

inp, out = snakemake.input, snakemake.output  # noqa: F821 (snakemake is injected)


def read_json(path):
    return json.loads(Path(path).read_text())


with log_to(snakemake.log[0]):  # noqa: F821
    projects = pd.read_csv(inp.projects)
    comparison = pd.read_csv(inp.comparison)
    stages = pd.read_csv(inp.stages)
    bench = pd.read_csv(inp.bench)
    tests, accuracy = read_json(inp.tests), read_json(inp.accuracy)
    disagreements = pd.read_csv(inp.disagreements, keep_default_na=False)
    report.comparison_table(comparison, Path(out.comparison))
    report.stage_table_tex(stages, Path(out.stages))
    report.speed_table(bench, Path(out.speed), bench["interpreter"].iloc[0])
    ridiom = pd.read_csv(inp.ridiom[0]) if inp.ridiom else None
    if ridiom is not None:
        ridiom_files, ridiom_timeouts = int(ridiom["files"].iloc[0]), int(ridiom["timeouts"].iloc[0])
        ridiom = ridiom.drop(columns=["files", "timeouts"])
    report.optional_table(
        ridiom, Path(out.ridiom), label="tab:smells-ridiom",
        caption=f"Agreement with RIdiom on the code it reads ({ridiom_files if inp.ridiom else 0} files, "
                f"{ridiom_timeouts if inp.ridiom else 0} timeouts): findings both report, only one reports, and "
                "both / union.",
        missing="RIdiom (RefactoringIdioms 0.0.11) was not installed in this run, so no agreement table.")
    report.optional_table(
        pd.read_csv(inp.ruff[0]) if inp.ruff else None, Path(out.ruff), label="tab:smells-ruff",
        caption="ruff's PERF rules on the same files: findings and findings per KLOC by group; for PERF401/403 "
                "the share that lies inside one of our list/dict-comprehension findings.",
        missing="ruff was not installed in this run, so no PERF reference column.")
    report.optional_table(
        disagreements.assign(ai_classifier=disagreements["ai_classifier"].map(str)), Path(out.disagreements),
        label="tab:smells-disagreements", siunitx=False,
        caption="Projects whose import-based group disagrees with the PyPI ``Artificial Intelligence'' classifier.",
        missing="The import-based groups agree with the PyPI Artificial Intelligence classifier for every project.")
    values = report.summary_values(
        projects, pd.read_csv(inp.density), comparison, tests["mix"], tests["mix_without"],
        tests["power"], stages, accuracy["fit"], accuracy["held_out"], disagreements,
        read_json(inp.self_scan), bench)
    values["corpus"] = snakemake.params.corpus  # noqa: F821
    values["mapping all accuracy"] = accuracy["all"]["accuracy"]
    values["mapping all n"] = accuracy["all"]["n"]
    report.macros(values, Path(out.macros))
