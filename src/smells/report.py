"""LaTeX fragments of the smells section: tables and ``\\Smells...`` macros, all via paperkit.latex.

Every number the section's prose quotes is a macro written here from the analysis results; nothing is typed
into the paper by hand. `render_table` writes one table by its name in `smells.layout.TABLE_INPUTS`, with the
function ``table_<name>`` given the files that name lists; `write_section_macros` writes the macros.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from paperkit.latex import (
    escape,
    format_number,
    interval,
    macro_name,
    p_value,
    write_macros,
    write_table,
)
from smells.analysis import TOTAL, TOTAL_WITHOUT
from smells.layout import MACRO_INPUTS, SCALE_INPUTS, TABLE_INPUTS, file_name


def table_comparison(comparison: pd.DataFrame, path: Path) -> None:
    rows = pd.DataFrame({
        "measure": comparison["measure"],
        "median ML": comparison["median_ml"],
        "median non-ML": comparison["median_non_ml"],
        "Cliff's delta [95% CI]": [interval(r.delta, r.delta_low, r.delta_high) for r in comparison.itertuples()],
        "p": [p_value(p) for p in comparison["p"]],
        "p (Holm)": [p_value(p) for p in comparison["p_holm"]],
    })
    write_table(rows, path, caption="Findings per KLOC, ML vs non-ML projects: medians, Cliff's delta (positive: "
                "ML denser) with bootstrap interval, Mann-Whitney p; Holm across the nine idioms and, separately, "
                "across the two totals.", label="tab:smells-comparison", digits=2, wide=True,
                latex_columns=("Cliff's delta [95% CI]", "p", "p (Holm)"))


def table_stages(stages: pd.DataFrame, path: Path) -> None:
    rows = pd.DataFrame({
        "stage": stages["stage"],
        "findings": stages["findings"].astype(int),
        "share of findings": stages["share_findings"],
        "share of code": stages["share_code"],
        "per KLOC [95% CI]": [interval(r.per_kloc, r.per_kloc_low, r.per_kloc_high) for r in stages.itertuples()],
    })
    write_table(rows, path, caption="Findings by ML pipeline stage in ML projects, normalised by the code each "
                "stage owns (interval: bootstrap over files).", label="tab:smells-stages", digits=2,
                latex_columns=("per KLOC [95% CI]",))


def table_speed(bench: pd.DataFrame, path: Path) -> None:
    interpreter = bench["interpreter"].iloc[0]
    rows = pd.DataFrame({
        "idiom": bench["idiom"],
        "form": bench["variant"],
        "smelly / idiomatic": bench["ratio"],
        "min": bench["ratio_min"],
        "max": bench["ratio_max"],
    })
    write_table(rows, path, caption=f"Time of the smelly form over the idiomatic form ({escape(interpreter)}, "
                "timeit, median and range over repeats; above 1 the idiom is faster).", label="tab:smells-speed",
                digits=2)


def optional_table(frame: pd.DataFrame | None, path: Path, *, caption: str, label: str, missing: str,
                   **table_options) -> None:
    """A table, or a table float whose caption says why there is none (so references to it still resolve)."""
    if frame is None or frame.empty:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("% Generated file: do not edit.\n\\begin{table}[tbp]\n\\centering\n"
                        f"\\caption{{{escape(missing)}}}\n\\label{{{label}}}\n\\end{{table}}\n")
        return
    write_table(frame, path, caption=caption, label=label, **{"digits": 2, **table_options})


def macros(values: dict, path: Path) -> None:
    """Write every value under a ``\\Smells...`` name (keys are joined into CamelCase by macro_name)."""
    write_macros({macro_name("smells", *key.split()): v for key, v in values.items()}, path,
                 header="Smells study (src/smells); regenerate with the workflow.")


def summary_values(projects: pd.DataFrame, density: pd.DataFrame, comparison: pd.DataFrame, mix: dict,
                   mix_without: dict, power: dict, stages: pd.DataFrame, fit: dict, accuracy: dict,
                   disagreements: pd.DataFrame, self_scan: dict, bench: pd.DataFrame) -> dict:
    """The numbers the prose quotes, keyed by space-separated words (turned into macro names)."""
    by_measure = comparison.set_index("measure")
    values = {
        "projects": len(projects),
        "projects ml": int((density["group"] == "ML").sum()),
        "projects nonml": int((density["group"] == "non-ML").sum()),
        "projects small": int(len(projects) - len(density)),
        "kloc": float(projects["kloc"].sum()),
        "files": int(projects["files_scanned"].sum()),
        "skipped": int(projects.filter(like="skipped_").to_numpy().sum()),
        "findings": int(projects["findings"].sum()),
        "classifier disagreements": len(disagreements),
        "mix chi": mix["chi2"], "mix p": p_value(mix["p"]), "mix v": mix["cramers_v"],
        "mix without v": mix_without["cramers_v"], "mix without p": p_value(mix_without["p"]),
        "detectable delta": power["delta"], "detectable delta holm": power["delta_holm"],
        "stage fit p": p_value(fit["p"]),
        "mapping n": accuracy["n"], "mapping accuracy": accuracy["accuracy"],
        "mapping low": accuracy["low"], "mapping high": accuracy["high"], "mapping kappa": accuracy["kappa"],
        "self files": self_scan["files_scanned"], "self lines": self_scan["lines"],
        "self findings": self_scan["findings"],
        "idioms faster": int(bench.loc[bench["variant"] == "suggested", "faster"].sum()),
    }
    for key, measure in (("total", TOTAL), ("total without", TOTAL_WITHOUT)):
        row = by_measure.loc[measure]
        values.update({
            f"{key} median ml": row["median_ml"], f"{key} median nonml": row["median_non_ml"],
            f"{key} delta": row["delta"], f"{key} delta low": row["delta_low"],
            f"{key} delta high": row["delta_high"], f"{key} p": p_value(row["p"]),
        })
    top = stages.sort_values("per_kloc", ascending=False).iloc[0]
    values["densest stage"] = str(top["stage"])
    values["densest stage per kloc"] = top["per_kloc"]
    data = stages.set_index("stage").loc["data processing"]
    values["data share findings"] = 100 * data["share_findings"]
    values["data share code"] = 100 * data["share_code"]
    return values


def _read_json(path) -> dict:
    import json

    return json.loads(Path(path).read_text())


def read_result(key: str, path) -> pd.DataFrame | dict | None:
    """A result file of the study as the writers take it: JSON as a dict, a CSV as a table (the classifier
    disagreements keep their empty strings), and None for a cross-check whose tool was not installed."""
    if path is None:
        return None
    if str(path).endswith(".json"):
        return _read_json(path)
    if key == "classifier_disagreements":
        return pd.read_csv(path, keep_default_na=False)
    return pd.read_csv(path)


def ridiom_sample(ridiom: pd.DataFrame | None) -> tuple[int, int]:
    """(files compared, timeouts) of the RIdiom cross-check: columns repeated on every row; 0, 0 without one."""
    if ridiom is None:
        return 0, 0
    return int(ridiom["files"].iloc[0]), int(ridiom["timeouts"].iloc[0])


def table_ridiom(ridiom: pd.DataFrame | None, path: Path) -> None:
    files, timeouts = ridiom_sample(ridiom)
    optional_table(
        None if ridiom is None else ridiom.drop(columns=["files", "timeouts"]), path, label="tab:smells-ridiom",
        caption=f"Agreement with RIdiom on the code it reads ({files} files drawn at random, {timeouts} "
                "timeouts): findings both report, only one reports, and both / union.",
        missing="RIdiom (RefactoringIdioms 0.0.11) was not installed in this run, so no agreement table.")


def table_ruff(ruff: pd.DataFrame | None, path: Path) -> None:
    optional_table(
        ruff, path, label="tab:smells-ruff",
        caption="ruff's PERF rules on the same files: findings and findings per KLOC by group; for PERF401/403 "
                "the share that lies inside one of our list/dict-comprehension findings.",
        missing="ruff was not installed in this run, so no PERF reference column.")


def table_disagreements(disagreements: pd.DataFrame, path: Path) -> None:
    optional_table(
        disagreements.assign(ai_classifier=disagreements["ai_classifier"].map(str)), path,
        label="tab:smells-disagreements", siunitx=False,
        caption="Projects whose import-based group disagrees with the PyPI ``Artificial Intelligence'' classifier.",
        missing="The import-based groups agree with the PyPI Artificial Intelligence classifier for every project.")


def render_table(name: str, sources: dict[str, str], output, *, studies: dict[str, str] | None = None) -> None:
    """Write table `name` of smells.layout.TABLE_INPUTS from `sources` (result key -> file; a cross-check
    whose tool was not installed is absent). `studies` (label -> folder) are the corpora of the `scale` table."""
    if name not in TABLE_INPUTS:
        raise KeyError(f"unknown smells table {name!r}; known: {sorted(TABLE_INPUTS)}")
    if name == "scale":
        table_scale(studies or {}, Path(output))
        return
    frames = [read_result(key, sources.get(key)) for key in TABLE_INPUTS[name]]
    globals()[f"table_{name}"](*frames, Path(output))


def write_section_macros(sources: dict[str, str], output, *, corpus: str) -> dict:
    """The section's macros from the study's result files (smells.layout.MACRO_INPUTS, key -> file; the RIdiom
    file is absent when RIdiom was not installed); returns the values."""
    results = {key: read_result(key, sources.get(key)) for key in MACRO_INPUTS}
    tests, accuracy = results["tests"], results["stage_accuracy"]
    values = summary_values(results["projects"], results["density"], results["comparison"], tests["mix"],
                            tests["mix_without"], tests["power"], results["stages"], accuracy["fit"],
                            accuracy["held_out"], results["classifier_disagreements"], results["self_scan"],
                            results["microbench"])
    values["corpus"] = corpus
    values["mapping all accuracy"] = accuracy["all"]["accuracy"]
    values["mapping all n"] = accuracy["all"]["n"]
    values["ridiom files"] = ridiom_sample(results["ridiom"])[0]
    macros(values, Path(output))
    return values


def scale_rows(studies: dict[str, Path]) -> pd.DataFrame:
    """One row per corpus (label -> folder of its result files): size, total densities, effect, power."""
    rows = []
    for label, folder in studies.items():
        folder = Path(folder)
        files = {key: folder / file_name(key) for key in SCALE_INPUTS}
        missing = [path.name for path in files.values() if not path.is_file()]
        if missing:
            raise FileNotFoundError(f"smells scale: {folder} lacks {missing} (a recorded study needs "
                                    f"{[file_name(key) for key in SCALE_INPUTS]})")
        projects = pd.read_csv(files["projects"])
        by_measure = pd.read_csv(files["comparison"]).set_index("measure")
        power = _read_json(files["tests"])["power"]
        row = {"corpus": label, "ML": power["n_ml"], "non-ML": power["n_non_ml"],
               "KLOC": float(projects["kloc"].sum())}
        for key, measure in (("total", TOTAL), ("without AMT", TOTAL_WITHOUT)):
            m = by_measure.loc[measure]
            row[f"{key}: median ML / non-ML"] = f"{format_number(m['median_ml'], 2)} / {format_number(m['median_non_ml'], 2)}"
            row[f"{key}: delta [95% CI]"] = interval(m["delta"], m["delta_low"], m["delta_high"])
            row[f"{key}: p (Holm)"] = p_value(m["p_holm"])
        row["detectable |delta|"] = power["delta"]
        rows.append(row)
    return pd.DataFrame(rows)


def table_scale(studies: dict[str, Path], path: Path) -> pd.DataFrame:
    """The corpora side by side (this run and the recorded ones): the table the section's scale paragraph cites."""
    rows = scale_rows(studies)
    text_columns = [c for c in rows.columns if ":" in c]
    write_table(rows, path, caption="The study on each corpus: projects in the tests, KLOC scanned, total findings "
                "per KLOC (and without assign-multiple-targets, AMT), Cliff's delta with bootstrap interval and "
                "Holm-adjusted Mann-Whitney p, and the smallest |delta| detectable with 80\\% power at "
                "$\\alpha = 0.05$.", label="tab:smells-scale", digits=2, wide=True, siunitx=False, font="\\footnotesize",
                latex_columns=tuple(text_columns))
    return rows
