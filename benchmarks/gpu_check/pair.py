"""Section `pair`: a real CIFAR-10 pair through the real trainer on the device, epoch by epoch.

ResNet-18 at paper scale on a stratified CIFAR-10 subset decoded from the JPEG copy (`--cifar`: the
tarball or its unpacked folder, `train/<class>/*.jpg`, `test/<class>/*.jpg`): one untimed warm-up epoch (CUDA
modules, allocator, cuDNN plans), then the fixed-batch run, DEBA's thresholds derived from its epochs (as the
workflow's characterization derives them from baselines), the DEBA run, and, while time remains, the
fixed run again (an A/A repeat of identical work: how far two timings of the same thing land here). Each
run's epochs come with their training, evaluation and checkpoint seconds, and `pair.json` is rewritten
after every epoch, so a deadline keeps every finished epoch.

The settings in `SETTINGS` are this check's own, not the paper's: a 20-epoch run cannot hold the paper's
window of 15 and cooldown of 5, so DEBA runs with window 4 and cooldown 2 (the default config's), and the
subset keeps three runs inside the section's budget. They are written into `pair.json` with the runs.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import torch

from deba.config import TrainConfig
from deba.data import DataError
from deba.thresholds import derive_thresholds
from deba.train import Preempted, Trainer

SETTINGS = {
    "full": {"scale": "paper", "epochs": 20, "train_subset": 20_000, "test_subset": 5_000, "batch_size": 128,
             "min_batch": 16, "max_batch": 2048, "window": 4, "cooldown": 2},
    "quick": {"scale": "cpu", "epochs": 4, "train_subset": 60, "test_subset": 30, "batch_size": 8,
              "min_batch": 4, "max_batch": 64, "window": 4, "cooldown": 1},
}
ORDER = ("fixed", "deba", "fixed")  # the last: the A/A repeat, while time remains
WARMUP_EPOCHS = 2  # untimed; the second epoch's time sizes the subset (the first holds one-time costs)
FIT_SHARE = 0.8  # of the time left after the warm-up, what the fixed and the DEBA run may plan to take
MIN_SUBSET = 2_000


def fitted_subset(settings: dict, warm_epoch: dict, remaining: float, data: dict) -> int:
    """The training subset that lets the fixed and the DEBA run finish within `FIT_SHARE` of `remaining`,
    at most the planned one: estimated from the warm-up's last epoch at the planned subset (DEBA's larger
    batches only make its run cheaper). Recorded in `data` with the estimate it rests on."""
    planned = settings["train_subset"]
    per_epoch = warm_epoch["train_s"] + warm_epoch["eval_s"] + warm_epoch.get("checkpoint_s", 0.0)
    estimate = 2 * settings["epochs"] * per_epoch
    chosen = planned
    if estimate > FIT_SHARE * remaining:
        fitted = int(planned * FIT_SHARE * remaining / estimate) // 1000 * 1000
        chosen = min(planned, max(MIN_SUBSET, fitted))
    data["subset_fit"] = {"planned": planned, "chosen": chosen, "warmup_epoch_s": round(per_epoch, 3),
                          "estimated_two_runs_s": round(estimate, 1), "remaining_s": round(remaining, 1)}
    return chosen


def unpack(source: Path, into: Path) -> Path:
    """The folder holding `train/` and `test/`: `source` itself, or the tarball unpacked under `into`."""
    if source.is_dir():
        root = source
    else:
        if not source.is_file():
            raise DataError(f"--cifar {source}: no such file or folder (the CIFAR-10 JPEG tarball, "
                            "copied into an ignored folder of the checkout so that it travels)")
        subprocess.run(["tar", "-xzf", str(source), "-C", str(into)], check=True)
        root = into
    for candidate in [root, *sorted(p for p in root.iterdir() if p.is_dir())]:
        if (candidate / "train").is_dir() and (candidate / "test").is_dir():
            return candidate
    raise DataError(f"--cifar {source}: no train/ and test/ folders in it or one level down")


def run(section, device: torch.device, quick: bool, cifar: Path | None) -> None:
    if cifar is None:
        raise DataError("no CIFAR-10 copy: pass --cifar PATH (gpu_check.sh --cifar PATH), the JPEG tarball or "
                        "its unpacked folder")
    settings = dict(SETTINGS["quick" if quick else "full"])
    data = section.data
    data.update(settings=settings, order=list(ORDER), runs=[])
    with tempfile.TemporaryDirectory(prefix="deba-gpu-pair-") as scratch:
        scratch = Path(scratch)
        started = time.monotonic()
        root = unpack(Path(cifar), scratch)
        data["unpack_s"] = round(time.monotonic() - started, 2)

        def config(scheduler: str, name: str, **overrides) -> TrainConfig:
            values = dict(dataset="cifar10", data_root=str(root), arch="resnet18", scheduler=scheduler,
                          seed=0, device=device.type, out=str(scratch / name))
            values.update({key: value for key, value in settings.items()}, **overrides)
            return TrainConfig(**values)

        started = time.monotonic()
        warm = Trainer(config("fixed", "warmup", epochs=WARMUP_EPOCHS))  # decodes and caches the images
        data["load_s"] = round(time.monotonic() - started, 2)
        data["warmup"] = {"epochs": []}
        time_phases(warm, data["warmup"], section)
        warm.run()
        data["warmup_s"] = round(time.monotonic() - started - data["load_s"], 2)
        settings["train_subset"] = fitted_subset(settings, data["warmup"]["epochs"][-1], section.remaining(), data)
        del warm
        section.save()
        thresholds = None
        for position, scheduler in enumerate(ORDER):
            if position == 2 and section.remaining() < 1.2 * data["runs"][0]["wall_s"]:
                data["aa_skipped"] = f"{section.remaining():.0f} s left, the first run took {data['runs'][0]['wall_s']} s"
                break
            trainer = Trainer(config(scheduler, f"{scheduler}-{position}", thresholds=thresholds))
            entry = {"scheduler": scheduler, "position": position, "config": trainer.config.to_dict(), "epochs": []}
            data["runs"].append(entry)
            time_phases(trainer, entry, section)
            started = time.monotonic()
            try:
                summary = trainer.run()
            finally:
                entry["wall_s"] = round(time.monotonic() - started, 2)
                section.save()
            entry["summary"] = {key: summary[key] for key in ("train_time_s", "final_test_acc", "best_test_acc",
                                                              "batch_size_trajectory", "num_batch_changes")}
            if scheduler == "fixed" and thresholds is None:
                path = scratch / "thresholds.json"
                derive_thresholds(trainer.state.rows, source="gpu_check pair, fixed run").write(path)
                thresholds = str(path)
            data.update(summarize(data["runs"]))
            section.save()


def time_phases(trainer: Trainer, entry: dict, section) -> None:
    """Record each epoch's evaluation and checkpoint seconds beside the trainer's own training seconds, and
    save the section after every epoch (wrapping the trainer's methods on this instance only)."""
    evaluate, save_checkpoint, record = trainer.evaluate, trainer._save_checkpoint, trainer._record_epoch
    phases: dict = {}

    def timed_evaluate():
        started = time.perf_counter()
        result = evaluate()
        phases["eval_s"] = time.perf_counter() - started
        return result

    def timed_checkpoint():
        started = time.perf_counter()
        save_checkpoint()
        if entry["epochs"] and trainer.state.sample_offset == 0:
            entry["epochs"][-1]["checkpoint_s"] = round(time.perf_counter() - started, 4)
            section.save()

    def recorded(*args, **kwargs):
        row = record(*args, **kwargs)
        entry["epochs"].append({"epoch": row["epoch"], "batch_size": row["batch_size"], "steps": row["steps"],
                                "train_s": round(row["epoch_train_time_s"], 4), "eval_s": round(phases.get("eval_s", 0), 4),
                                "train_loss": row["train_loss"], "test_acc": row["test_acc"],
                                "decision": row["decision"], "next_batch_size": row["next_batch_size"]})
        section.save()
        return row

    trainer.evaluate, trainer._save_checkpoint, trainer._record_epoch = timed_evaluate, timed_checkpoint, recorded


def summarize(runs: list[dict]) -> dict:
    """DEBA's measured speedup over the first fixed run, and the A/A difference of the two fixed runs, from
    the training seconds of completed runs."""
    done = [run for run in runs if "summary" in run]
    fixed = [run["summary"]["train_time_s"] for run in done if run["scheduler"] == "fixed"]
    deba = [run["summary"]["train_time_s"] for run in done if run["scheduler"] == "deba"]
    summary = {}
    if fixed and deba:
        summary["speedup_vs_first_fixed"] = 1 - deba[0] / fixed[0]
    if len(fixed) == 2:
        summary["aa_second_vs_first_fixed"] = fixed[1] / fixed[0] - 1
    return summary


STOP_ON = (Preempted,)
