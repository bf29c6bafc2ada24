"""Snakemake adapter of rule `smells_self_scan`: the detector on this project's own source (smells.scan)."""
import json

from paperkit.rules import log_to
from smells.scan import scan_paths, summarize

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    results = scan_paths(list(snakemake.input))  # noqa: F821
    summary = {**summarize(results),
               "list": [f"{f.path}:{f.line} {f.idiom} -> {f.suggestion}" for r in results for f in r.findings]}
    with open(snakemake.output[0], "w") as handle:  # noqa: F821
        json.dump(summary, handle, indent=1)
    print("\n".join(summary["list"]))
