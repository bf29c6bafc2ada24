"""Snakemake adapter of rule `arxiv`: build the paper in a fresh folder, bundle what the build read with its
.bbl (paperkit.arxiv), and write the tarball only after it has compiled unpacked in an empty folder."""

import shutil
from pathlib import Path

from deba.analysis.paper import build_paper, build_paper_copy
from paperkit import arxiv
from paperkit.rules import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (snakemake is injected)
    build = Path(snakemake.params.build_dir)  # noqa: F821
    shutil.rmtree(build, ignore_errors=True)  # nothing left from another config's paper
    sources = [Path(path) for path in snakemake.input]  # noqa: F821
    main = Path(snakemake.input.main)  # noqa: F821
    build_paper_copy(sources, main, build / "sources", build / "built.pdf")
    members = arxiv.bundle_members(build / "sources" / main.parent, main.name,
                                   [build / "sources" / path for path in sources])
    tarball = build / "arxiv.tar.gz"
    arxiv.write_bundle(members, tarball)
    arxiv.unpack(tarball, build / "unpacked")
    build_paper(build / "unpacked", main=main.name)
    shutil.copyfile(tarball, snakemake.output[0])  # noqa: F821
    print(f"{snakemake.output[0]}: {len(members)} files, compiled unpacked in {build / 'unpacked'}:")  # noqa: F821
    print("\n".join(f"  {name} ({len(content):,} bytes)" for name, content in members.items()))
