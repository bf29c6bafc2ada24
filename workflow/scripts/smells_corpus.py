"""Snakemake adapter of rule `smells_corpus`: write the corpus manifest (installed, or pinned: fetch + extract)."""
from paperkit.rules import log_to
from smells.corpus import write_manifest

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    write_manifest(snakemake.params.corpus, snakemake.params.fetch, snakemake.output[0],  # noqa: F821
                   wheels=snakemake.params.wheels)  # noqa: F821
