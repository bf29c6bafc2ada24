"""What the grid costs, before anyone trains it: device-hours per architecture from the measured throughput
profiles (`snakemake --cores all cost` builds only this), and the cost model checked against the measured
training time of the fixed-batch runs once they exist (built by `rule all`). See src/deba/cost.py."""

from deba.analysis import layout

COST_ESTIMATE = {"table": "results/cost/estimate.csv", "markdown": "results/cost/estimate.md"}
COST_VALIDATION = {"table": "results/cost/validation.csv", "markdown": "results/cost/validation.md"}
COST_TARGETS = [*COST_ESTIMATE.values(), *COST_VALIDATION.values()]

# The config keys that decide which runs exist and what each costs: a change reruns the estimate.
COST_SETTINGS = {**training_settings(config),
                 **{key: config[key] for key in ("datasets", "architectures", "seeds", "ablations", "comparators",
                                                 "sensitivity", "timing_control")}}


rule cost_estimate:
    input:
        grid=GRID_MANIFEST,  # the runs priced: a changed grid reruns this without Snakemake's records
        throughput=[throughput_file(dataset, arch) for dataset, arch in cells()],
    output:
        **COST_ESTIMATE,
    params:
        cells=cells(),
        settings=COST_SETTINGS,
        configfiles=[os.path.relpath(path) for path in workflow.configfiles],  # relative: a moved checkout keeps it
        code=script_code("cost_estimate.py"),
    log:
        "results/logs/cost/estimate.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/cost_estimate.py"


rule cost_validation:
    input:
        runs=layout.source_path("runs"),
        throughput=layout.source_path("throughput"),
    output:
        **COST_VALIDATION,
    params:
        settings=COST_SETTINGS,
        code=script_code("cost_validation.py"),
    log:
        "results/logs/cost/validation.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/cost_validation.py"
