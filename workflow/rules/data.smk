"""The grid's CIFAR datasets, prepared once under data_root before any training job reads them (deba.prepare).

Runs where Snakemake runs (a local rule: on a cluster that is the login node, which is more often online
than the compute nodes); every training job of a CIFAR dataset waits for it and never downloads. Datasets
that need no preparation (digits, synthetic) have no such job.
"""

localrules:
    prepare_data,


# Every training job of the dataset waits for this rule's manifest, so a rerun retrains them all (training.smk
# says why that edge is not ancient). It therefore reruns only when its manifest is missing, data_root changes
# (which changes every run's settings anyway) or its script is edited (Snakemake tracks that itself): no code
# digest of the modules it imports, and the source is read from the config by the script, untracked. A copy
# already in data_root is used as it is, so a rerun would change nothing there.
rule prepare_data:
    output:
        DATA_MANIFEST,
    params:
        data_root=config["data_root"] or "data",  # deba.data's default
    log:
        "results/logs/data/{dataset}.log",
    wildcard_constraints:
        dataset="|".join(PREPARED_DATASETS),
    conda:
        DEBA_ENV
    script:
        "../scripts/prepare_data.py"
