"""Snakemake adapter of rule `smells_statistics`: ML vs non-ML tests, idiom mix, detectable effect."""
import json

import pandas as pd

from paperkit.rules import log_to
from smells.analysis import classifier_disagreements, compare_groups, densities, idiom_mix, smallest_detectable_delta
from smells.findings import IDIOMS

out, params = snakemake.output, snakemake.params  # noqa: F821 (snakemake is injected)

with log_to(snakemake.log[0]):  # noqa: F821
    projects = pd.read_csv(snakemake.input[0])  # noqa: F821
    density = densities(projects, params.min_kloc)
    density.to_csv(out.density, index=False)
    comparison = compare_groups(density, n_resamples=params.resamples, seed=params.seed)
    comparison.to_csv(out.comparison, index=False)
    kept = projects[projects["project"].isin(density["project"])]
    n_ml, n_non = int((density["group"] == "ML").sum()), int((density["group"] == "non-ML").sum())
    tests = {
        "mix": idiom_mix(kept, without_dominant=False),
        "mix_without": idiom_mix(kept, without_dominant=True),
        "power": {"n_ml": n_ml, "n_non_ml": n_non, "alpha": 0.05, "power": 0.8,
                  "delta": smallest_detectable_delta(n_ml, n_non),
                  "delta_holm": smallest_detectable_delta(n_ml, n_non, alpha=0.05 / len(IDIOMS))},
    }
    with open(out.tests, "w") as handle:
        json.dump(tests, handle, indent=1)
    classifier_disagreements(projects).to_csv(out.disagreements, index=False)
    print(comparison.to_string())
    print(json.dumps(tests, indent=1))
