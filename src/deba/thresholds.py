"""DEBA's stability thresholds: how they are derived from a fixed-batch run's signals, and their file format.

One rule serves both places that need it: the workflow's characterization step (thresholds from the
architecture's fixed-batch baseline runs, all seeds pooled) and a standalone run that calibrates on its own
first epochs. The rule, a reconstruction since the paper does not give one: each threshold is the median of
that signal over the reference epochs. An epoch is then "stable" when the sliding-window mean of every
signal is below what the architecture shows in a typical baseline epoch. Pure Python, no torch.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Mapping

SIGNALS = ("grad_var", "grad_norm_variation", "loss_variation")


class ThresholdsError(ValueError):
    """A thresholds file is missing, unreadable or lacks a signal."""


@dataclass(frozen=True)
class Thresholds:
    grad_var: float
    grad_norm_variation: float
    loss_variation: float
    method: str = "median of the reference epochs"
    source: str = ""

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in SIGNALS}

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def read(cls, path: str | Path) -> "Thresholds":
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise ThresholdsError(f"thresholds file {path} does not exist") from None
        except (OSError, json.JSONDecodeError) as error:
            raise ThresholdsError(f"thresholds file {path} is not readable JSON: {error}") from None
        if not isinstance(data, dict):
            raise ThresholdsError(f"thresholds file {path} must hold a JSON object with keys {list(SIGNALS)}")
        missing = [name for name in SIGNALS if name not in data]
        if missing:
            raise ThresholdsError(f"thresholds file {path} lacks key(s) {missing}; required: {list(SIGNALS)}")
        for name in SIGNALS:
            value = data[name]
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                raise ThresholdsError(f"thresholds file {path}: {name}={value!r}, allowed is a finite number >= 0")
        return cls(**{name: float(data[name]) for name in SIGNALS},
                    method=str(data.get("method", "")), source=str(data.get("source", "")))


def derive_thresholds(epoch_rows: Iterable[Mapping[str, float | None]], source: str = "") -> Thresholds:
    """Median of each signal over the given per-epoch rows, ignoring missing and non-finite values.

    Rows are dicts with the `epochs.csv` signal columns; the variation signals are undefined in a run's
    first epoch and are simply absent there.
    """
    rows = list(epoch_rows)
    medians = {}
    for name in SIGNALS:
        values = [float(row[name]) for row in rows
                  if row.get(name) is not None and math.isfinite(float(row[name]))]
        if not values:
            raise ThresholdsError(f"cannot derive the {name} threshold: no finite values in {len(rows)} epoch rows"
                                  + (f" from {source}" if source else ""))
        medians[name] = statistics.median(values)
    return Thresholds(**medians, source=source)
