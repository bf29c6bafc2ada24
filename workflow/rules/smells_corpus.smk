"""The corpus manifest: the installed distributions, or the pinned wheels fetched, verified and extracted."""

SMELLS_CORPUS = SMELLS["corpus"]


rule smells_corpus:
    output:
        **smells_layout.stage_outputs("corpus", SMELLS_DIR),
    input:
        lock=SMELLS_CORPUS["lock"] if SMELLS_CORPUS["source"] == "pinned" else [],
    params:
        corpus=SMELLS_CORPUS,
        fetch=SMELLS["fetch"],
        # Shared by pinned corpora (and smells.select's cache): wheels are named by file and hash-verified.
        wheels=smells_layout.WHEELS_DIR,
        code=script_code("smells_corpus.py"),
        # What is installed is part of the installed corpus: a new or upgraded package reruns the scan.
        installed=installed_fingerprint(SMELLS_CORPUS["site_packages"])
        if SMELLS_CORPUS["source"] == "installed"
        else "",
    log:
        smells_layout.log_path(SMELLS_DIR, "corpus"),
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_corpus.py"
