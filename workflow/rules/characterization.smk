"""Characterization of each architecture: DEBA's thresholds from the fixed-batch baselines, and the
measured throughput-vs-batch-size profile on this machine's device."""

from deba.grid import fast_path_dependency

rule thresholds:
    input:
        lambda wildcards: producer_input(baseline_epochs(wildcards)),
    output:
        contract.THRESHOLDS_FILE,
    params:
        code=script_code("derive_thresholds.py"),
    log:
        "results/logs/characterization/{dataset}/{arch}/thresholds.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/derive_thresholds.py"

rule throughput:
    input:
        lambda wildcards: producer_input([]),
    output:
        contract.THROUGHPUT_FILE,
    params:
        code=script_code("measure_throughput.py"),
        # the thread count training runs with, which the profile times (a change reruns it)
        torch_threads=TRAIN_THREADS,
        scale=config["scale"],
        device=config["device"],
        batch_sizes=config["throughput"]["batch_sizes"],
        timed_steps=config["throughput"]["timed_steps"],
        vit_input=config["vit_input"],  # ViT's token count, as training sees it
        # precision and memory format as training resolves them (deba.fast_path), with the CPU choice an
        # `auto` run of this architecture depends on: a changed choice re-profiles the cell
        precision=config["precision"],
        memory_format=config["memory_format"],
        cpu_fast_path=lambda wildcards: fast_path_dependency(config, wildcards.arch),
    log:
        "results/logs/characterization/{dataset}/{arch}/throughput.log",
    threads: local_cores()
    resources:
        gpu=1 if ASK_FOR_GPU else 0,
        # minutes, on a cluster: priced from this cell's previous profile if there is one (deba.walltime)
        runtime=lambda w, attempt: WALLTIMES.throughput(w.dataset, w.arch, attempt),
    conda:
        DEBA_ENV
    script:
        "../scripts/measure_throughput.py"
