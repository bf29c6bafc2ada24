"""Hand-made result sets in the exact result contract (docs/results.md), with known effects.

`write_result_set` writes run folders, throughput profiles and thresholds files for a small grid in
which DEBA's accuracy change and time ratio are set per architecture, so tests know the right answers.
"""

from __future__ import annotations

import csv
import itertools
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from deba import contract
from deba.contract import EPOCH_COLUMNS
from deba.grid import Run, run_dir
from deba.thresholds import SIGNALS

EPOCH_FIELDS = list(EPOCH_COLUMNS)


@dataclass
class Grid:
    datasets: tuple = ("digits",)
    archs: tuple = ("resnet18", "mobilenet_v3", "resnet50")
    seeds: tuple = (0, 1, 2, 3, 4)
    epochs: int = 6
    # per arch: (accuracy change, time ratio method/fixed, baseline loss wiggle) for DEBA main
    effects: dict = field(default_factory=lambda: {"resnet18": (0.03, 0.6, 0.05), "mobilenet_v3": (0.05, 0.5, 0.2),
                                                   "resnet50": (-0.01, 0.8, 0.02)})
    # (scheduler, variant, window, cooldown)
    methods: tuple = (("deba", "main", 15, 5), ("deba", "window-full", None, 5), ("deba", "cooldown-0", 15, 0),
                      ("adabatch", "main", 15, 5), ("fixed", "repeat", 15, 5))
    diverged: tuple = (("digits", "resnet50", "deba", "main", 4),)
    code_version: str = "abc123"
    # variant -> config.json settings that differ from the main run's (a reconstruction-sensitivity variant)
    settings: dict = field(default_factory=dict)
    # (dataset, arch, seed) whose fixed-batch baseline ends at this accuracy (a baseline that collapsed)
    baseline_acc: dict = field(default_factory=dict)


def _trajectory(scheduler: str, variant: str, epochs: int) -> list[int]:
    if scheduler == "fixed":
        return [128] * epochs
    if scheduler == "adabatch":
        return [128 * 2 ** (e // 3) for e in range(epochs)]
    if variant.startswith("floor"):  # grows, then rolls back once (a floor at min_batch lets it)
        return [128, 128, 192, 153, 153, 153, 153, 153][:epochs] + [153] * max(0, epochs - 8)
    trajectory, batch = [], 128
    for e in range(epochs):
        trajectory.append(batch)
        # the full-history ablation grows an epoch later than the main run: its decisions differ
        if e % (2 if variant == "cooldown-0" else 3) == (2 if variant == "window-full" else 1):
            batch = int(batch * 1.5)
    return trajectory


def write_run(folder: Path, *, dataset, arch, scheduler, variant, seed, window, cooldown, epochs, final_acc,
              train_time, status="completed", wiggle=0.05, code_version="abc123", target_acc=0.5,
              time_to_target=None, settings=None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(zlib.crc32(f"{arch}/{scheduler}/{variant}/{seed}".encode()))
    trajectory = _trajectory(scheduler, variant, epochs)
    completed = epochs if status == "completed" else epochs - 2
    rows, cumulative = [], 0.0
    grad_norm_previous = loss_previous = None
    for e in range(completed):
        batch = trajectory[e]
        loss = 2.0 * (1 - e / (epochs + 1)) * (1 + wiggle * ((-1) ** e))
        grad_norm = 1.0 + wiggle * rng.random()
        epoch_time = train_time / epochs
        cumulative += epoch_time
        rows.append({
            "epoch": e + 1, "batch_size": batch, "batch_cap": 2048, "lr": 0.1, "steps": -(-50000 // batch),
            "train_loss": loss, "train_acc": 0.5, "test_loss": loss, "test_acc": final_acc * (e + 1) / completed,
            "grad_var": 1e-4, "grad_norm": grad_norm,
            "grad_norm_variation": "" if e == 0 else abs(grad_norm - grad_norm_previous) / grad_norm_previous,
            "loss_variation": "" if e == 0 else abs(loss - loss_previous) / loss_previous,
            "noise_scale": "", "decision": "hold",
            "next_batch_size": trajectory[e + 1] if e + 1 < epochs else batch,
            "epoch_train_time_s": epoch_time, "train_time_s": cumulative})
        grad_norm_previous, loss_previous = grad_norm, loss
    with open(folder / contract.EPOCHS_FILE, "w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=EPOCH_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    changes = sum(1 for a, b in itertools.pairwise(trajectory[:completed]) if a != b)
    config = {"dataset": dataset, "arch": arch, "scheduler": scheduler, "variant": variant, "seed": seed,
              "epochs": epochs, "batch_size": 128, "window": window, "cooldown": cooldown, "lr_scaling": "none",
              "lr_schedule": "cosine", "train_subset": None, "test_subset": None, "scale": "cpu",
              "grow_factor": 1.5, "shrink_factor": 0.8, "min_batch": 16, "max_batch": 2048, "momentum": 0.9,
              "weight_decay": 5e-4, "deba_rule": "windowed", "threshold_quantile": 0.5, "significance": 0.1,
              "instability_factor": 2.0, "rollback_floor": None, "grad_var_scaling": "none",
              "threshold_reference": "whole_run", **(settings or {})}
    provenance = {"code_version": code_version, "git_commit": "0" * 40, "git_dirty": False, "python": "3.11.2",
                  "packages": {"torch": "2.14.1"}, "device": "cpu", "device_name": "Test CPU", "threads": 2,
                  "hostname": "test", "platform": "Linux", "started_at": "2026-01-01T00:00:00"}
    (folder / contract.CONFIG_FILE).write_text(json.dumps({"config": config, "provenance": provenance}))
    summary = {"arch": arch, "dataset": dataset, "scheduler": scheduler, "variant": variant, "seed": seed,
               "scale": "cpu", "epochs": epochs, "epochs_completed": completed, "status": status,
               "final_test_acc": final_acc if status == "completed" else float("nan"),
               "best_test_acc": final_acc, "train_time_s": cumulative, "target_acc": target_acc,
               "time_to_target_s": time_to_target, "batch_size_trajectory": trajectory[:completed],
               "num_batch_changes": changes, "code_version": code_version}
    assert tuple(summary) == contract.SUMMARY_KEYS, "the fixture must write the contract's summary keys"
    (folder / contract.SUMMARY_FILE).write_text(json.dumps(summary).replace("NaN", "null"))


def write_result_set(root: Path, grid: Grid | None = None) -> dict:
    """Write the grid under root/results/...; return run folders, throughput and thresholds files, cells."""
    grid = grid or Grid()
    run_folders, cells = [], []
    for dataset in grid.datasets:
        for arch in grid.archs:
            cells.append((dataset, arch))
            acc_change, time_ratio, wiggle = grid.effects[arch]
            for seed in grid.seeds:
                noise = 0.002 * ((seed * 7919) % 5 - 2)  # deterministic, mean zero over 5 seeds
                base_acc, base_time = 0.80 + noise, 100.0 + 3 * seed
                fixed_acc = grid.baseline_acc.get((dataset, arch, seed), base_acc)
                specs = [("fixed", "main", 15, 5, fixed_acc, base_time)]
                for scheduler, variant, window, cooldown in grid.methods:
                    ratio = time_ratio if scheduler == "deba" else 0.7
                    if (scheduler, variant) == ("fixed", "repeat"):  # the A/A control: timing noise only
                        ratio, change = 1.0 + 0.002 * ((seed * 3) % 5 - 2), 0.0
                    elif variant == "window-full":
                        ratio, change = ratio + 0.1, acc_change - 0.01
                    elif variant == "cooldown-0":
                        ratio, change = ratio + 0.15, acc_change - 0.02
                    else:
                        change = acc_change if scheduler == "deba" else 0.0
                    specs.append((scheduler, variant, window, cooldown, base_acc + change + noise / 2,
                                  base_time * ratio * (1 + 0.01 * seed)))
                for scheduler, variant, window, cooldown, acc, time in specs:
                    folder = root / run_dir(Run(dataset, arch, scheduler, variant, seed))
                    status = "diverged" if (dataset, arch, scheduler, variant, seed) in grid.diverged else "completed"
                    write_run(folder, dataset=dataset, arch=arch, scheduler=scheduler, variant=variant, seed=seed,
                              window=window, cooldown=cooldown, epochs=grid.epochs, final_acc=acc, train_time=time,
                              status=status, wiggle=wiggle if scheduler == "fixed" else 0.05,
                              code_version=grid.code_version, time_to_target=time * 0.5,
                              settings=grid.settings.get(variant))
                    run_folders.append(folder)
    throughput_files, thresholds_files = [], []
    for dataset, arch in cells:
        throughput, thresholds = root / contract.throughput_file(dataset, arch), root / contract.thresholds_file(dataset, arch)
        throughput.parent.mkdir(parents=True, exist_ok=True)
        with open(throughput, "w", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(contract.THROUGHPUT_COLUMNS)
            for batch in (16, 64, 128, 256, 512, 1024):
                step = 0.05 + batch * 0.0002  # affine cost: 2.4x cheaper per image at 1024 than at 128
                writer.writerow([arch, "cpu", "cpu", batch, batch / step, step])
        thresholds.write_text(json.dumps({**dict(zip(SIGNALS, (1e-4, 0.02, 0.1))), "method": "median", "source": "t"}))
        throughput_files.append(throughput)
        thresholds_files.append(thresholds)
    return {"runs": run_folders, "throughput": throughput_files, "thresholds": thresholds_files, "cells": cells}


def price_result_set(aggregate_out: dict[str, str], stats_out: dict[str, str], root: Path, *,
                     n_resamples: int) -> dict:
    """The result set's runs priced (rule device_pricing) on two stored profiles: one made of its own throughput
    rows (CPU scale) and one at paper scale with only ResNet-18, so the tables show a scale mismatch and a
    missing architecture; adds the pricing files to `stats_out` and returns the tables."""
    import pandas as pd

    from deba.analysis import layout, pricing
    from deba.profiles import profile_path, write_profile

    provenance = {"device_name": "Test CPU", "device_type": "cpu", "precision": "fp32", "cudnn_mode": "n/a",
                  "torch": "2.14.1", "measured_at": "2026-12-05", "threads": 1}
    own = pd.read_csv(aggregate_out["throughput"]).groupby(["arch", "scale", "batch_size"], as_index=False)[
        "step_time_s"].median()
    rows = [{"arch": arch, "scale": scale, "batch_size": int(batch), "step_time_s": step, "images_per_s": batch / step}
            for arch, scale, batch, step in own.itertuples(index=False)]
    paths = [write_profile(profile_path("result-set-cpu", root), provenance, rows),
             write_profile(profile_path("result-set-paper", root), {**provenance, "device_name": "Test GPU",
                                                                     "device_type": "cuda"},
                           [{**row, "scale": "paper"} for row in rows if row["arch"] == "resnet18"])]
    stats_out.update({name: str(Path(stats_out["claims"]).with_name(f"{name}.csv")) for name in layout.PRICING_FILES})
    return pricing.write_pricing(aggregate_out["runs"], aggregate_out["epochs"], paths, stats_out,
                                 n_resamples=n_resamples)


def analyse_result_set(root: Path, files: dict, *, n_resamples: int) -> tuple[dict, dict, dict]:
    """The written result set aggregated, analysed and priced as the workflow's rules do: (aggregate files,
    statistics files, every statistics and pricing table by name)."""
    from deba.analysis import aggregation, layout, pipeline

    aggregate_out = {name: str(root / "aggregate" / f"{name}.csv") for name in layout.AGGREGATE_FILES}
    aggregation.aggregate(files["runs"], files["throughput"], files["thresholds"], files["cells"], aggregate_out)
    stats_out = {name: str(root / "stats" / f"{name}.csv") for name in layout.STATS_FILES}
    tables = pipeline.statistics(aggregate_out["runs"], aggregate_out["epochs"], aggregate_out["throughput"],
                                 stats_out, n_resamples=n_resamples)
    tables.update(price_result_set(aggregate_out, stats_out, root, n_resamples=n_resamples))
    return aggregate_out, stats_out, tables
