"""The paper's LaTeX tables, built from results/stats CSVs with `paperkit.latex.write_table`.

Accuracy changes are in percentage points and speedups in percent; every interval is a bootstrap 95 %
interval; p-values are Holm-adjusted across cells per method (docs/analysis.md). Cells with an interval
are text ("+2.9 [2.6, 3.2]"), so those columns are left-aligned text columns; plain numbers use siunitx.
The statistics files hold numbers; every number is formatted here, with `paperkit.latex`'s formatters.
An estimate over fewer than `MIN_PAIRS` seed pairs carries a dagger: its interval is not interpretable.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from deba.analysis import claims as claim_rules
from deba.analysis.comparisons import MIN_PAIRS, interpretable
from deba.analysis.layout import TABLE_INPUTS, method_label
from deba.analysis.noise import is_timing_control, noise_floor
from paperkit.latex import (MISSING, escape, format_number, interval, p_value, percent, plain, text_columns,
                            write_table)

NOT_INTERPRETABLE = "$^\\dagger$"
NOT_INTERPRETABLE_NOTE = (f"$^\\dagger$: fewer than {MIN_PAIRS} seed pairs; the interval is not interpretable (over so "
                          "few pairs a bootstrap interval excludes 0 whenever they share a sign).")


def estimate(mean: float, low: float, high: float, n: int | None = None) -> str:
    """A difference in points or percent with its interval ("+2.9 [2.6, 3.2]"), marked with a dagger when it
    rests on `n` < MIN_PAIRS seed pairs (not interpretable)."""
    text = interval(mean, low, high, scale=100, digits=1, sign=True)
    if n is not None and text != MISSING and not interpretable(n):
        text += NOT_INTERPRETABLE
    return text


def _estimates(frame: pd.DataFrame, prefix: str, n: str | None = "n_pairs") -> list[str]:
    """`estimate` of columns prefix, prefix_low, prefix_high of every row, marked by the row's column `n`."""
    return [estimate(r[prefix], r[f"{prefix}_low"], r[f"{prefix}_high"], None if n is None else r[n])
            for _, r in frame.iterrows()]


def _signed_percent(value: float) -> str:
    return percent(value, sign=True)


def _runs_note(row: pd.Series) -> str:
    diverged = int(row["n_diverged_method"]) + int(row["n_diverged_fixed"])
    return f"{int(row['n_pairs'])}/{int(row['n_runs'])}" + (f" ({diverged} div.)" if diverged else "")


def _to_target(row: pd.Series) -> str:
    # Only pairs where both runs reached the target count; say how many when that is fewer than all pairs.
    text = estimate(row["ttt_speedup"], row["ttt_speedup_low"], row["ttt_speedup_high"], row["ttt_n"])
    return text if int(row["ttt_n"]) == int(row["n_pairs"]) or text == MISSING else f"{text} (n={int(row['ttt_n'])})"


def _acted(row: pd.Series) -> str:
    """"3/3 (2 grew)": runs that changed the batch / runs, and how many of them grew it."""
    return f"{int(row['n_changed'])}/{int(row['n_runs'])} ({int(row['n_grew'])} grew)"


def _changed_only(row: pd.Series, measure: str) -> str:
    """The estimate over the pairs whose batch changed, with their count: "$-$9.7 [..] (n=2)"."""
    n = int(row["n_pairs_changed"])
    if n == int(row["n_pairs"]):
        return "all pairs"
    text = estimate(row[f"{measure}_changed"], row[f"{measure}_changed_low"], row[f"{measure}_changed_high"], n)
    return text if text == MISSING else f"{text} (n={n})"


COLLAPSED = "$^\\ddagger$"


def _change(row: pd.Series) -> str:
    """The accuracy change, double-daggered when some baseline of the cell collapsed to chance."""
    text = estimate(row["acc_diff"], row["acc_diff_low"], row["acc_diff_high"], row["n_pairs"])
    return text + (COLLAPSED if int(row["n_collapsed"]) else "")


def collapsed_note(rows: pd.DataFrame, *, markdown: bool = False) -> str:
    """A sentence per cell with a baseline at or below chance: how many, and the change without them (LaTeX,
    or with `markdown=True` plain text)."""
    flagged = rows[rows["n_collapsed"] > 0]
    if flagged.empty:
        return ""
    name = (lambda text: str(text)) if markdown else escape
    cells = "; ".join(
        f"{name(r['dataset'])}/{name(r['arch'])}: {int(r['n_collapsed'])} baseline(s), change without them "
        + estimate(r["acc_diff_without_collapsed"], r["acc_diff_without_collapsed_low"],
                   r["acc_diff_without_collapsed_high"], int(r["n_pairs"]) - int(r["n_collapsed"])) + " pts"
        for _, r in flagged.iterrows())
    text = (f"{COLLAPSED}: a fixed-batch baseline ended at or below chance (it learned nothing, which flatters any "
            f"method); {cells}.")
    return plain(text) if markdown else text


def _charged(row: pd.Series) -> str:
    """The speedup charged with the characterization runs, and the DEBA runs that would have to share one
    characterization to break even ("never" when DEBA saved nothing); other methods need none."""
    if row["scheduler"] != "deba":
        return "none needed"
    if pd.isna(row["charged_speedup"]):
        return MISSING
    runs = row["break_even_runs"]
    shared = "never" if runs == float("inf") else format_number(runs, 1)
    return f"{percent(row['charged_speedup'], sign=True)} ({shared})"


CHARGED_NOTE = ("Charged: DEBA's speedup when it is charged with its characterization, the fixed-batch baseline runs "
                "of the cell its thresholds are derived from (every seed): 1 $-$ (their time + the DEBA runs' time) "
                "/ the fixed twins' time; in brackets, how many DEBA trainings would have to share one "
                "characterization to break even.")


def main_table(comparisons: pd.DataFrame) -> pd.DataFrame:
    deba = comparisons[(comparisons["scheduler"] == "deba") & (comparisons["variant"] == "main")]
    frame = pd.DataFrame({
        "Dataset": deba["dataset"].map(escape), "Architecture": deba["arch"].map(escape),
        "Fixed (%)": deba["acc_fixed"] * 100, "DEBA (%)": deba["acc_method"] * 100,
        "Change (pts)": [_change(r) for _, r in deba.iterrows()],
        "Batch changed (pts)": [_changed_only(r, "acc_diff") for _, r in deba.iterrows()],
        "$p_t$": deba["t_p_holm"].map(p_value),
        "$p_W$": deba["wilcoxon_p_holm"].map(p_value),
        "$d_z$": deba["cohens_dz"].astype(float),
        "Speedup (%)": _estimates(deba, "speedup"),
        "Predicted (%)": deba["predicted_speedup"].map(_signed_percent),
        "Skipped (%)": deba["images_skipped"].map(percent),
        "Charged (%)": [_charged(r) for _, r in deba.iterrows()],
        "To target (%)": [_to_target(r) for _, r in deba.iterrows()],
        "Acted": [_acted(r) for _, r in deba.iterrows()],
        "Pairs": [_runs_note(r) for _, r in deba.iterrows()],
    })
    frame.attrs["note"] = collapsed_note(deba)
    return frame


def scientific(x: float, digits: int = 1) -> str:
    """"\\num{1.2e-4}" (siunitx) for small quantities such as gradient variances; "n/a" when missing."""
    return MISSING if pd.isna(x) else f"\\num{{{x:.{digits}e}}}"


def characterization_table(characterization: pd.DataFrame, hardware: pd.DataFrame,
                           thresholds: pd.DataFrame) -> pd.DataFrame:
    deba = hardware[(hardware["scheduler"] == "deba") & (hardware["variant"] == "main")]
    speedups = deba.groupby(["dataset", "arch"])[["predicted_speedup", "measured_speedup"]].mean().reset_index()
    table = characterization.merge(speedups, on=["dataset", "arch"], how="left")
    table = table.merge(thresholds, on=["dataset", "arch"], how="left", suffixes=("", "_threshold"))
    return pd.DataFrame({
        "Dataset": table["dataset"].map(escape), "Architecture": table["arch"].map(escape),
        "Grad.-norm var.": table["grad_norm_variation"], "Loss var.": table["loss_variation"],
        "Stability": table["stability_score"],
        "Thresholds (var., norm, loss)": [
            f"{scientific(r['grad_var_threshold'])}, {format_number(r['grad_norm_variation_threshold'], 3)}, "
            f"{format_number(r['loss_variation_threshold'], 3)}" for _, r in table.iterrows()],
        "Predicted (%)": table["predicted_speedup"] * 100,
        "Measured (%)": table["measured_speedup"] * 100,
        "Runs": table["n_runs"].astype(int),
    })


def ablation_table(ablations: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Dataset": ablations["dataset"].map(escape), "Architecture": ablations["arch"].map(escape),
        "Variant": ablations["variant"].map(escape), "Window": ablations["window"].astype(str).map(escape),
        "Cooldown": ablations["cooldown"].astype(int),
        "Change (pts)": _estimates(ablations, "acc_diff"),
        "Speedup (%)": _estimates(ablations, "speedup"),
        "Changes/run": ablations["batch_changes"].astype(float),
        "Pairs": [_runs_note(r) for _, r in ablations.iterrows()],
    })


def _first_change(row: pd.Series) -> str:
    """"17 (16--19)": median first change epoch over the runs that changed, and its range."""
    if pd.isna(row["first_change_median"]):
        return "never"
    low, high = int(row["first_change_min"]), int(row["first_change_max"])
    median = format_number(row["first_change_median"], 0 if float(row["first_change_median"]).is_integer() else 1)
    return median if low == high else f"{median} ({low}--{high})"


def _profile_columns(pricing: pd.DataFrame) -> list[tuple[str, str]]:
    """(profile, scale) of every stored profile priced, in order."""
    deba = pricing[pricing["scheduler"] == "deba"]
    return sorted(set(zip(deba["profile"], deba["profile_scale"])))


def _priced(pricing: pd.DataFrame, row: pd.Series, profile: str, scale: str) -> str:
    found = pricing[(pricing["dataset"] == row["dataset"]) & (pricing["arch"] == row["arch"]) &
                    (pricing["scheduler"] == "deba") & (pricing["variant"] == row["variant"]) &
                    (pricing["profile"] == profile) & (pricing["profile_scale"] == scale)]
    if found.empty or pd.isna(found.iloc[0]["profiled_batch_max"]):
        return "no rows"
    r = found.iloc[0]
    return estimate(r["predicted_speedup"], r["predicted_speedup_low"], r["predicted_speedup_high"], r["n_pairs"])


def sensitivity_table(sensitivity: pd.DataFrame, pricing: pd.DataFrame) -> pd.DataFrame:
    """Each sensitivity variant beside the main run of its cell: the settings it changed, the batch's moves,
    the accuracy change and the speedup every stored device profile prices (deba.analysis.ablations)."""
    frame = pd.DataFrame({
        "Architecture": sensitivity["arch"].map(escape), "Variant": sensitivity["variant"].map(escape),
        "Changed": [escape(text) if isinstance(text, str) and text else "(main settings)"
                    for text in sensitivity["changed"]],
        "Acted": [_acted(r) for _, r in sensitivity.iterrows()],
        "Grows/run": sensitivity["grows_per_run"].astype(float),
        "Roll-backs/run": sensitivity["rollbacks_per_run"].astype(float),
        "Blocked/run": (sensitivity["blocked_rollbacks_per_run"].astype(float)
                        if "blocked_rollbacks_per_run" in sensitivity else float("nan")),
        "First change (epoch)": [_first_change(r) for _, r in sensitivity.iterrows()],
        "Change (pts)": _estimates(sensitivity, "acc_diff"),
    })
    priced = []
    for profile, scale in _profile_columns(pricing):
        priced.append(f"{profile}, {scale} scale (%)")
        frame[priced[-1]] = [_priced(pricing, r, profile, scale) for _, r in sensitivity.iterrows()]
    frame.attrs["latex_columns"] = ("Architecture", "Variant", "Changed", "Acted", "First change (epoch)",
                                    "Change (pts)", *priced)
    return frame


def comparator_table(comparisons: pd.DataFrame) -> pd.DataFrame:
    """DEBA and the comparators, and the A/A timing control (a fixed run timed again: the noise floor)."""
    main = comparisons[(comparisons["variant"] == "main") | is_timing_control(comparisons)]
    return pd.DataFrame({
        "Dataset": main["dataset"].map(escape), "Architecture": main["arch"].map(escape),
        "Method": [method_label(s, v) for s, v in zip(main["scheduler"], main["variant"])],
        "Change (pts)": _estimates(main, "acc_diff"),
        "p (Holm)": main["t_p_holm"].map(p_value),
        "Speedup (%)": _estimates(main, "speedup"),
        "Charged (%)": [_charged(r) for _, r in main.iterrows()],
        "Changes/run": main["batch_changes"].astype(float),
        "Pairs": [_runs_note(r) for _, r in main.iterrows()],
    })


def _paper(row: pd.Series) -> str:
    """The claimed range from its numbers ("45--62\\%", "2.4--4 pts"), or the claim's word."""
    if pd.notna(row.get("paper_low")) and pd.notna(row.get("paper_high")):
        unit = "\\%" if row["measure"] == "speedup" else " pts"
        return f"{row['paper_low'] * 100:g}--{row['paper_high'] * 100:g}{unit}"
    return escape(row["paper"])


def _beside(row: pd.Series) -> list[str]:
    """What a claim row shows beside its intention-to-treat estimate."""
    unit = "\\%" if row["measure"] == "speedup" else " pts"
    extra = []
    if pd.notna(row["n_changed"]) and 0 < int(row["n_changed"]) < int(row["n"]) and pd.notna(row["changed_estimate"]):
        changed = estimate(row["changed_estimate"], row["changed_low"], row["changed_high"], row["n_changed"])
        extra.append(f"batch changed: {changed}{unit} (n={int(row['n_changed'])})")
    if pd.notna(row["n_collapsed"]) and int(row["n_collapsed"]):
        extra.append(f"without {int(row['n_collapsed'])} collapsed baseline(s) ({escape(row['collapsed'])}): "
                     + estimate(row["without_collapsed_estimate"], row["without_collapsed_low"],
                                row["without_collapsed_high"], int(row["n"]) - int(row["n_collapsed"])) + unit)
    return extra


def _ours(row: pd.Series) -> str:
    """This reproduction's numbers for one claims row, from claims.csv's plain columns."""
    n = row["n"] if pd.notna(row["n"]) else 0
    if row["measure"] == "rho":
        if pd.isna(row["rho"]):
            return MISSING
        return (f"$\\rho$ = {format_number(row['rho'], 2)} (permutation p={format_number(row['p'], 3)}, n={int(n)}; "
                f"outcome: {escape(claim_rules.OUTCOME_WORDS[row['outcome']])})")
    if row["measure"] == "acc_diff_delta":
        if pd.isna(row["estimate"]):
            return MISSING
        return (f"acc. {estimate(row['estimate'], row['low'], row['high'], n)} pts; speedup "
                f"{estimate(row['speedup_delta'], row['speedup_low'], row['speedup_high'], n)}\\%")
    unit = "\\%" if row["measure"] == "speedup" else " pts"
    main = estimate(row["estimate"], row["low"], row["high"], n)
    parts = [main + (unit if main != MISSING else "")] + _beside(row)
    if isinstance(row.get("per_pair"), str) and row["per_pair"]:
        seeds = ", ".join(format_number(float(v) * 100, 1, sign=True) for v in row["per_pair"].split())
        parts.append(f"per seed: {seeds} pts")
    if pd.notna(row.get("spread")):
        parts.append(f"SD {format_number(row['spread'] * 100, 1)} vs {format_number(row['spread_others'] * 100, 1)} "
                     f"pts (Levene p={format_number(row['levene_p'], 3)}); {int(row['n_degraded'])} of {int(n)} "
                     "seeds worse")
    return "; ".join(parts)


def claims_table(claims: pd.DataFrame) -> pd.DataFrame:
    """The measured verdicts (claims.csv): one row per claim of the DEBA abstract. The verdicts predicted from
    device profiles are a table of their own (predicted_claims_table)."""
    return pd.DataFrame({"Claim of the DEBA paper": claims["claim"].map(escape),
                         "Paper": [_paper(r) for _, r in claims.iterrows()],
                         "This reproduction": [_ours(r) for _, r in claims.iterrows()],
                         "Verdict": claims["verdict"].map(claim_rules.label),
                         "Basis": [f"{reason}. {basis}" for reason, basis in zip(claims["reason"], claims["basis"])]})


# Page width the predicted-claims matrix may fill, in cm, and its first columns' widths (claim, paper, pairs):
# the profile columns share the rest, so the table stays a page wide however many profiles are priced.
_MATRIX_WIDTH_CM, _MATRIX_FIXED_CM = 15.5, (3.0, 1.1, 1.5)


def predicted_claims_table(predicted: pd.DataFrame) -> pd.DataFrame:
    """Each speed claim, and the predictive claim, judged once per stored device profile (and scale) on the
    speedup that profile predicts from DEBA's trajectories (predicted_claims.csv): a claim per row, a profile
    per column, each cell the prediction, its verdict and why. The devices are named under the table."""
    columns, legend, scales = {}, [], predicted.groupby("profile")["profile_scale"].nunique()
    for (name, scale), rows in predicted.groupby(["profile", "profile_scale"], sort=True):
        column = name if scales[name] == 1 else f"{name} ({scale} scale)"
        columns[column] = rows.set_index("id", drop=False)
        legend.append(f"{escape(column)}: {escape(rows.iloc[0]['device'])}, {escape(_scales(rows.iloc[0]))}")
    claims = predicted.drop_duplicates("id").set_index("id", drop=False)
    frame = pd.DataFrame({
        "Claim of the DEBA paper": claims["claim"].map(escape),
        "Paper": [f"{format_number(r['paper_low'] * 100, 0)}--{format_number(r['paper_high'] * 100, 0)}\\%"
                  if pd.notna(r["paper_low"]) else "predicts" for _, r in claims.iterrows()],
        "Pairs": [_predicted_basis(r) for _, r in claims.iterrows()],
        **{column: [_predicted_cell(rows.loc[claim]) if claim in rows.index else MISSING for claim in claims.index]
           for column, rows in columns.items()}})
    frame.attrs["note"] = "Profiles: " + "; ".join(legend) + "."
    share = (_MATRIX_WIDTH_CM - sum(_MATRIX_FIXED_CM)) / max(len(columns), 1)
    widths = (*_MATRIX_FIXED_CM, *[share] * len(columns))
    frame.attrs["column_format"] = text_columns(*widths)
    frame.attrs["latex_columns"] = ("Claim of the DEBA paper", "Paper", *columns)
    return frame.reset_index(drop=True)


def _predicted_cell(row: pd.Series) -> str:
    """"+1.3 [0.1, 3.6]\\% -- not testable on this device: the profile allows at most 1.4\\% ...", as LaTeX."""
    return f"{_predicted_ours(row)} -- {escape(claim_rules.label(row['verdict']))}: {escape(row['reason'])}"


def _predicted_ours(row: pd.Series) -> str:
    if row["id"] == "predictive":
        if pd.isna(row["rho"]):
            return MISSING
        return (f"$\\rho$ = {format_number(row['rho'], 2)} (permutation p={format_number(row['p'], 3)}, "
                f"n={int(row['n_cells'])} cells)")
    text = estimate(row["predicted_speedup"], row["predicted_speedup_low"], row["predicted_speedup_high"], row["n"])
    return text if text == MISSING else f"{text}\\%"


def _predicted_basis(row: pd.Series) -> str:
    pairs = f"{int(row['n'])} ({int(row['n_changed'])} changed the batch)"
    return pairs + (f", {int(row['n_cells'])} cells" if row["id"] == "predictive" else "")


def _flag(value) -> bool:
    """A boolean column's value as written to and read back from CSV (True, False, or empty)."""
    return str(value) == "True"


def _profile_scale(row: pd.Series) -> str:
    """"paper (runs: cpu)" where the profile's scale differs from the runs'."""
    return (f"{row['profile_scale']} (runs: {row['run_scale']})" if _flag(row["scale_differs"])
            else str(row["profile_scale"]))


def _scales(row: pd.Series) -> str:
    """"paper-scale profile, cpu-scale runs" where they differ, else "cpu-scale profile"."""
    return f"{row['profile_scale']}-scale profile" + (f", {row['run_scale']}-scale runs" if _flag(row["scale_differs"])
                                                       else "")


def pricing_table(pricing: pd.DataFrame) -> pd.DataFrame:
    """DEBA's trajectories priced on every stored device profile, beside the measured speedup of the same
    pairs: per cell and profile (deba.analysis.pricing)."""
    deba = pricing[(pricing["scheduler"] == "deba") & (pricing["variant"] == "main")].sort_values(
        ["profile", "profile_scale", "dataset", "arch"], kind="stable")
    priced = deba["profiled_batch_max"].notna()  # else the profile has no rows for the arch at this scale
    return pd.DataFrame({
        "Profile": deba["profile"].map(escape), "Device": deba["device"].map(escape),
        "Scale": [escape(_profile_scale(row)) for _, row in deba.iterrows()],
        "Dataset": deba["dataset"].map(escape), "Architecture": deba["arch"].map(escape),
        "Measured (%)": deba["measured_speedup"].map(_signed_percent).where(priced, MISSING),
        "Predicted (%)": [estimate(r["predicted_speedup"], r["predicted_speedup_low"], r["predicted_speedup_high"],
                                   r["n_pairs"]) + ("$^*$" if _flag(r["extrapolated"]) else "") if ok else "no rows"
                          for ok, (_, r) in zip(priced, deba.iterrows())],
        "Charged (%)": [_charged(r) if ok else "no rows" for ok, (_, r) in zip(priced, deba.iterrows())],
        "Skipped (%)": deba["images_skipped"].map(percent),
        "Per image (%)": deba["utilization_speedup"].map(_signed_percent),
        "Ceiling (%)": deba["speedup_ceiling"].map(percent),
        "Pairs": deba["n_pairs"].astype(int),
    })


TEXT_INTERVAL_NOTE = ("Mean over seed pairs with bootstrap 95\\% interval. Pairs: seed pairs used / runs "
                      "(div.: diverged runs, excluded from the pairs and counted here). " + NOT_INTERPRETABLE_NOTE)

# name -> (builder, input tables, write_table options); a builder may add a sentence of its own, made from
# its data, to the table's note (DataFrame.attrs["note"]).
TABLES: dict[str, tuple[Callable, tuple[str, ...], dict]] = {
    "main": (main_table, TABLE_INPUTS["main"], {
        "caption": "DEBA against the fixed-batch baseline, paired by seed: final test accuracy, its change over "
                   "every pair (intention to treat) and over the pairs whose DEBA run changed the batch (Batch "
                   "changed: selected after the fact), "
                   "$p$-values of the paired $t$-test ($p_t$) and the Wilcoxon signed-rank test ($p_W$), "
                   "Holm-adjusted across cells, Cohen's $d_z$, the measured speedup in training time beside the "
                   "part the device's throughput profile predicts from the batch-size trajectories (Predicted) and "
                   "the share of the baseline's training images the DEBA runs did not train because an epoch "
                   "drops its last, partial batch (Skipped: less work, part of Predicted), the speedup charged "
                   "with DEBA's characterization runs (Charged), the speedup in time "
                   "to the target accuracy, and how many DEBA runs changed the batch size.",
        "label": "tab:main", "wide": True, "font": "\\footnotesize", "digits": 1,
        "note": TEXT_INTERVAL_NOTE + " " + CHARGED_NOTE,
        "latex_columns": ("Dataset", "Architecture", "Change (pts)", "Batch changed (pts)", "$p_t$", "$p_W$",
                          "Speedup (%)", "Predicted (%)", "Skipped (%)", "Charged (%)", "To target (%)", "Acted"),
        "latex_headers": ("$p_t$", "$p_W$", "$d_z$")}),
    "characterization": (characterization_table, TABLE_INPUTS["characterization"], {
        "caption": "Baseline characterization (fixed batch, mean over seeds), DEBA's thresholds derived from it "
                   "(medians of gradient variance, gradient-norm variation and loss variation), and DEBA's "
                   "speedup predicted from the throughput profile (Predicted) beside the measured one.",
        "label": "tab:characterization", "wide": True, "font": "\\footnotesize", "digits": 3,
        "latex_columns": ("Dataset", "Architecture", "Thresholds (var., norm, loss)")}),
    "ablations": (ablation_table, TABLE_INPUTS["ablations"], {
        "caption": "DEBA ablations against the fixed baseline: window and cooldown.",
        "label": "tab:ablations", "wide": True, "font": "\\footnotesize", "digits": 1, "note": TEXT_INTERVAL_NOTE,
        "latex_columns": ("Dataset", "Architecture", "Variant", "Window", "Change (pts)", "Speedup (%)")}),
    "sensitivity": (sensitivity_table, TABLE_INPUTS["sensitivity"], {
        "caption": "Reconstruction sensitivity: DEBA with one of its reconstruction's choices changed (Changed: the "
                   "settings that differ from the main run, listed first), against the fixed baseline. Acted: runs "
                   "that changed the batch (of which grew); grows, roll-backs and roll-backs the floor blocked per "
                   "run; the first epoch trained at another batch size (median, range); the accuracy change; and the "
                   "speedup each stored device profile predicts from the runs' trajectories (one column per "
                   "profile and scale; a prediction, not a measurement).",
        "label": "tab:sensitivity", "wide": True, "font": "\\footnotesize", "digits": 1,
        "note": TEXT_INTERVAL_NOTE}),
    "comparators": (comparator_table, TABLE_INPUTS["comparators"], {
        "caption": "DEBA and the comparator schedulers against the fixed baseline, and the A/A timing control: "
                   "the fixed-batch run trained and timed a second time (Fixed (repeat)), whose speedup is the "
                   "timing noise floor. Charged: DEBA's speedup charged with its characterization runs (the "
                   "comparators need none).",
        "label": "tab:comparators", "wide": True, "font": "\\footnotesize", "digits": 1,
        "note": TEXT_INTERVAL_NOTE + " " + CHARGED_NOTE,
        "latex_columns": ("Dataset", "Architecture", "Change (pts)", "p (Holm)", "Speedup (%)", "Charged (%)")}),
    "claims": (claims_table, TABLE_INPUTS["claims"], {
        "caption": "Claims of the DEBA paper's abstract against this reproduction, measured. Verdicts are "
                   "computed by the rules of Section~\\ref{sec:claims}.",
        "label": "tab:claims", "wide": True, "font": "\\footnotesize", "siunitx": False,
        "column_format": text_columns(3.4, 1.2, 3.4, 1.9, 5.9), "note": NOT_INTERPRETABLE_NOTE,
        "latex_columns": ("Claim of the DEBA paper", "Paper", "This reproduction")}),
    "predicted_claims": (predicted_claims_table, TABLE_INPUTS["predicted_claims"], {
        "caption": "The speed claims of the DEBA abstract, and the claim that baseline stability predicts the "
                   "benefit, judged on the speedup each stored device profile predicts from DEBA's batch-size "
                   "trajectories (the device pricing table) by the rules of Section~\\ref{sec:claims} without the "
                   "timing noise floor: a prediction, never a measurement. Pairs: the seed pairs priced (cells, "
                   "for the correlation).",
        "label": "tab:predicted_claims", "wide": True, "font": "\\footnotesize", "siunitx": False,
        "note": NOT_INTERPRETABLE_NOTE}),
    "pricing": (pricing_table, TABLE_INPUTS["pricing"], {
        "caption": "DEBA's batch-size trajectories priced on every stored device profile, with no training: the "
                   "speedup each profile predicts for the DEBA runs against their fixed-batch twins (Predicted), "
                   "beside the speedup measured on the machine that trained them (Measured, same pairs); the "
                   "prediction charged with DEBA's characterization runs priced alike (Charged); the "
                   "share of the baseline's images the DEBA runs did not train (Skipped, part of Predicted), the "
                   "saving per image trained (Per image), and the largest saving the profile allows any schedule "
                   "of a fixed number of epochs from the start batch to the largest (Ceiling). Scale is the "
                   "profile's, with the runs' where they differ: the step times of one network size then price "
                   "the trajectories of the other.",
        "label": "tab:pricing", "wide": True, "font": "\\footnotesize", "digits": 1,
        "note": "Mean over seed pairs with bootstrap 95\\% interval. $^*$: the trajectories leave the profiled "
                "batch sizes, so the step time there is extrapolated linearly. No rows: the profile has not "
                "measured this architecture at this scale. " + NOT_INTERPRETABLE_NOTE + " " + CHARGED_NOTE,
        "latex_columns": ("Profile", "Device", "Scale", "Dataset", "Architecture", "Measured (%)", "Predicted (%)",
                          "Charged (%)", "Skipped (%)", "Per image (%)", "Ceiling (%)")}),
}


def render(name: str, tables: dict[str, str | Path], output: str | Path, *, label_prefix: str = "",
           caption_prefix: str = "") -> Path:
    """Write table `name` as LaTeX from the CSVs in `tables` (name -> path). `label_prefix` goes after `tab:`
    in its label and `caption_prefix` before its caption, so that a recorded set's copy of a table
    (layout.recorded_generated_dir) has a label of its own and says which run it shows."""
    if name not in TABLES:
        raise KeyError(f"unknown table {name!r}; known: {sorted(TABLES)}")
    builder, needed, options = TABLES[name]
    frames = [pd.read_csv(tables[t], keep_default_na=True) for t in needed]
    frame = builder(*frames)
    options = dict(options)
    note = " ".join(part for part in (options.pop("note", ""), frame.attrs.get("note", "")) if part)
    # a builder whose columns come from the data (one per priced profile) names its LaTeX columns, and may set
    # their format, itself
    for key in ("column_format", "latex_columns"):
        if key in frame.attrs:
            options[key] = frame.attrs[key]
    label = "tab:" + label_prefix + options["label"].removeprefix("tab:")
    return write_table(frame, output, **{**options, "note": note, "label": label,
                                         "caption": caption_prefix + options["caption"]})


def headline_markdown(comparisons: pd.DataFrame, pairs: pd.DataFrame | None = None,
                      pricing: pd.DataFrame | None = None, **kwargs) -> str:
    """The README's headline table: DEBA against the fixed batch per cell, as GitHub Markdown, with the
    timing controls under it (the kept-batch line needs `pairs`; `kwargs` go to its bootstrap) and, given
    `pricing` (device_pricing.csv), the speedups the stored device profiles predict beside the measured one.
    Estimates over fewer than MIN_PAIRS pairs carry a dagger; the notes under the table say what it means."""
    deba = comparisons[(comparisons["scheduler"] == "deba") & (comparisons["variant"] == "main")]
    frame = pd.DataFrame({
        "dataset": deba["dataset"], "architecture": deba["arch"],
        "fixed acc. (%)": (deba["acc_fixed"] * 100).map("{:.1f}".format),
        "DEBA acc. (%)": (deba["acc_method"] * 100).map("{:.1f}".format),
        "change, pts [95% CI]": [_change(r) for _, r in deba.iterrows()],
        "change where the batch changed, pts": [_changed_only(r, "acc_diff") for _, r in deba.iterrows()],
        "speedup, % [95% CI]": _estimates(deba, "speedup"),
        "hardware-predicted speedup, %": deba["predicted_speedup"].map(_signed_percent),
        "images skipped, %": deba["images_skipped"].map(percent),
        "charged with characterization, % (runs to break even)": [_charged(r) for _, r in deba.iterrows()],
        "time-to-target saving, %": [_to_target(r) for _, r in deba.iterrows()],
        "runs that changed the batch": [_acted(r) for _, r in deba.iterrows()],
        "Holm p (t-test)": deba["t_p_holm"].map(p_value),
        "seed pairs": deba["n_pairs"].astype(int),
    })
    marked = frame.map(lambda cell: plain(cell) if isinstance(cell, str) else cell)
    control = comparisons[is_timing_control(comparisons)]
    floor = "; ".join(f"{row['arch']}: {_estimates(control.loc[[index]], 'speedup')[0]} % ({int(row['n_pairs'])} pairs)"
                      for index, row in control.iterrows())
    note = (f"\nA/A timing control (identical fixed-batch runs timed twice, the noise floor): {floor}\n"
            if floor else "\nNo A/A timing control in this grid.\n")
    # also identical work, but timed in the DEBA runs' phase of the grid (noise.noise_floor)
    kept = noise_floor(pairs, **kwargs).kept if pairs is not None else None
    if kept is not None and kept.n:
        note += (f"\nDEBA runs that never changed the batch against their fixed twins (identical work, trained "
                 f"after the baselines): {estimate(kept.mean, kept.low, kept.high, kept.n)} % ({kept.n} pairs)\n")
    notes = [plain(NOT_INTERPRETABLE_NOTE), plain(CHARGED_NOTE), collapsed_note(deba, markdown=True)]
    note += "\n" + "\n\n".join(text for text in notes if text) + "\n"
    text = marked.to_markdown(index=False, disable_numparse=True) + "\n" + plain(note)
    return text + (priced_markdown(deba, pricing) if pricing is not None and len(pricing) else "")


def priced_markdown(deba: pd.DataFrame, pricing: pd.DataFrame) -> str:
    """DEBA's measured speedup per cell beside the speedup each stored device profile predicts from the same
    runs' trajectories (one column per profile and scale), with each profile's device under the table."""
    priced = pricing[(pricing["scheduler"] == "deba") & (pricing["variant"] == "main")]
    frame = pd.DataFrame({"dataset": deba["dataset"], "architecture": deba["arch"],
                          "measured speedup, % [95% CI]": _estimates(deba, "speedup")})
    legend, scales = [], priced.groupby("profile")["profile_scale"].nunique()
    for (name, scale), rows in priced.groupby(["profile", "profile_scale"], sort=True):
        column = name if scales[name] == 1 else f"{name} ({scale} scale)"
        first = rows.iloc[0]
        legend.append(f"`{column}`: {first['device']}, {_scales(first)}")
        cells = {(row["dataset"], row["arch"]): _priced_cell(row) for _, row in rows.iterrows()}
        frame[f"predicted on {column}, % [95% CI]; charged; ceiling, %"] = [
            cells.get((dataset, arch), MISSING) for dataset, arch in zip(deba["dataset"], deba["arch"])]
    marked = frame.map(lambda cell: plain(cell) if isinstance(cell, str) else cell)
    return ("\nPriced on the stored device profiles (`price_on`): what each device's throughput profile predicts "
            "for these DEBA runs' batch-size trajectories against their fixed twins, a prediction, not a "
            "measurement (`results/stats/device_pricing.csv`; * the trajectories leave the profiled batch sizes; "
            "charged: the prediction charged with DEBA's characterization runs priced alike):\n\n"
            + marked.to_markdown(index=False, disable_numparse=True) + "\n\nProfiles: " + "; ".join(legend) + "\n")


def _priced_cell(row: pd.Series) -> str:
    """"+8.1 [2.0, 18.2]; $-$92.0 (never); 0.9": the predicted speedup with its interval, charged with the
    characterization, and the device's ceiling."""
    if pd.isna(row["profiled_batch_max"]):  # the profile has no rows for the arch at this scale: the note says so
        return str(row["note"])
    predicted = estimate(row["predicted_speedup"], row["predicted_speedup_low"], row["predicted_speedup_high"],
                         row["n_pairs"])
    return (f"{predicted}{'$^*$' if _flag(row['extrapolated']) else ''}; {_charged(row)}; "
            f"{percent(row['speedup_ceiling'])}")
