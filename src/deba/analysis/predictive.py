"""The predictive framework: do baseline stability metrics predict DEBA's benefit in a cell?

Across cells (dataset, architecture): Spearman's rho between each baseline metric (characterization) and
DEBA's measured speedup and accuracy change (DEBA with the paper's settings, variant `main`), with an exact
(or Monte Carlo) permutation p-value, and a bootstrap interval over cells only from MIN_CELLS cells on. Then leave-one-architecture-out: for each architecture, a one-threshold
rule on the stability score ("benefit if S is below t", or above, whichever fits) is chosen on the other
architectures' cells to predict the sign of the benefit, and applied to the held-out architecture's cells.
The rule's threshold and direction maximize training accuracy (ties: the most central threshold); with a
single class in the training cells it predicts that class. Reported beside the majority-class rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from paperkit.stats import spearman_ci, spearman_permutation_p

PREDICTORS = ("stability_score", "grad_norm_variation", "loss_variation")
# Fewer cells than this give no verdict on a correlation: with 4, every permutation p is >= 1/12 (two-sided),
# and a bootstrap interval over so few points says nothing.
MIN_CELLS = 5
OUTCOMES = ("speedup", "acc_diff")


def cell_table(characterization: pd.DataFrame, comparisons: pd.DataFrame) -> pd.DataFrame:
    """Baseline metrics joined with DEBA main's mean effects, one row per cell that has both."""
    deba = comparisons[(comparisons["scheduler"] == "deba") & (comparisons["variant"] == "main")]
    return characterization[["dataset", "arch", *PREDICTORS]].merge(
        deba[["dataset", "arch", *OUTCOMES]], on=["dataset", "arch"], how="inner")


def correlations(cells: pd.DataFrame, *, n_resamples: int = 9999, seed: int = 0) -> pd.DataFrame:
    rows = []
    for predictor in PREDICTORS:
        for outcome in OUTCOMES:
            x, y = cells[predictor].to_numpy(float), cells[outcome].to_numpy(float)
            rho, p, low, high = spearman_ci(x, y, n_resamples=n_resamples, seed=seed)
            n = int((np.isfinite(x) & np.isfinite(y)).sum())
            p_perm = spearman_permutation_p(x, y, n_resamples=n_resamples, seed=seed)
            if n < MIN_CELLS:
                low = high = np.nan  # no interval from a handful of points
            note = ("" if n >= MIN_CELLS and np.isfinite(rho) else
                    f"{n} cells: a correlation needs at least {MIN_CELLS}" if np.isfinite(rho) else
                    "fewer than 3 cells or no variation: not computable")
            rows.append({"predictor": predictor, "outcome": outcome, "n_cells": n, "rho": rho, "p": p,
                         "p_permutation": p_perm, "rho_low": low, "rho_high": high, "note": note})
    return pd.DataFrame(rows)


def fit_threshold_rule(scores: np.ndarray, labels: np.ndarray) -> tuple[float, int]:
    """(threshold, direction): predict benefit iff direction * (score - threshold) > 0; best training accuracy."""
    if len(set(labels.tolist())) < 2:
        # One class only: a threshold at -inf with direction +1 (or -1) predicts it for every score.
        return (-np.inf, 1) if labels[0] else (-np.inf, -1)
    unique = np.unique(scores)
    candidates = np.concatenate([[unique[0] - 1.0], (unique[:-1] + unique[1:]) / 2.0, [unique[-1] + 1.0]])
    centre = np.median(scores)
    best = None
    for direction in (-1, 1):
        for threshold in candidates:
            accuracy = np.mean((direction * (scores - threshold) > 0) == labels)
            key = (accuracy, -abs(threshold - centre), direction)
            if best is None or key > best[0]:
                best = (key, threshold, direction)
    return float(best[1]), int(best[2])


def leave_one_architecture_out(cells: pd.DataFrame, outcome: str = "speedup",
                               predictor: str = "stability_score") -> pd.DataFrame:
    """Per held-out architecture: the rule fit on the others, and whether it got the held-out signs right."""
    usable = cells[np.isfinite(cells[predictor].astype(float)) & np.isfinite(cells[outcome].astype(float))]
    rows = []
    for arch in sorted(usable["arch"].unique()):
        train, test = usable[usable["arch"] != arch], usable[usable["arch"] == arch]
        if train.empty:
            continue
        threshold, direction = fit_threshold_rule(train[predictor].to_numpy(float),
                                                  (train[outcome] > 0).to_numpy())
        predicted = direction * (test[predictor].to_numpy(float) - threshold) > 0
        actual = (test[outcome] > 0).to_numpy()
        rows.append({"held_out": arch, "outcome": outcome, "n_train": len(train), "n_test": len(test),
                     "threshold": threshold, "direction": "below" if direction < 0 else "above",
                     "correct": int((predicted == actual).sum()), "n_positive": int(actual.sum())})
    return pd.DataFrame(rows, columns=["held_out", "outcome", "n_train", "n_test", "threshold", "direction",
                                       "correct", "n_positive"])


def loao_summary(loao: pd.DataFrame) -> dict[str, float]:
    """Held-out cells, how many were predicted right, and the majority-class rate the rule should beat."""
    n = int(loao["n_test"].sum()) if len(loao) else 0
    positive = loao["n_positive"].sum() / n if n else float("nan")
    return {"n_cells": n, "correct": int(loao["correct"].sum()) if n else 0,
            "accuracy": float(loao["correct"].sum() / n) if n else float("nan"),
            "majority_rate": float(max(positive, 1 - positive)) if n else float("nan")}
