"""Snakemake adapter of rule `smells_stages`: map ML projects' scopes to stages; stage table and accuracy."""
import json

import pandas as pd

from paperkit.rules import log_to
from smells.analysis import mapping_accuracy, stage_fit, stage_idiom_density, stage_table
from smells.stages import map_scopes, map_stage

inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821 (injected)

with log_to(snakemake.log[0]):  # noqa: F821
    projects = pd.read_csv(inp.projects)
    ml = set(projects.loc[projects["group"] == "ML", "project"])
    scopes = pd.read_csv(inp.scopes, keep_default_na=False)
    scopes = scopes[scopes["project"].isin(ml)].copy()
    scopes["stage"] = map_scopes(scopes)
    findings = pd.read_csv(inp.findings, keep_default_na=False)
    findings = findings[findings["project"].isin(ml)].merge(
        scopes[["project", "path", "scope_id", "stage"]], on=["project", "path", "scope_id"], how="left")
    table = stage_table(findings, scopes, n_resamples=params.resamples, seed=params.seed)
    table.to_csv(out.stages, index=False)
    stage_idiom_density(findings, scopes).to_csv(out.matrix)
    labels = pd.read_csv(inp.labels, keep_default_na=False)
    predicted = [map_stage(r.function if r.function != "<module>" else "", r.class_name, r.path, r.calls.split())
                 for r in labels.itertuples()]
    held_out = (labels["split"] == "held-out").to_numpy()
    result = {
        "all": mapping_accuracy(labels, predicted, n_resamples=params.resamples, seed=params.seed),
        "held_out": mapping_accuracy(labels[held_out], [p for p, h in zip(predicted, held_out) if h],
                                     n_resamples=params.resamples, seed=params.seed),
        "fit": stage_fit(table),
    }
    with open(out.accuracy, "w") as handle:
        json.dump(result, handle, indent=1)
    print(table.to_string())
    print(json.dumps(result, indent=1))
