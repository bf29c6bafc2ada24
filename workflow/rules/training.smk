"""Training runs: one job per (dataset, arch, scheduler, variant, seed), resumable from its checkpoints."""

RUN_PATTERN = "results/runs/{dataset}/{arch}/{scheduler}/{variant}/seed{seed}"

rule train:
    output:
        summary=f"{RUN_PATTERN}/summary.json",
        epochs=f"{RUN_PATTERN}/epochs.csv",
        config=f"{RUN_PATTERN}/config.json",
    input:
        thresholds=lambda w: thresholds_file(w.dataset, w.arch) if w.scheduler == "deba" else [],
    params:
        code_version=CODE_VERSION,
        grid=training_settings(config),
    log:
        f"results/logs/train/{{dataset}}/{{arch}}/{{scheduler}}/{{variant}}/seed{{seed}}.log",
    wildcard_constraints:
        seed=r"\d+",
    threads: 1
    resources:
        gpu=1 if HAS_GPU else 0,
    conda:
        DEBA_ENV
    script:
        "../scripts/train_run.py"
