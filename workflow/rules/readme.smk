"""What the README shows from a run: one figure as a small PNG and the headline table in Markdown (with the
speedups the stored device profiles predict beside the measured ones).

Both are committed (docs/ for the default run, docs/cifar-cpu/ for the CIFAR-10 one: config
`readme_assets_dir`), so the README shows results before anyone runs anything; the workflow regenerates
them from whatever results it has.
"""

README_DIR = config["readme_assets_dir"]
README_ASSETS = [f"{README_DIR}/figures/accuracy_time.png", f"{README_DIR}/headline.md"]


rule readme_assets:
    input:
        unpack(lambda wildcards: layout.figure_sources("accuracy_time")),
        comparisons=layout.source_path("comparisons"),
        pairs=layout.source_path("pairs"),
        pricing=layout.source_path("device_pricing"),
    output:
        figure=README_ASSETS[0],
        table=README_ASSETS[1],
    params:
        n_resamples=ANALYSIS_RESAMPLES,
        code=script_code("readme_assets.py"),
    log:
        "results/logs/analysis/readme_assets.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/readme_assets.py"
