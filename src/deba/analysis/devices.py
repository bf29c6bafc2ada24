"""Which device each side of a paired comparison ran on: a speedup measured across two GPU models is void.

Under SLURM the runs of one comparison can land on different GPU models (unless the profile pins one:
profiles/slurm/config.yaml), and a DEBA run on a faster card than its fixed-batch baseline would show a
speedup the scheduler did not earn. Every run folder's config.json records the device's name in its
provenance (`device_name`, copied into runs.csv by `deba.analysis.load`); `check_paired_devices` flags
each pair whose two runs name different devices and refuses them unless allowed. A run whose name is
unknown (runs.csv from before it was recorded, a missing baseline) is not taken for a mismatch.
"""

from __future__ import annotations

import pandas as pd

from .load import AnalysisInputError

DEVICE_COLUMN = "device_name"  # one of load.PROVENANCE_FIELDS
PAIR_KEYS = ["dataset", "arch", "scheduler", "variant", "seed"]


def with_device_names(runs: pd.DataFrame) -> pd.DataFrame:
    """`runs` with a `device_name` column (empty where runs.csv has none)."""
    return runs if DEVICE_COLUMN in runs else runs.assign(**{DEVICE_COLUMN: pd.NA})


def check_paired_devices(pairs: pd.DataFrame, *, allow_mixed: bool = False) -> pd.Series:
    """Per pair (`device_method`, `device_fixed` columns), whether its runs ran on different devices.

    Raises AnalysisInputError naming the pairs and devices when any did, unless `allow_mixed`."""
    method, fixed = pairs["device_method"], pairs["device_fixed"]
    mixed = (method.notna() & fixed.notna() & (method.astype(str) != fixed.astype(str))).astype(bool)
    if mixed.any() and not allow_mixed:
        shown = [f"  {'/'.join(str(row[key]) for key in PAIR_KEYS)}: {row['device_method']} against "
                 f"fixed on {row['device_fixed']}" for _, row in pairs[mixed].head(5).iterrows()]
        more = f"\n  and {int(mixed.sum()) - 5} more" if mixed.sum() > 5 else ""
        raise AnalysisInputError(
            f"{int(mixed.sum())} paired comparison(s) would set runs made on different devices against each "
            "other (dataset/arch/scheduler/variant/seed):\n" + "\n".join(shown) + more +
            "\nRerun them on one device type (profiles/slurm/config.yaml shows how to pin a GPU model), or "
            "allow mixed devices to accept this.")
    return mixed
