"""Snakemake adapter of rule `smells_microbench`: time every idiom against its smelly form."""
import pandas as pd

from paperkit.rules import log_to
from smells.microbench import interpreter, run_all

settings = snakemake.params.settings  # noqa: F821 (snakemake is injected)

with log_to(snakemake.log[0]):  # noqa: F821
    table = pd.DataFrame(run_all(number=settings["number"], repeats=settings["repeats"]))
    table["interpreter"] = interpreter()
    table.to_csv(snakemake.output[0], index=False)  # noqa: F821
    print(table.to_string())
