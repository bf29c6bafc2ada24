"""What the scan's tables say: ML vs non-ML per idiom and in total (with the idiom mix, the detectable effect
and the classifier disagreements), and the ML projects' findings by pipeline stage."""


rule smells_statistics:
    output:
        **smells_layout.stage_outputs("statistics", SMELLS_DIR),
    input:
        **smells_layout.sources(["projects"], SMELLS_DIR),
    params:
        min_kloc=SMELLS["corpus"]["min_kloc"],
        seed=SMELLS["seed"],
        resamples=SMELLS["bootstrap_resamples"],
        code=script_code("smells_statistics.py"),
    log:
        smells_layout.log_path(SMELLS_DIR, "statistics"),
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_statistics.py"


rule smells_stages:
    """Stage of every scope of the ML projects, stage densities, and the mapping's accuracy on the labels."""
    output:
        **smells_layout.stage_outputs("stages", SMELLS_DIR),
    input:
        **smells_layout.sources(["projects", "findings", "scopes"], SMELLS_DIR),
        labels=SMELLS["stage_labels"],
    params:
        seed=SMELLS["seed"],
        resamples=SMELLS["bootstrap_resamples"],
        code=script_code("smells_stages.py"),
    log:
        smells_layout.log_path(SMELLS_DIR, "stages"),
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_stages.py"
