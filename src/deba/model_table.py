"""Print the table of parameters and FLOPs per image for both scales in docs/training.md (Models):
`python -m deba.model_table`."""

from __future__ import annotations

import torch

from .config import ARCHITECTURES
from .models import CPU_WIDTH, build_model, count_parameters, flops_per_image

CPU_CHANGE = {"densenet121": "growth 8, half the layers per block", "vit_b16": "4 layers, width 128, 4 heads"}


def rows() -> list[str]:
    lines = []
    for arch in ARCHITECTURES:
        torch.manual_seed(0)
        paper, cpu = build_model(arch, 10, "paper"), build_model(arch, 10, "cpu")
        change = CPU_CHANGE.get(arch, f"width x{CPU_WIDTH.get(arch)}")
        lines.append(f"| {arch} | {count_parameters(paper) / 1e6:.1f}M | {flops_per_image(paper) / 1e9:.2f} | "
                     f"{count_parameters(cpu) / 1e6:.2f}M | {flops_per_image(cpu) / 1e6:.0f} | {change} |")
    return lines


if __name__ == "__main__":
    print("\n".join(rows()))
