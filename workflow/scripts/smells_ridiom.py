"""Snakemake adapter of rule `smells_ridiom`: agreement with RIdiom on a seeded sample of files (smells.ridiom)."""
from paperkit.rules import log_to
from smells import ridiom
from smells.corpus import load_projects

params = snakemake.params  # noqa: F821 (snakemake is injected)

with log_to(snakemake.log[0]), ridiom.RidiomWorker() as worker:  # noqa: F821
    table = ridiom.cross_check(
        load_projects(snakemake.input.corpus), worker, max_lines=params.corpus["max_lines_per_project"],  # noqa: F821
        seed=params.seed, max_bytes=params.corpus["max_file_bytes"], max_files=params.settings["max_files"],
        timeout_s=params.settings["timeout_s"])
    table.to_csv(snakemake.output[0], index=False)  # noqa: F821
    print(table.to_string())
