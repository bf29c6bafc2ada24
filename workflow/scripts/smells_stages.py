"""Snakemake adapter of rule `smells_stages`: stages of the ML projects' code and the mapping's accuracy."""
import json

import pandas as pd

from paperkit.rules import log_to
from smells.analysis import stage_study

inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821 (injected)

with log_to(snakemake.log[0]):  # noqa: F821
    study = stage_study(pd.read_csv(inp.projects), pd.read_csv(inp.scopes, keep_default_na=False),
                        pd.read_csv(inp.findings, keep_default_na=False),
                        pd.read_csv(inp.labels, keep_default_na=False), n_resamples=params.resamples, seed=params.seed)
    study["table"].to_csv(out.stages, index=False)
    study["matrix"].to_csv(out.stage_idiom)
    with open(out.stage_accuracy, "w") as handle:
        json.dump(study["accuracy"], handle, indent=1)
    print(study["table"].to_string())
    print(json.dumps(study["accuracy"], indent=1))
