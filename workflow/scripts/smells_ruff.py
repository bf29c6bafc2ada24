"""Snakemake adapter of rule `smells_ruff`: ruff PERF findings by group, and overlap with our comprehensions."""
import pandas as pd

from paperkit.rules import log_to
from smells.corpus import load_projects, select_files
from smells.ruffcheck import perf_findings, ruff_command, ruff_version

params, inp = snakemake.params, snakemake.input  # noqa: F821 (snakemake is injected)
# ruff's rule for a manual loop vs our idiom it overlaps with.
OVERLAP = {"PERF401": "list-comprehension", "PERF403": "dict-comprehension"}

with log_to(snakemake.log[0]):  # noqa: F821
    command = ruff_command()
    print(ruff_version(command))
    summary = pd.read_csv(inp.projects).set_index("project")
    ours = pd.read_csv(inp.findings, keep_default_na=False)
    rows = []
    for project in load_projects(inp.corpus):
        selected = select_files(project, params.corpus["max_lines_per_project"], params.seed)[0]
        paths = {str(project.root / f): f for f in selected}
        for item in perf_findings(command, [project.root / f for f in selected]):
            rows.append({"project": project.name, "path": paths.get(item["filename"], item["filename"]),
                         "code": item["code"], "row": item["row"]})
    found = pd.DataFrame(rows, columns=["project", "path", "code", "row"])
    found["group"] = found["project"].map(summary["group"])
    kloc = summary.groupby("group")["kloc"].sum()
    table = []
    for code, part in found.groupby("code"):
        entry = {"rule": code, "ML": int((part["group"] == "ML").sum()),
                 "non-ML": int((part["group"] == "non-ML").sum())}
        entry["ML per KLOC"] = entry["ML"] / kloc.get("ML", float("nan"))
        entry["non-ML per KLOC"] = entry["non-ML"] / kloc.get("non-ML", float("nan"))
        idiom = OVERLAP.get(code)
        if idiom:
            spans = ours[ours["idiom"] == idiom]
            inside = sum(((spans["project"] == r.project) & (spans["path"] == r.path) & (spans["line"] <= r.row)
                          & (spans["end_line"] >= r.row)).any() for r in part.itertuples())
            entry["inside our finding"] = inside / len(part)
        else:
            entry["inside our finding"] = float("nan")
        table.append(entry)
    pd.DataFrame(table, columns=["rule", "ML", "non-ML", "ML per KLOC", "non-ML per KLOC",
                                 "inside our finding"]).to_csv(snakemake.output[0], index=False)  # noqa: F821
    print(pd.DataFrame(table).to_string())
