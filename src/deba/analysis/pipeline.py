"""The statistics step the workflow runs: aggregated tables -> results/stats/*.csv (STATS_FILES).

Aggregation (`deba.analysis.aggregation`) and the figures, tables and macros (`figures`,
`tables`, `macros`; all of them in one call: `render`) have their own modules, and aggregation imports none
of the statistics: the rules' code digests follow imports, so editing one reruns only its own rules.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from deba.analysis import ablations, characterization, claims, comparisons, hardware, predictive
from deba.analysis.aggregation import write_csv
from deba.analysis.layout import STATS_FILES
from deba.analysis.load import read_epochs, read_runs, read_throughput


def device_description(runs: pd.DataFrame) -> str:
    """The device(s) the runs' timings come from, as the claims table's basis names them."""
    if "device_name" not in runs or runs.empty:
        return ""
    names = sorted({f"{name} ({device}, {threads} threads)" for name, device, threads in
                    runs[["device_name", "device", "threads"]].astype(str).itertuples(index=False)})
    return "; ".join(names)


def statistics(runs_csv: str | Path, epochs_csv: str | Path, throughput_csv: str | Path, outputs: dict[str, str],
               *, n_resamples: int = 9999, seed: int = 0,
               allow_mixed_devices: bool = False) -> dict[str, pd.DataFrame]:
    """Every statistic of the paper from the aggregated tables; writes `outputs[name]` for STATS_FILES."""
    runs, epochs, throughput = read_runs(runs_csv), read_epochs(epochs_csv), read_throughput(throughput_csv)
    options = {"n_resamples": n_resamples, "seed": seed}
    pairs = comparisons.paired_runs(runs, allow_mixed_devices=allow_mixed_devices)
    hardware_table = hardware.hardware_speedups(runs, epochs, throughput)
    pairs = pairs.merge(hardware_table[hardware.RUN + ["predicted_speedup", "images_skipped"]], on=hardware.RUN,
                        how="left")
    comparison = comparisons.compare(pairs, **options)
    ceilings = hardware.cell_ceilings(runs, throughput)
    if len(comparison):
        comparison = comparison.merge(ceilings[["dataset", "arch", "speedup_ceiling"]], on=["dataset", "arch"],
                                      how="left")
    per_run = characterization.characterize_runs(runs, epochs)
    cells_char = characterization.characterize_cells(per_run)
    cells = predictive.cell_table(cells_char, comparison) if len(comparison) else pd.DataFrame(
        columns=["dataset", "arch", *predictive.PREDICTORS, *predictive.OUTCOMES])
    correlations = predictive.correlations(cells, **options)
    loao = pd.concat([predictive.leave_one_architecture_out(cells, outcome) for outcome in predictive.OUTCOMES],
                     ignore_index=True)
    contrasts = ablations.ablation_contrasts(pairs, **options)
    tables = {
        "pairs": pairs, "comparisons": comparison, "characterization_runs": per_run,
        "characterization": cells_char, "hardware": hardware_table,
        "correlations": correlations, "loao": loao,
        "ablations": ablations.ablation_table(comparison) if len(comparison) else comparison,
        "ablation_contrasts": contrasts,
        "sensitivity": ablations.sensitivity_table(comparison, epochs) if len(comparison) else comparison,
        "claims": claims.claims_table(pairs, contrasts, correlations, ceilings=ceilings,
                                      device=device_description(runs), **options),
    }
    for name in STATS_FILES:
        write_csv(tables[name], outputs[name])
    return tables

