"""Smells study (src/smells): corpus -> scan -> stages and statistics -> figures, tables and macros.

The scan is the only expensive step; everything after it reads its CSVs. RIdiom and ruff cross-checks run
only when those optional tools are installed (checked here without importing them).
"""

from snakemake.utils import validate

from smells.rules import has_ridiom, has_ruff, installed_fingerprint, python_files

validate(config["smells"], "../schemas/smells.schema.yaml")
SMELLS = config["smells"]
SMELLS_NAME = SMELLS["corpus"]["name"] or SMELLS["corpus"]["source"]
SMELLS_DIR = f"results/smells/{SMELLS_NAME}"
# Recorded studies (small tables committed under recorded/) shown beside this run; a recorded corpus of the
# same name as this run is this run.
SMELLS_STUDIES = {SMELLS_NAME: SMELLS_DIR, **{r["label"]: r["path"] for r in SMELLS["recorded"]
                                              if r["label"] != SMELLS_NAME}}
SMELLS_FIGURES = "figures/smells"
SMELLS_TEX = "paper/generated/smells"
SMELLS_HAS_RIDIOM = has_ridiom()
SMELLS_HAS_RUFF = has_ruff()

SMELLS_TARGETS = [
    f"{SMELLS_FIGURES}/density.pdf",
    f"{SMELLS_FIGURES}/stages.pdf",
    f"{SMELLS_FIGURES}/speed.pdf",
    f"{SMELLS_TEX}/macros.tex",
    *(f"{SMELLS_TEX}/{name}.tex"
      for name in ("comparison", "stages", "speed", "ridiom", "ruff", "disagreements", "scale")),
]
# paper/sections/smells.tex reads all of these: paper.smk's PDF rule takes them as inputs.


rule smells_corpus:
    """The corpus manifest: installed distributions, or the pinned wheels fetched, verified and extracted."""
    output:
        f"{SMELLS_DIR}/corpus.json",
    input:
        lock=SMELLS["corpus"]["lock"] if SMELLS["corpus"]["source"] == "pinned" else [],
    params:
        corpus=SMELLS["corpus"],
        fetch=SMELLS["fetch"],
        # Shared by pinned corpora (and smells.select's cache): wheels are named by file and hash-verified.
        wheels="results/smells/wheels",
        code=script_code("smells_corpus.py"),
        # What is installed is part of the installed corpus: a new or upgraded package reruns the scan.
        installed=installed_fingerprint(SMELLS["corpus"]["site_packages"])
        if SMELLS["corpus"]["source"] == "installed"
        else "",
    log:
        f"{SMELLS_DIR}/logs/corpus.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_corpus.py"


rule smells_scan:
    """Findings, scopes with code lines, skips and one row per project (the expensive step)."""
    output:
        projects=f"{SMELLS_DIR}/projects.csv",
        findings=f"{SMELLS_DIR}/findings.csv",
        scopes=f"{SMELLS_DIR}/scopes.csv",
        skips=f"{SMELLS_DIR}/skips.csv",
    input:
        f"{SMELLS_DIR}/corpus.json",
    params:
        corpus=SMELLS["corpus"],
        seed=SMELLS["seed"],
        code=script_code("smells_scan.py"),
    # Up to 8 processes (Snakemake lowers this to --cores locally; on a cluster it is the request): the
    # corpus has ~50-100 projects, and more workers than that gain little.
    threads: 8
    log:
        f"{SMELLS_DIR}/logs/scan.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_scan.py"


rule smells_stages:
    """Stage of every scope of the ML projects, stage densities, and the mapping's accuracy on the labels."""
    output:
        stages=f"{SMELLS_DIR}/stages.csv",
        matrix=f"{SMELLS_DIR}/stage_idiom.csv",
        accuracy=f"{SMELLS_DIR}/stage_accuracy.json",
    input:
        projects=f"{SMELLS_DIR}/projects.csv",
        findings=f"{SMELLS_DIR}/findings.csv",
        scopes=f"{SMELLS_DIR}/scopes.csv",
        labels=SMELLS["stage_labels"],
    params:
        seed=SMELLS["seed"],
        resamples=SMELLS["bootstrap_resamples"],
        code=script_code("smells_stages.py"),
    log:
        f"{SMELLS_DIR}/logs/stages.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_stages.py"


rule smells_statistics:
    """ML vs non-ML per idiom and in total, the idiom mix, detectable effect, classifier disagreements."""
    output:
        density=f"{SMELLS_DIR}/density.csv",
        comparison=f"{SMELLS_DIR}/comparison.csv",
        tests=f"{SMELLS_DIR}/tests.json",
        disagreements=f"{SMELLS_DIR}/classifier_disagreements.csv",
    input:
        f"{SMELLS_DIR}/projects.csv",
    params:
        min_kloc=SMELLS["corpus"]["min_kloc"],
        seed=SMELLS["seed"],
        resamples=SMELLS["bootstrap_resamples"],
        code=script_code("smells_statistics.py"),
    log:
        f"{SMELLS_DIR}/logs/statistics.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_statistics.py"


rule smells_microbench:
    """timeit of each idiom against its smelly form on this interpreter."""
    output:
        "results/smells/microbench.csv",
    params:
        settings=SMELLS["microbench"],
        code=script_code("smells_microbench.py"),
    # Reserve cores so that no other job shares ours while timing (on 2 cores a concurrent scan made the ratios
    # swing from 0.2 to 5); Snakemake lowers this to --cores.
    threads: 8
    log:
        "results/smells/logs/microbench.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_microbench.py"


rule smells_self_scan:
    """The detector on this project's own source."""
    output:
        "results/smells/self_scan.json",
    input:
        python_files(SMELLS["self_scan"]),
    params:
        code=script_code("smells_self_scan.py"),
    log:
        "results/smells/logs/self_scan.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_self_scan.py"


if SMELLS_HAS_RIDIOM:

    rule smells_ridiom:
        """Agreement with RIdiom per idiom, on a seeded sample of files and the code RIdiom can see."""
        output:
            f"{SMELLS_DIR}/ridiom.csv",
        input:
            corpus=f"{SMELLS_DIR}/corpus.json",
            projects=f"{SMELLS_DIR}/projects.csv",
        params:
            settings=SMELLS["ridiom"],
            corpus=SMELLS["corpus"],
            seed=SMELLS["seed"],
            code=script_code("smells_ridiom.py"),
        log:
            f"{SMELLS_DIR}/logs/ridiom.log",
        conda:
            DEBA_ENV
        script:
            "../scripts/smells_ridiom.py"


if SMELLS_HAS_RUFF:

    rule smells_ruff:
        """ruff's PERF rules on the scanned files: findings per KLOC by group, overlap with our comprehensions."""
        output:
            f"{SMELLS_DIR}/ruff.csv",
        input:
            corpus=f"{SMELLS_DIR}/corpus.json",
            projects=f"{SMELLS_DIR}/projects.csv",
            findings=f"{SMELLS_DIR}/findings.csv",
        params:
            corpus=SMELLS["corpus"],
            seed=SMELLS["seed"],
            code=script_code("smells_ruff.py"),
        log:
            f"{SMELLS_DIR}/logs/ruff.log",
        conda:
            DEBA_ENV
        script:
            "../scripts/smells_ruff.py"


rule smells_figures:
    """Density box plots by group, the stage heatmap and the idiom speed ratios."""
    output:
        density=report(f"{SMELLS_FIGURES}/density.pdf", caption="../report/smells_density.rst",
                       category="Smells study", subcategory="ML vs non-ML"),
        stages=report(f"{SMELLS_FIGURES}/stages.pdf", caption="../report/smells_stages.rst",
                      category="Smells study", subcategory="Pipeline stages"),
        speed=report(f"{SMELLS_FIGURES}/speed.pdf", caption="../report/smells_speed.rst",
                     category="Smells study", subcategory="Idiom speed"),
    input:
        density=f"{SMELLS_DIR}/density.csv",
        matrix=f"{SMELLS_DIR}/stage_idiom.csv",
        bench="results/smells/microbench.csv",
    params:
        code=script_code("smells_figures.py"),
    log:
        f"{SMELLS_DIR}/logs/figures.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_figures.py"


rule smells_tables:
    """Tables and \\Smells... macros of the paper's smells section."""
    output:
        macros=f"{SMELLS_TEX}/macros.tex",
        comparison=report(f"{SMELLS_TEX}/comparison.tex", caption="../report/smells_tables.rst",
                          category="Smells study", subcategory="Tables"),
        stages=f"{SMELLS_TEX}/stages.tex",
        speed=f"{SMELLS_TEX}/speed.tex",
        ridiom=f"{SMELLS_TEX}/ridiom.tex",
        ruff=f"{SMELLS_TEX}/ruff.tex",
        disagreements=f"{SMELLS_TEX}/disagreements.tex",
    input:
        projects=f"{SMELLS_DIR}/projects.csv",
        density=f"{SMELLS_DIR}/density.csv",
        comparison=f"{SMELLS_DIR}/comparison.csv",
        tests=f"{SMELLS_DIR}/tests.json",
        disagreements=f"{SMELLS_DIR}/classifier_disagreements.csv",
        stages=f"{SMELLS_DIR}/stages.csv",
        accuracy=f"{SMELLS_DIR}/stage_accuracy.json",
        bench="results/smells/microbench.csv",
        self_scan="results/smells/self_scan.json",
        ridiom=[f"{SMELLS_DIR}/ridiom.csv"] if SMELLS_HAS_RIDIOM else [],
        ruff=[f"{SMELLS_DIR}/ruff.csv"] if SMELLS_HAS_RUFF else [],
    params:
        corpus=SMELLS_NAME,
        code=script_code("smells_tables.py"),
    log:
        f"{SMELLS_DIR}/logs/tables.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_tables.py"


rule smells_scale:
    """This run's corpus beside the recorded ones (smells.recorded): size, total densities, effect, power."""
    output:
        f"{SMELLS_TEX}/scale.tex",
    input:
        [f"{folder}/{name}" for folder in SMELLS_STUDIES.values() for name in ("projects.csv", "comparison.csv",
                                                                             "tests.json")],
    params:
        studies=SMELLS_STUDIES,
        code=script_code("smells_scale.py"),
    log:
        f"{SMELLS_DIR}/logs/scale.log",
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_scale.py"


rule smells:
    """The smells study alone (figures, tables, macros of its paper section); never trains DEBA."""
    input:
        SMELLS_TARGETS,
