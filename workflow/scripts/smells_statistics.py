"""Snakemake adapter of rule `smells_statistics`: ML vs non-ML tests, idiom mix, power (smells.analysis)."""
import json

import pandas as pd

from paperkit.rules import log_to
from smells.analysis import group_study

out, params = snakemake.output, snakemake.params  # noqa: F821 (snakemake is injected)

with log_to(snakemake.log[0]):  # noqa: F821
    study = group_study(pd.read_csv(snakemake.input[0]), min_kloc=params.min_kloc,  # noqa: F821
                        n_resamples=params.resamples, seed=params.seed)
    study["density"].to_csv(out.density, index=False)
    study["comparison"].to_csv(out.comparison, index=False)
    study["disagreements"].to_csv(out.classifier_disagreements, index=False)
    with open(out.tests, "w") as handle:
        json.dump(study["tests"], handle, indent=1)
    print(study["comparison"].to_string())
    print(json.dumps(study["tests"], indent=1))
