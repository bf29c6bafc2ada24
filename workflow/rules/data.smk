"""The grid's CIFAR datasets, prepared once under data_root before any training job reads them (deba.prepare).

Runs where Snakemake runs (a local rule: on a cluster that is the login node, which is more often online
than the compute nodes); every training job of a CIFAR dataset waits for it and never downloads. Datasets
that need no preparation (digits, synthetic) have no such job.
"""

localrules:
    prepare_data,


rule prepare_data:
    output:
        DATA_MANIFEST,
    params:
        data_root=config["data_root"] or "data",  # deba.data's default
        source=lambda w: config["cifar_source"].get(w.dataset, "download"),
        code=script_code("prepare_data.py"),
    log:
        "results/logs/data/{dataset}.log",
    wildcard_constraints:
        dataset="|".join(PREPARED_DATASETS),
    conda:
        DEBA_ENV
    script:
        "../scripts/prepare_data.py"
