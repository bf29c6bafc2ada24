"""Training runs: one job per (dataset, arch, scheduler, variant, seed), resumable from its checkpoints."""

RUN_PATTERN = contract.RUN_DIR

rule train:
    output:
        summary=f"{RUN_PATTERN}/{contract.SUMMARY_FILE}",
        epochs=f"{RUN_PATTERN}/{contract.EPOCHS_FILE}",
        config=f"{RUN_PATTERN}/{contract.CONFIG_FILE}",
    input:
        thresholds=lambda w: producer_input(thresholds_file(w.dataset, w.arch) if w.scheduler == "deba" else []),
        # Order only, never read: the A/A repeat of a baseline trains after its cell's characterization, in
        # the phase where the DEBA runs train, so the control spans the same scheduling gap as every
        # DEBA-vs-fixed comparison (a machine that drifts between the phases shows in the A/A difference)
        after_characterization=lambda w: producer_input(
            thresholds_file(w.dataset, w.arch) if (w.scheduler, w.variant) == TIMING_CONTROL else []),
        # Order only, never read: CIFAR, prepared once before any training job (data.smk); this job never
        # downloads. Not ancient(): Snakemake does not weigh a job's own reasons (its code, its params) when a
        # job upstream of it reruns, and an ancient() edge would then drop it; prepare_data reruns only when
        # its manifest is missing or data_root changes, which retrains anyway. For the same reason no training
        # job waits for its cell's throughput profile: that profile is measured again whenever the profiling
        # code changes, and would retrain the grid each time (deba.walltime prices a job when it is submitted).
        data=lambda w: producer_input(data_manifest(w.dataset)),
    params:
        # every module a training job imports (train_run.py's closure includes deba.provenance.code_version's)
        code=script_code("train_run.py"),
        # the thread count changes the timings (and, on CPU, the bits): a change reruns the job. A plain value:
        # Snakemake does not record params computed from `threads`
        threads=TRAIN_THREADS,
        grid=lambda w: training_settings(config, Run(w.dataset, w.arch, w.scheduler, w.variant, int(w.seed))),
    log:
        contract.TRAIN_LOG,
    wildcard_constraints:
        seed=r"\d+",
    threads: TRAIN_THREADS
    resources:
        gpu=1 if ASK_FOR_GPU else 0,
        # minutes, on a cluster: the run's cost estimate with a margin (deba.walltime), per attempt
        runtime=lambda w, attempt: WALLTIMES.train(Run(w.dataset, w.arch, w.scheduler, w.variant, int(w.seed)), attempt),
    conda:
        DEBA_ENV
    script:
        "../scripts/train_run.py"
