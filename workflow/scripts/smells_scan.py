"""Snakemake adapter of rule `smells_scan`: scan every project of the manifest (smells.study)."""
import time

from paperkit.rules import log_to
from smells.corpus import load_projects
from smells.study import scan_corpus

corpus = snakemake.params.corpus  # noqa: F821 (snakemake is injected)
out = snakemake.output  # noqa: F821

with log_to(snakemake.log[0]):  # noqa: F821
    start = time.perf_counter()
    projects = load_projects(snakemake.input[0])  # noqa: F821
    summary, findings, scopes, skips = scan_corpus(
        projects, max_lines=corpus["max_lines_per_project"], seed=snakemake.params.seed,  # noqa: F821
        max_bytes=corpus["max_file_bytes"], workers=snakemake.threads)  # noqa: F821
    summary.to_csv(out.projects, index=False)
    findings.to_csv(out.findings, index=False)
    scopes.to_csv(out.scopes, index=False)
    skips.to_csv(out.skips, index=False)
    seconds = time.perf_counter() - start
    print(f"{len(projects)} projects, {summary['lines_scanned'].sum()} lines, {len(findings)} findings, "
          f"{len(skips)} skipped files in {seconds:.1f} s with {snakemake.threads} processes")  # noqa: F821
