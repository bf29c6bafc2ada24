"""DEBA's ablations: sliding window versus full history, and the cooldown sweep.

Each DEBA variant is compared with the fixed baseline like any method (`comparisons.compare`); here the
variants are ordered by their settings (read from each run's config.json, not parsed from names) and two
paired contrasts are formed, matching the paper's ablation claims:
- window: sliding window (any finite W) minus full history, at the main variant's cooldown;
- cooldown: cooldowns >= 5 minus cooldowns < 5 (each side averaged per cell and seed), at the main window.
"""

from __future__ import annotations

import pandas as pd

from deba.analysis.comparisons import contrast

SUFFICIENT_COOLDOWN = 5  # the paper: "sufficient cooldown periods (5+ epochs)"


def ablation_table(comparisons: pd.DataFrame) -> pd.DataFrame:
    """DEBA rows of the comparison table, ordered by window then cooldown."""
    deba = comparisons[comparisons["scheduler"] == "deba"].copy()
    deba["window_order"] = deba["window"].map(lambda w: float("inf") if str(w) == "full" else float(w))
    deba = deba.sort_values(["dataset", "arch", "window_order", "cooldown", "variant"], kind="stable")
    return deba.drop(columns="window_order").reset_index(drop=True)


def _main_setting(pairs: pd.DataFrame, column: str):
    main = pairs[(pairs["scheduler"] == "deba") & (pairs["variant"] == "main")][column]
    return main.mode().iloc[0] if len(main) else None


def ablation_contrasts(pairs: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """The window and cooldown contrasts (accuracy change and speedup differences, with intervals)."""
    deba = pairs[pairs["scheduler"] == "deba"]
    main_window, main_cooldown = _main_setting(pairs, "window"), _main_setting(pairs, "cooldown")
    rows = []
    if main_cooldown is not None:
        at_cooldown = deba["cooldown"] == main_cooldown
        sliding = at_cooldown & (deba["window"].astype(str) != "full")
        full = at_cooldown & (deba["window"].astype(str) == "full")
        rows.append({"ablation": "window", "better": "sliding window", "worse": "full history",
                     **contrast(deba, sliding, full, **kwargs)})
    if main_window is not None:
        at_window = deba["window"].astype(str) == str(main_window)
        long = at_window & (deba["cooldown"] >= SUFFICIENT_COOLDOWN)
        short = at_window & (deba["cooldown"] < SUFFICIENT_COOLDOWN)
        rows.append({"ablation": "cooldown", "better": f"cooldown >= {SUFFICIENT_COOLDOWN}",
                     "worse": f"cooldown < {SUFFICIENT_COOLDOWN}", **contrast(deba, long, short, **kwargs)})
    return pd.DataFrame(rows)
