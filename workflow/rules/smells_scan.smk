"""The scan, the study's one expensive step: findings, scopes with their code lines, skipped files and one row
per project."""


rule smells_scan:
    output:
        **smells_layout.stage_outputs("scan", SMELLS_DIR),
    input:
        **smells_layout.stage_outputs("corpus", SMELLS_DIR),
    params:
        corpus=SMELLS["corpus"],
        seed=SMELLS["seed"],
        code=script_code("smells_scan.py"),
    # Projects are scanned in parallel, one per process. A request, not a demand: Snakemake lowers it to
    # --cores locally, and on a cluster it is what the job asks for.
    threads: 8
    log:
        smells_layout.log_path(SMELLS_DIR, "scan"),
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_scan.py"
