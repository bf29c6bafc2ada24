"""Snakemake adapter of rule `smells_ridiom`: agreement with RIdiom per idiom on a seeded sample of files."""
import ast
import random
from collections import Counter

from paperkit.rules import log_to
from smells import ridiom
from smells.corpus import load_projects, select_files
from smells.scan import scan_file

params = snakemake.params  # noqa: F821 (snakemake is injected)

with log_to(snakemake.log[0]), ridiom.RidiomWorker() as worker:  # noqa: F821
    projects = load_projects(snakemake.input.corpus)  # noqa: F821
    files = [(p, f) for p in projects
             for f in select_files(p, params.corpus["max_lines_per_project"], params.seed)[0]]
    random.Random(params.seed).shuffle(files)
    counts, compared, timeouts = Counter(), 0, 0
    for project, relative in files:
        if compared >= params.settings["max_files"]:
            break
        result = scan_file(project.root / relative, keep_source=True,
                           max_bytes=params.corpus["max_file_bytes"])
        if result.skip:
            continue
        theirs = worker.findings(result.source, params.settings["timeout_s"])
        if theirs is None:
            timeouts += 1
            print(f"timeout: {project.name}/{relative}")
            continue
        spans = ridiom.visible_spans(ast.parse(result.source))
        ours = [(f.idiom, f.line, f.end_line) for f in result.findings
                if any(a <= f.line and f.end_line <= b for a, b in spans)]
        counts += ridiom.compare(ours, theirs)
        compared += 1
    table = ridiom.agreement_table(counts, compared, timeouts)
    table["files"] = compared
    table["timeouts"] = timeouts
    table.to_csv(snakemake.output[0], index=False)  # noqa: F821
    print(table.to_string())
