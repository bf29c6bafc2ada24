"""The detector beside two other tools on the scanned code: RIdiom (agreement per idiom) and ruff's PERF rules.

Both rules always exist; the tables and macros ask for their files only when the tool is installed
(SMELLS_TOOLS), and say so where it is not.
"""


rule smells_ridiom:
    """Agreement with RIdiom per idiom, on a seeded sample of files and the code RIdiom can see."""
    output:
        **smells_layout.stage_outputs("ridiom", SMELLS_DIR),
    input:
        **smells_layout.sources(["corpus", "projects"], SMELLS_DIR),
    params:
        settings=SMELLS["ridiom"],
        corpus=SMELLS["corpus"],
        seed=SMELLS["seed"],
        code=script_code("smells_ridiom.py"),
    log:
        smells_layout.log_path(SMELLS_DIR, "ridiom"),
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_ridiom.py"


rule smells_ruff:
    """ruff's PERF rules on the scanned files: findings per KLOC by group, overlap with our comprehensions."""
    output:
        **smells_layout.stage_outputs("ruff", SMELLS_DIR),
    input:
        **smells_layout.sources(["corpus", "projects", "findings"], SMELLS_DIR),
    params:
        corpus=SMELLS["corpus"],
        seed=SMELLS["seed"],
        code=script_code("smells_ruff.py"),
    log:
        smells_layout.log_path(SMELLS_DIR, "ruff"),
    conda:
        DEBA_ENV
    script:
        "../scripts/smells_ruff.py"
