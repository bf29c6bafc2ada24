"""timeit of each idiom against its smelly form on this interpreter (shared by every corpus)."""


rule smells_microbench:
    output:
        smells_layout.SHARED_FILES["microbench"],
    params:
        settings=SMELLS["microbench"],
        code=script_code("smells_microbench.py"),
    # Asks for more cores than it uses so that no other job runs beside the timings, which would move the
    # ratios by more than their spread over repeats; Snakemake lowers this to --cores.
    threads: 8
    log:
        smells_layout.log_path(smells_layout.RESULTS_DIR, "microbench"),
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_microbench.py"
