"""DEBA's stability thresholds: how they are derived from a fixed-batch run's signals, and their file format.

One rule serves both places that need it: the workflow's characterization step (thresholds from the
architecture's fixed-batch baseline runs, all seeds pooled) and a standalone run that calibrates on its own
first epochs. A reconstruction, since the paper does not give one: the file keeps every reference epoch's
value of each signal (`reference`), so a decision rule can ask for any quantile of the baseline
(`Thresholds.quantile`) and for how often a baseline epoch falls at or beyond it (`Thresholds.tail`), which
is what makes the windowed rule's tests exact (deba.schedulers). It also keeps them by epoch (`by_epoch`), for
the rule's `same_epoch` reference, which judges epoch t against the baseline's epoch t only. The median of
each signal is kept as the headline threshold the characterization reports. Pure Python, no torch.
"""

from __future__ import annotations

import bisect
import json
import math
import statistics
from dataclasses import asdict, dataclass, field
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
    # Every finite reference value of each signal, sorted; empty in a file written by hand with medians only.
    reference: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    # The same values by the epoch they were measured in (epoch -> sorted values); empty in files written
    # before it was kept, or derived from rows that name no epoch.
    by_epoch: Mapping[str, Mapping[int, tuple[float, ...]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, float]:
        """The median of each signal: the threshold the characterization reports."""
        return {name: getattr(self, name) for name in SIGNALS}

    def quantile(self, name: str, q: float, epoch: int | None = None) -> float:
        """The q-quantile of the signal over the reference epochs, or over the reference runs' epoch `epoch`
        (linear interpolation, numpy's default; at q = 0.5 the median, which is all a file with no reference
        values can give)."""
        values = self.reference.get(name, ())
        if not values and q == 0.5 and epoch is None:
            return getattr(self, name)
        values = self._values(name, f"its {q} quantile", epoch)
        position = q * (len(values) - 1)
        low = math.floor(position)
        high = min(low + 1, len(values) - 1)
        return values[low] + (values[high] - values[low]) * (position - low)

    def tail(self, name: str, value: float, side: str, epoch: int | None = None) -> float:
        """The fraction of reference epochs (or of the reference runs' epoch `epoch`) strictly below `value`
        (side 'low') or strictly above it ('high'): the probability that an epoch drawn from the baseline
        counts as quiet (or noisy) against that value."""
        values = self._values(name, f"its {side} tail", epoch)
        if side == "low":
            return bisect.bisect_left(values, value) / len(values)
        return (len(values) - bisect.bisect_right(values, value)) / len(values)

    def _values(self, name: str, wanted: str, epoch: int | None = None) -> tuple[float, ...]:
        if epoch is not None:
            values = self.by_epoch.get(name, {}).get(epoch, ())
            if not values:
                where = f" from {self.source}" if self.source else ""
                raise ThresholdsError(
                    f"thresholds{where} hold no value of {name} at epoch {epoch}, so {wanted} there is unknown; "
                    "threshold_reference 'same_epoch' needs thresholds derived from baseline runs at least as long "
                    "as this run, by this version (the workflow's `thresholds` rule)")
            return values
        values = self.reference.get(name, ())
        if not values:
            where = f" from {self.source}" if self.source else ""
            raise ThresholdsError(f"thresholds{where} hold no reference values of {name}, so {wanted} is unknown; "
                                  "derive them again from baseline epochs (the workflow's `thresholds` rule, or a "
                                  "run's own calibration epochs)")
        return values

    def write(self, path: str | Path) -> None:
        data = asdict(self)
        data["reference"] = {name: list(values) for name, values in self.reference.items()}
        data["by_epoch"] = {name: {str(epoch): list(values) for epoch, values in sorted(epochs.items())}
                            for name, epochs in self.by_epoch.items()}
        Path(path).write_text(json.dumps(data, indent=2) + "\n")

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
            if not _is_value(value):
                raise ThresholdsError(f"thresholds file {path}: {name}={value!r}, allowed is a finite number >= 0")
        reference = data.get("reference", {})
        if not isinstance(reference, dict) or not all(
                name in SIGNALS and isinstance(values, list) and all(_is_value(v) for v in values)
                for name, values in reference.items()):
            raise ThresholdsError(f"thresholds file {path}: 'reference' must map signal names {list(SIGNALS)} to "
                                  "lists of finite numbers >= 0")
        by_epoch = data.get("by_epoch", {})
        if not isinstance(by_epoch, dict) or not all(
                name in SIGNALS and isinstance(epochs, dict) and all(
                    str(epoch).isdigit() and isinstance(values, list) and all(_is_value(v) for v in values)
                    for epoch, values in epochs.items())
                for name, epochs in by_epoch.items()):
            raise ThresholdsError(f"thresholds file {path}: 'by_epoch' must map signal names {list(SIGNALS)} to "
                                  "objects from epoch numbers to lists of finite numbers >= 0")
        return cls(**{name: float(data[name]) for name in SIGNALS},
                   method=str(data.get("method", "")), source=str(data.get("source", "")),
                   reference={name: tuple(sorted(float(v) for v in values)) for name, values in reference.items()},
                   by_epoch={name: {int(epoch): tuple(sorted(float(v) for v in values))
                                    for epoch, values in epochs.items()} for name, epochs in by_epoch.items()})


def derive_thresholds(epoch_rows: Iterable[Mapping[str, float | None]], source: str = "") -> Thresholds:
    """Median of each signal over the given per-epoch rows, ignoring missing and non-finite values.

    Rows are dicts with the `epochs.csv` signal columns, and the `epoch` column where the values are also to
    be kept by epoch; the variation signals are undefined in a run's first epoch and are simply absent there.
    """
    rows = list(epoch_rows)
    medians, reference, by_epoch = {}, {}, {}
    for name in SIGNALS:
        finite = [row for row in rows if row.get(name) is not None and math.isfinite(float(row[name]))]
        if not finite:
            raise ThresholdsError(f"cannot derive the {name} threshold: no finite values in {len(rows)} epoch rows"
                                  + (f" from {source}" if source else ""))
        values = [float(row[name]) for row in finite]
        medians[name] = statistics.median(values)
        reference[name] = tuple(sorted(values))
        epochs: dict[int, list[float]] = {}
        for row in finite:
            if row.get("epoch") is not None:
                epochs.setdefault(int(row["epoch"]), []).append(float(row[name]))
        if epochs:
            by_epoch[name] = {epoch: tuple(sorted(found)) for epoch, found in sorted(epochs.items())}
    return Thresholds(**medians, source=source, reference=reference, by_epoch=by_epoch)


def _is_value(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0
