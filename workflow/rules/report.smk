"""results/report.html: Snakemake's self-contained HTML report of every figure, table, the config and the
run statistics. Built by running `snakemake --report` on this same workflow once everything else exists,
with the same config files (`--config KEY=VALUE` overrides are not passed on; run `snakemake --report FILE`
by hand after such a run)."""

import sys


rule report:
    input:
        DEBA_TARGETS,
        SMELLS_TARGETS,
        README_ASSETS,
    output:
        "results/report.html",
    params:
        # The Python running this workflow, also under --sdm conda: it has Snakemake, while `python` on PATH
        # outside an environment may be another interpreter.
        python=sys.executable,
        # In the order Snakemake merges them (workflow.configfiles lists the --configfile ones first): passed
        # as listed, config/config.yaml would override the config this run was started with. Relative to the
        # working directory, so a results folder moved with its checkout keeps this param.
        configfiles=[os.path.relpath(path) for path in reversed(workflow.configfiles)],
    log:
        "results/logs/report.log",
    conda:
        DEBA_ENV
    shell:
        # DEBA_REPORT_ONLY: that parse must not rewrite results/grid.json (common.smk), since it does not see
        # this run's --config overrides
        "DEBA_REPORT_ONLY=1 {params.python:q} -m snakemake --report {output:q} --nolock "
        "--configfile {params.configfiles:q} > {log:q} 2>&1"
