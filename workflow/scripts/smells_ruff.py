"""Snakemake adapter of rule `smells_ruff`: ruff PERF findings by group, and overlap with ours (smells.ruffcheck)."""
import pandas as pd

from paperkit.rules import log_to
from smells.corpus import load_projects
from smells.ruffcheck import corpus_findings, perf_table, ruff_command, ruff_version

params, inp = snakemake.params, snakemake.input  # noqa: F821 (snakemake is injected)

with log_to(snakemake.log[0]):  # noqa: F821
    command = ruff_command()
    print(ruff_version(command))
    found = corpus_findings(command, load_projects(inp.corpus), max_lines=params.corpus["max_lines_per_project"],
                            seed=params.seed)
    table = perf_table(found, pd.read_csv(inp.projects), pd.read_csv(inp.findings, keep_default_na=False))
    table.to_csv(snakemake.output[0], index=False)  # noqa: F821
    print(table.to_string())
