"""results/arxiv.tar.gz: the paper's sources as arXiv takes them (paperkit.arxiv), written only once the
unpacked bundle has compiled on its own in an empty folder."""

ARXIV_TARBALL = "results/arxiv.tar.gz"


# Where Snakemake runs, as the PDF is: that is where LaTeX was found.
localrules:
    arxiv,


rule arxiv:
    """latexmk in results/arxiv-build/sources/ on a copy of the paper's inputs; the files that build read
    (its .fls), rewritten to stay inside one folder, and its .bbl go into the tarball, which is then unpacked
    into results/arxiv-build/unpacked/ and compiled there."""
    input:
        # Rule paper_pdf's inputs, by name, its input functions evaluated: the bundle is made from exactly the
        # files the PDF is, so an edit of any of them remakes both, and no list is kept twice.
        unpack(lambda wildcards: {name: files(wildcards) if callable(files) else files
                                  for name, files in rules.paper_pdf.input.items()}),
    output:
        ARXIV_TARBALL,
    params:
        build_dir="results/arxiv-build",
        code=script_code("arxiv_bundle.py"),
    log:
        "results/logs/analysis/arxiv.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/arxiv_bundle.py"
