"""Every number the paper's prose quotes, as a LaTeX macro in paper/generated/macros.tex.

Names start with `Deba` and are built with `paperkit.latex.macro_name`. Percentages are written without
the percent sign (the prose adds `\\%`), accuracy changes in percentage points. Each value comes from a
results file: runs.csv (setup and provenance) or results/stats/*.csv; `MACRO_SOURCES` in the generated
file's header says which.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from deba.analysis.ablations import SUFFICIENT_COOLDOWN, sensitivity_conclusions, setting_text
from deba.analysis.claims import MIN_PAIRS, NON_INFERIORITY_MARGIN, RANGE_CLAIMS, VERDICT_LABELS
from deba.analysis.comparisons import chance
from deba.analysis.layout import MACRO_INPUTS
from deba.analysis.noise import is_timing_control
from deba.analysis.predictive import MIN_CELLS, loao_summary
from deba.analysis.tables import estimate
from paperkit.latex import escape, format_number, macro_name, write_macros
from paperkit.stats import wilcoxon_min_p

PREFIX = "Deba"


def _name(*parts: object) -> str:
    return macro_name(PREFIX, *parts)


def _list(values) -> str:
    values = [escape(v) for v in values]
    return ", ".join(values[:-1]) + (" and " if len(values) > 1 else "") + values[-1] if values else "none"


def _subset_size(runs: pd.DataFrame, column: str) -> str:
    """The images a run trained or was tested on (the subset sizes the runs recorded), or `all`."""
    if column not in runs or runs[column].isna().all():
        return "all"
    sizes = sorted(runs[column].dropna().astype(int).unique())
    return ", ".join(str(size) for size in sizes)


def setup_macros(runs: pd.DataFrame) -> dict[str, object]:
    """Grid size and provenance (hardware, versions) from runs.csv."""
    seeds = sorted(runs["seed"].unique())
    first = runs.iloc[0]
    return {
        _name("num", "runs"): len(runs),
        _name("num", "diverged", "runs"): int((runs["status"] == "diverged").sum()),
        _name("num", "seeds"): len(seeds),
        _name("num", "archs"): runs["arch"].nunique(),
        _name("num", "datasets"): runs["dataset"].nunique(),
        _name("num", "epochs"): int(runs["epochs"].max()),
        _name("datasets"): _list(sorted(runs["dataset"].unique())),
        # the accuracy (%) of guessing one class, per dataset in the order of `datasets`
        _name("chance"): _list(format_number(chance(name) * 100, 0) for name in sorted(runs["dataset"].unique())),
        _name("archs"): _list(sorted(runs["arch"].unique())),
        _name("schedulers"): _list(sorted(runs["scheduler"].unique())),
        _name("scale"): escape(first.get("scale", "n/a")),
        _name("device"): escape(f"{first.get('device_name', 'n/a')} ({first.get('device', 'n/a')})"),
        _name("threads"): escape(first.get("threads", "n/a")),
        _name("torch", "version"): escape(first.get("torch_version", "n/a")),
        _name("python", "version"): escape(first.get("python", "n/a")),
        _name("code", "version"): escape(", ".join(sorted(runs["code_version"].astype(str).unique()))),
        _name("total", "train", "hours"): format_number(runs["train_time_s"].sum() / 3600, 2),
        _name("train", "subset"): _subset_size(runs, "train_subset"),
        _name("test", "subset"): _subset_size(runs, "test_subset"),
        _name("wilcoxon", "min", "p"): format_number(wilcoxon_min_p(len(seeds)), 4),
        _name("wilcoxon", "min", "p", "five", "seeds"): format_number(wilcoxon_min_p(5), 4),
    }


# Settings added after runs were recorded: such a run's config.json has no value for them.
NEWER_SETTINGS = ("grad_var_scaling", "threshold_reference")


def method_macros(runs: pd.DataFrame) -> dict[str, object]:
    """DEBA's settings as the main DEBA runs used them (from their config.json, via runs.csv)."""
    deba = runs[(runs["scheduler"] == "deba") & (runs["variant"] == "main")]
    source = deba if len(deba) else runs

    def setting(column: str) -> str:
        if column not in source or (column in NEWER_SETTINGS and source[column].dropna().empty):
            return "not recorded"  # runs from before the setting existed
        if source[column].dropna().empty:
            return "n/a"
        values = sorted(source[column].dropna().astype(str).unique())
        return escape(", ".join(v.removesuffix(".0") for v in values))

    out = {_name("setting", column): setting(column)
           for column in ("window", "cooldown", "batch_size", "grow_factor", "shrink_factor", "min_batch",
                          "max_batch", "momentum", "weight_decay", "lr_schedule", "warmup_epochs", "lr_scaling",
                          "deba_rule", "threshold_quantile", "significance", "grad_var_scaling",
                          "threshold_reference")}
    # an empty roll-back floor is a setting too: each rule keeps its own (deba.config)
    floor = "not recorded" if "rollback_floor" not in source else escape(", ".join(sorted(
        {setting_text(value) for value in source["rollback_floor"]})))
    out[_name("setting", "rollback_floor")] = floor
    return out


def paper_claim_macros() -> dict[str, object]:
    """The DEBA paper's claimed ranges (claims.RANGE_CLAIMS), so the prose quotes them from one place."""
    return {_name("paper", claim_id): f"{low * 100:g}--{high * 100:g}"
            for claim_id, _, _, _, low, high in RANGE_CLAIMS}


def result_macros(comparisons: pd.DataFrame) -> dict[str, object]:
    """DEBA main per cell (speedup, accuracy change with intervals) and ranges over cells."""
    out: dict[str, object] = {}
    deba = comparisons[(comparisons["scheduler"] == "deba") & (comparisons["variant"] == "main")]
    for _, row in deba.iterrows():
        cell = (row["arch"], row["dataset"])
        out[_name("speedup", *cell)] = estimate(row["speedup"], row["speedup_low"], row["speedup_high"],
                                                row["n_pairs"])
        out[_name("acc", "change", *cell)] = estimate(row["acc_diff"], row["acc_diff_low"], row["acc_diff_high"],
                                                      row["n_pairs"])
    finite = deba[np.isfinite(deba["speedup"].astype(float))]
    out[_name("num", "cells")] = len(deba)
    out[_name("speedup", "min")] = format_number(finite["speedup"].min() * 100, 1) if len(finite) else "n/a"
    out[_name("speedup", "max")] = format_number(finite["speedup"].max() * 100, 1) if len(finite) else "n/a"
    out[_name("acc", "change", "min")] = format_number(deba["acc_diff"].min() * 100, 1) if len(deba) else "n/a"
    out[_name("acc", "change", "max")] = format_number(deba["acc_diff"].max() * 100, 1) if len(deba) else "n/a"
    out[_name("num", "cells", "acc", "significant")] = int((deba["t_p_holm"] < 0.05).sum())
    out[_name("num", "cells", "faster")] = int((deba["speedup_low"] > 0).sum())
    reached = deba[np.isfinite(deba["ttt_speedup"].astype(float))]
    out[_name("num", "cells", "target")] = len(reached)
    out[_name("ttt", "speedup", "min")] = format_number(reached["ttt_speedup"].min() * 100, 1) if len(reached) else "n/a"
    out[_name("ttt", "speedup", "max")] = format_number(reached["ttt_speedup"].max() * 100, 1) if len(reached) else "n/a"
    out[_name("batch", "changes", "mean")] = format_number(deba["batch_changes"].mean(), 1) if len(deba) else "n/a"
    out[_name("batch", "changes", "max")] = int(deba["batch_changes_max"].max()) if len(deba) else 0
    out[_name("num", "pairs", "excluded")] = int((deba["n_runs"] - deba["n_pairs"]).sum())
    out.update(activity_macros(comparisons))
    comparators = comparisons[~comparisons["scheduler"].isin(["deba", "fixed"]) & (comparisons["variant"] == "main")]
    out[_name("comparators")] = _list(sorted(comparators["scheduler"].unique()))
    for scheduler, rows in comparators.groupby("scheduler"):
        out[_name("speedup", scheduler, "mean")] = format_number(rows["speedup"].mean() * 100, 1)
        out[_name("acc", "change", scheduler, "mean")] = format_number(rows["acc_diff"].mean() * 100, 1)
    return out


def activity_macros(comparisons: pd.DataFrame) -> dict[str, object]:
    """Whether DEBA acted (runs that changed, grew, rolled back the batch) and the A/A timing noise floor."""
    deba = comparisons[comparisons["scheduler"] == "deba"]
    main = deba[deba["variant"] == "main"]
    control = comparisons[is_timing_control(comparisons)]
    out: dict[str, object] = {
        _name("num", "main", "runs"): int(main["n_runs"].sum()),
        _name("num", "main", "runs", "changed"): int(main["n_changed"].sum()),
        _name("num", "main", "runs", "grew"): int(main["n_grew"].sum()),
        _name("num", "main", "runs", "rolled", "back"): int(main["n_shrank"].sum()),
        _name("num", "deba", "runs"): int(deba["n_runs"].sum()),
        _name("num", "deba", "runs", "rolled", "back"): int(deba["n_shrank"].sum()),
        _name("num", "control", "pairs"): int(control["n_pairs"].sum()),
    }
    if len(control) and int(control["n_pairs"].sum()):
        out[_name("noise", "floor")] = ", ".join(
            estimate(r["speedup"], r["speedup_low"], r["speedup_high"], r["n_pairs"]) for _, r in control.iterrows())
    else:
        out[_name("noise", "floor")] = "n/a"
    return out


def sensitivity_macros(sensitivity: pd.DataFrame, pricing: pd.DataFrame) -> dict[str, object]:
    """The reconstruction-sensitivity sweep: how many variants and runs, and a paragraph, made from the data,
    saying which of the main run's conclusions survive which choice (ablations.sensitivity_conclusions)."""
    variants = sensitivity[sensitivity["variant"] != "main"] if len(sensitivity) else sensitivity
    conclusions = sensitivity_conclusions(sensitivity, pricing)
    return {_name("num", "sensitivity", "variants"): int(variants["variant"].nunique()) if len(variants) else 0,
            _name("num", "sensitivity", "runs"): int(variants["n_runs"].sum()) if len(variants) else 0,
            _name("sensitivity", "conclusions"): conclusions_paragraph(conclusions)}


def conclusions_paragraph(conclusions: pd.DataFrame) -> str:
    """Per cell, the main settings' readings, then per variant which survive, which change and which cannot be
    told; LaTeX text. Priced speedups that read alike are named once ("the speedup priced on 5 profile scales": a
    stored profile at one of its scales)."""
    if conclusions.empty:
        return "No reconstruction choice was varied in this grid, so none of its conclusions is tested against one."
    sentences = []
    for (dataset, arch), cell in conclusions.groupby(["dataset", "arch"], sort=True):
        first = cell[cell["variant"] == cell["variant"].iloc[0]]
        readings = "; ".join(f"{name}: {escape(reading)}" for name, reading in _grouped(first, "main"))
        sentences.append(f"On {escape(arch)} ({escape(dataset)}) the main settings read: {readings}.")
        for variant, rows in cell.groupby("variant", sort=False):
            kept = rows[rows["survives"].eq(True)]
            lost = rows[rows["survives"].eq(False)]
            untold = rows[rows["survives"].isna()]
            parts = [f"{len(kept)} of {len(rows)} conclusions survive" +
                     (f" ({', '.join(name for name, _ in _grouped(kept, 'main'))})" if len(kept) else "")]
            if len(lost):
                parts.append(f"{len(lost)} change (" + "; ".join(
                    f"{name}: {escape(reading)}" for name, reading in _grouped(lost, "variant_reading")) + ")")
            if len(untold):
                parts.append(f"{len(untold)} cannot be told, one side resting on fewer than {MIN_PAIRS} seed pairs "
                             f"({', '.join(name for name, _ in _grouped(untold, 'main'))})")
            sentences.append(f"With {escape(rows['changed'].iloc[0])} (\\texttt{{{escape(variant)}}}): "
                             + ", ".join(parts) + ".")
    return " ".join(sentences)


PRICED = "speedup priced on "


def _grouped(rows: pd.DataFrame, column: str) -> list[tuple[str, str]]:
    """(conclusion name, reading in `column`), LaTeX names, with the priced speedups that read alike merged."""
    out, priced = [], {}
    for conclusion, reading in zip(rows["conclusion"], rows[column]):
        if conclusion.startswith(PRICED):
            priced.setdefault(reading, []).append(conclusion.removeprefix(PRICED))
        else:
            out.append((escape(conclusion), reading))
    for reading, profiles in priced.items():
        name = PRICED + (profiles[0] if len(profiles) == 1 else f"{len(profiles)} profile scales")
        out.append((escape(name), reading))
    return out


def characterization_macros(characterization: pd.DataFrame, correlations: pd.DataFrame, loao: pd.DataFrame,
                            hardware: pd.DataFrame) -> dict[str, object]:
    out: dict[str, object] = {}
    ranked = characterization.dropna(subset=["stability_score"]).sort_values("stability_score")
    out[_name("least", "stable")] = escape(ranked.iloc[0]["arch"]) if len(ranked) else "n/a"
    out[_name("most", "stable")] = escape(ranked.iloc[-1]["arch"]) if len(ranked) else "n/a"
    out[_name("stability", "min")] = format_number(ranked["stability_score"].min(), 3) if len(ranked) else "n/a"
    out[_name("stability", "max")] = format_number(ranked["stability_score"].max(), 3) if len(ranked) else "n/a"
    for _, row in correlations.iterrows():
        key = (row["predictor"], row["outcome"])
        out[_name("rho", *key)] = format_number(row["rho"], 2)
        out[_name("rho", *key, "low")] = format_number(row["rho_low"], 2)
        out[_name("rho", *key, "high")] = format_number(row["rho_high"], 2)
        out[_name("rho", *key, "p")] = format_number(row["p"], 3)
    out[_name("num", "cells", "correlated")] = int(correlations["n_cells"].max()) if len(correlations) else 0
    summary = loao_summary(loao[loao["outcome"] == "speedup"])
    out[_name("loao", "correct")] = summary["correct"]
    out[_name("loao", "cells")] = summary["n_cells"]
    out[_name("loao", "majority", "rate")] = format_number(summary["majority_rate"] * 100, 0)
    deba = hardware[(hardware["scheduler"] == "deba") & (hardware["variant"] == "main")]
    for column in ("predicted_speedup", "images_skipped", "utilization_speedup", "measured_speedup",
                   "unexplained"):
        out[_name(column, "mean")] = format_number(deba[column].mean() * 100, 1) if len(deba) else "n/a"
    return out


def ablation_and_claim_macros(contrasts: pd.DataFrame, claims: pd.DataFrame) -> dict[str, object]:
    out: dict[str, object] = {}
    for _, row in contrasts.iterrows():
        out[_name(row["ablation"], "acc", "delta")] = estimate(row["acc_diff_delta"], row["acc_diff_low"],
                                                               row["acc_diff_high"], row["n"])
        out[_name(row["ablation"], "speedup", "delta")] = estimate(row["speedup_delta"], row["speedup_low"],
                                                                   row["speedup_high"], row["n"])
        out[_name(row["ablation"], "pairs")] = int(row["n"])
    for ablation in ("window", "cooldown"):
        out.setdefault(_name(ablation, "acc", "delta"), "n/a")
        out.setdefault(_name(ablation, "speedup", "delta"), "n/a")
        out.setdefault(_name(ablation, "pairs"), 0)
    out[_name("claims", "total")] = len(claims)
    for verdict, words in VERDICT_LABELS.items():
        # named by the words ("not testable on this device" -> DebaClaimsNotTestableOnThisDevice)
        out[_name("claims", words.removesuffix(" at this scale") if words.startswith("inconclusive")
                  else words)] = int((claims["verdict"] == verdict).sum())
    for _, row in claims.iterrows():
        out[_name("verdict", row["id"])] = escape(VERDICT_LABELS[row["verdict"]])
    return out


def build_macros(paths: dict[str, str | Path], *, n_resamples: int = 9999,
                 confidence: float = 0.95) -> dict[str, object]:
    """All macros from the files in `paths` (keys: MACRO_INPUTS) and the statistics settings used."""
    read = {name: pd.read_csv(path) for name, path in paths.items()}
    statistics = {_name("bootstrap", "resamples"): int(n_resamples),
                  _name("confidence"): format_number(confidence * 100, 0),
                  _name("non", "inferiority", "margin"): format_number(-NON_INFERIORITY_MARGIN * 100, 0),
                  _name("sufficient", "cooldown"): SUFFICIENT_COOLDOWN,
                  _name("min", "cells"): MIN_CELLS, _name("min", "pairs"): MIN_PAIRS}
    macros: dict[str, object] = {}
    for part in (statistics, setup_macros(read["runs"]), method_macros(read["runs"]), paper_claim_macros(),
                 result_macros(read["comparisons"]),
                 characterization_macros(read["characterization"], read["correlations"], read["loao"],
                                         read["hardware"]),
                 ablation_and_claim_macros(read["ablation_contrasts"], read["claims"]),
                 sensitivity_macros(read["sensitivity"], read["device_pricing"])):
        clash = set(part) & set(macros)
        if clash:
            raise ValueError(f"macro name(s) defined twice: {sorted(clash)}")
        macros.update(part)
    return macros


def recorded_prefix(name: str) -> str:
    """The macro prefix of a recorded set's numbers (`cifar-cpu` -> `DebaCifarCpu`), so that the paper can
    quote them beside the config's own `Deba...` ones."""
    return PREFIX + macro_name(name)


def render(paths: dict[str, str | Path], output: str | Path, *, n_resamples: int = 9999,
           confidence: float = 0.95, prefix: str = PREFIX) -> Path:
    """Write the macro file; `prefix` replaces `Deba` at the start of every name (recorded_prefix)."""
    sources = ", ".join(f"{name}={paths[name]}" for name in MACRO_INPUTS)
    macros = {prefix + name.removeprefix(PREFIX): value
              for name, value in build_macros(paths, n_resamples=n_resamples, confidence=confidence).items()}
    return write_macros(macros, output, header=f"MACRO_SOURCES: {sources}")
