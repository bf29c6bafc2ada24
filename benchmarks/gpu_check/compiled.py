"""Section `compile`, last: eager against `torch.compile` while the batch size changes as DEBA changes it.

ResNet-18 over DEBA's x1.5 sequence of batch sizes (`benchmarks.bench_compile`, cold graph caches): the
first step of each size (compilation included) and the median of the later ones, written after every batch
size. Last because a cold compile can take most of a minute per graph and is the least certain to finish.
"""

from __future__ import annotations

import torch

from benchmarks.bench_compile import compile_modes

SETTINGS = {"full": {"scale": "paper", "batch_sizes": [128, 192, 288, 432, 648, 972], "steps": 10},
            "quick": {"scale": "cpu", "batch_sizes": [8], "steps": 1}}  # one cold compile: the rehearsal's longest part


def run(section, device: torch.device, quick: bool) -> None:
    settings = SETTINGS["quick" if quick else "full"]
    results = section.data.setdefault("modes", {})
    section.data["settings"] = settings

    def keep(mode, per_batch):
        results[mode] = {"per_batch": list(per_batch)}
        section.save()

    for mode in ("eager", "compiled"):  # eager first: the reference, and quick
        results[mode] = compile_modes(device, settings["batch_sizes"], settings["steps"], settings["scale"],
                                      modes=(mode,), on_batch=keep)[mode]
        section.save()
