"""The detector on this project's own source (config `smells.self_scan`), reported in the paper."""


rule smells_self_scan:
    output:
        smells_layout.SHARED_FILES["self_scan"],
    input:
        python_files(SMELLS["self_scan"]),
    params:
        code=script_code("smells_self_scan.py"),
    log:
        smells_layout.log_path(smells_layout.RESULTS_DIR, "self_scan"),
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_self_scan.py"
