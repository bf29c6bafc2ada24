"""The aggregation step the workflow runs: run folders + throughput/thresholds files ->
results/aggregate/{runs,epochs,throughput,thresholds}.csv. It imports nothing of the statistics, so editing
those never reruns it (the rules' code digests follow imports)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from deba.analysis.layout import AGGREGATE_FILES
from deba.analysis.load import (
    aggregate_runs,
    aggregate_thresholds,
    aggregate_throughput,
)
from deba.thresholds import SIGNALS


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """CSV with a fixed float format, written atomically (temporary name, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False, float_format="%.10g")
    tmp.replace(path)


def aggregate(run_folders: Sequence[str | Path], throughput_files: Sequence[str | Path],
              thresholds_files: Sequence[str | Path], cells: Sequence[Sequence[str]], outputs: dict[str, str],
              *, allow_mixed_code_versions: bool = False) -> None:
    """Write runs.csv, epochs.csv, throughput.csv, thresholds.csv (paths in `outputs`, keyed by those names)."""
    runs, epochs = aggregate_runs(run_folders, allow_mixed_code_versions=allow_mixed_code_versions)
    tables = {"runs": runs, "epochs": epochs,
              "throughput": aggregate_throughput(throughput_files, cells),
              "thresholds": aggregate_thresholds(thresholds_files, cells) if thresholds_files else
              pd.DataFrame(columns=["dataset", "arch", *SIGNALS])}
    for name in AGGREGATE_FILES:
        write_csv(tables[name], outputs[name])
