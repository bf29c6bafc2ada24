"""Snakemake adapter of rule `smells_corpus`: write the corpus manifest (installed, or pinned: fetch + extract)."""
import sysconfig
from pathlib import Path

from paperkit.rules import log_to
from smells.corpus import extracted_projects, installed_projects, save_projects
from smells.fetch import download_wheel, load_lock, safe_extract

corpus = snakemake.params.corpus  # noqa: F821 (snakemake is injected)
fetch = snakemake.params.fetch  # noqa: F821
output = Path(snakemake.output[0])  # noqa: F821

with log_to(snakemake.log[0]):  # noqa: F821
    if corpus["source"] == "installed":
        site = corpus["site_packages"] or sysconfig.get_paths()["purelib"]
        projects = installed_projects(site, corpus["exclude"])
        save_projects(projects, output, source="installed", site_packages=str(site))
    else:
        lock = load_lock(corpus["lock"])
        names = [p["name"] for p in corpus["projects"]]
        missing = [n for n in names if n not in lock]
        if not names or missing:
            raise ValueError(f"smells.corpus.projects: {missing or 'no projects'} not in the lock file "
                             f"{corpus['lock']} (allowed: {sorted(lock)})")
        wheels, extracted = output.parent / "wheels", output.parent / "extracted"
        for name in names:
            wheel = download_wheel(lock[name], wheels)
            target = extracted / name
            if not target.exists():  # extraction is atomic: an existing folder is complete
                safe_extract(wheel, target, max_total_bytes=fetch["max_total_bytes"],
                             max_file_bytes=fetch["max_file_bytes"], max_files=fetch["max_files"])
            print(f"{name}: {wheel.name} verified and extracted")
        save_projects(extracted_projects(extracted, names), output, source="pinned",
                      domains={p["name"]: p.get("domain", "") for p in corpus["projects"]})
