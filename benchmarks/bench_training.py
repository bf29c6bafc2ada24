"""Training-side benchmarks, each a ratio measured side by side in one run (never a timed test).

1. data: our in-memory augmented loader vs torchvision's DataLoader (2 workers, RandomCrop(32, padding=4),
   RandomHorizontalFlip, ToTensor, Normalize) over the same CIFAR-format images: images per second.
2. trainer overhead: one epoch of our trainer (`fixed`) vs a bare 20-line PyTorch loop on the same model,
   batch size and batches.
3. scheduler and monitor overhead: `deba` vs `fixed` at the same batch size with no batch changes.
4. throughput against batch size for every architecture at the `cpu` scale (`deba.throughput`).

Each comparison alternates its two contenders (swapping which goes first) over several rounds and reports
the median of the per-round ratios with a 95% bootstrap interval, so a busy machine slows both alike and the
reader sees how far the measurement can be trusted. The training comparisons go further: they repeat that in
blocks, each with freshly built contenders, because where a process happens to place a model's tensors
moves a whole block's ratio by a few percent (two identical loops differed by 2-4% between blocks here,
once by 10%, while the trainer's extra operators cost 0.3% of a step under the profiler); their interval
resamples blocks, not rounds, so it includes that variation. Run through `python -m benchmarks.run`
(benchmarks/README.md), which chooses the one device every benchmark here runs on and passes it in.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import scipy.stats
import torch
import torch.nn.functional as F

from deba.config import ARCHITECTURES, TrainConfig
from deba.data import Dataset, EpochLoader, Split
from deba.models import build_model
from deba.thresholds import Thresholds
from deba.throughput import measure, synchronize
from deba.train import Trainer


def cifar_like(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, size=n)


def _paired(first, second, rounds: int) -> dict:
    """Time two callables in alternating order over `rounds` rounds.

    Returns the median seconds of each, the median of the per-round ratios first/second (pairing cancels
    slow drift in machine load), and a 95% bootstrap interval of that median ratio.
    """
    times_a, times_b = [], []
    for round_index in range(rounds):
        if round_index % 2 == 0:
            seconds_a = first()
            seconds_b = second()
        else:
            seconds_b = second()
            seconds_a = first()
        times_a.append(seconds_a)
        times_b.append(seconds_b)
    ratios = np.array(times_a) / np.array(times_b)
    interval = scipy.stats.bootstrap((ratios,), np.median, confidence_level=0.95, method="percentile",
                                     random_state=0).confidence_interval if rounds >= 3 else (np.nan, np.nan)
    return {"first_s": statistics.median(times_a), "second_s": statistics.median(times_b),
            "ratio": float(np.median(ratios)), "ratio_ci": [float(interval[0]), float(interval[1])],
            "rounds": rounds, "first_times": times_a, "second_times": times_b}


def _paired_blocks(build, blocks: int, rounds: int) -> dict:
    """`_paired` over `blocks` blocks, each timing a fresh pair of contenders from `build()`.

    Reports medians and the median ratio over all rounds, each block's median ratio, and a 95% cluster
    bootstrap interval: blocks are resampled whole, so the interval covers the block-to-block variation that
    rounds within one block cannot show.
    """
    per_block = []
    for _ in range(blocks):
        first, second = build()
        per_block.append(_paired(first, second, rounds))
        del first, second
    block_ratios = [np.array(block["first_times"]) / np.array(block["second_times"]) for block in per_block]

    def pooled_median(block_indices):
        return np.median(np.concatenate([block_ratios[int(i)] for i in block_indices]))

    if blocks >= 3:
        interval = scipy.stats.bootstrap((np.arange(blocks),), pooled_median, vectorized=False,
                                         confidence_level=0.95, method="percentile",
                                         random_state=0).confidence_interval
    else:
        interval = (np.nan, np.nan)
    return {"first_s": float(np.median([t for block in per_block for t in block["first_times"]])),
            "second_s": float(np.median([t for block in per_block for t in block["second_times"]])),
            "ratio": float(pooled_median(range(blocks))), "ratio_ci": [float(interval[0]), float(interval[1])],
            "block_ratios": [block["ratio"] for block in per_block], "blocks": blocks, "rounds": rounds}


def bench_data(device: torch.device, n: int = 10_000, rounds: int = 3) -> dict:
    """Images per second through one epoch of augmented, normalized batches of 128, delivered on `device`
    (the DataLoader's batches are copied there, as training would have to)."""
    import torchvision
    import torchvision.transforms as T

    images, labels = cifar_like(n)
    # torchvision's CIFAR10 with its own __getitem__ (PIL image per sample, then the transforms),
    # over the same arrays our loader gets; only the file reading is skipped
    reference = torchvision.datasets.CIFAR10.__new__(torchvision.datasets.CIFAR10)
    reference.data, reference.targets, reference.target_transform = images, labels.tolist(), None
    reference.transform = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
                                     T.Normalize((0.49, 0.48, 0.45), (0.25, 0.24, 0.26))])
    loader = torch.utils.data.DataLoader(reference, batch_size=128, shuffle=True, num_workers=2,
                                         persistent_workers=True)
    split = Split(torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(labels)).to(device)
    ours = EpochLoader(Dataset("bench", split, split, 10, True, torch.full((3,), 0.5), torch.full((3,), 0.25)), 0)

    def run_reference():
        started = time.perf_counter()
        for batch, _ in loader:
            batch.to(device).sum()
        synchronize(device)
        return time.perf_counter() - started

    def run_ours():
        started = time.perf_counter()
        for batch, _ in ours.train_batches(epoch=1, batch_size=128):
            batch.sum()
        synchronize(device)
        return time.perf_counter() - started

    run_reference()  # start the workers
    run_ours()  # first-touch page faults of the batch buffers
    timing = _paired(run_reference, run_ours, rounds)
    return {"name": "data loader", "images": n, "torchvision_images_per_s": n / timing["first_s"],
            "ours_images_per_s": n / timing["second_s"], "speedup": timing["ratio"],
            "speedup_ci": timing["ratio_ci"], "rounds": rounds, "goal": ">= 10x"}


def _small_trainer(scheduler: str, train_size: int, batch_size: int, device: torch.device, **extra) -> Trainer:
    config = TrainConfig(dataset="synthetic", arch="resnet18", scale="cpu", scheduler=scheduler, epochs=3,
                         batch_size=batch_size, threads=torch.get_num_threads(), out="/tmp/deba-bench",
                         device=device.type, **extra)
    trainer = Trainer(config)
    images, labels = cifar_like(train_size, seed=1)
    split = Split(torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(labels))
    trainer.dataset.train = split.to(trainer.device)
    trainer.loader = EpochLoader(trainer.dataset, 0, channels_last=trainer.channels_last)
    return trainer


def _weights_resetter(models_and_optimizers, initial: dict):
    """A function that puts every model back to the `initial` weights and clears its optimizer's momentum.

    Called before every timed epoch, so the contenders always compute on identical numbers: left to train,
    two models drift apart, and one drifting into slower arithmetic (denormal floats on a CPU, for one) was
    timed as overhead, differently in every run of the benchmark."""
    def reset():
        for model, optimizer in models_and_optimizers:
            model.load_state_dict(initial)
            optimizer.state.clear()
    return reset


def _trainer_epoch_seconds(trainer: Trainer, reset=lambda: None) -> float:
    """Training seconds of one epoch as the trainer itself records them (steps and monitor, no evaluation)."""
    reset()
    trainer.state.rows.clear()
    trainer.state.epoch, trainer.state.sample_offset, trainer.state.status = 1, 0, "running"
    trainer.evaluate = lambda: (0.0, 0.0)  # evaluation is excluded from training time anyway
    trainer._save_checkpoint = lambda: None
    trainer._write_epochs = lambda: None
    trainer._run_epoch()
    return trainer.state.rows[-1]["epoch_train_time_s"]


def bench_trainer_overhead(device: torch.device, train_size: int = 512, batch_size: int = 128, blocks: int = 5,
                           rounds: int = 8) -> dict:
    """Short epochs (4 steps) over many alternating rounds: pairing at about a second cancels the load drift
    of a shared machine, and the trainer's per-epoch work weighs more than in a real epoch (conservative)."""

    def build():
        trainer = _small_trainer("fixed", train_size, batch_size, device)
        model = build_model("resnet18", 10, "cpu").to(
            device, memory_format=torch.channels_last if trainer.channels_last else torch.preserve_format)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
        initial = {key: value.clone() for key, value in trainer.model.state_dict().items()}
        reset_trainer = _weights_resetter([(trainer.model, trainer.optimizer)], initial)
        reset_bare = _weights_resetter([(model, optimizer)], initial)

        def bare_loop():  # the 20-line reference: same batches, weights, model size and optimizer settings
            reset_bare()
            model.train()
            synchronize(device)
            started = time.perf_counter()
            for images, labels in trainer.loader.train_batches(epoch=1, batch_size=batch_size):
                optimizer.zero_grad(set_to_none=True)
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                    loss = F.cross_entropy(model(images), labels)
                loss.backward()
                optimizer.step()
            synchronize(device)
            return time.perf_counter() - started

        def trainer_epoch():
            return _trainer_epoch_seconds(trainer, reset_trainer)

        bare_loop()  # warm-up
        trainer_epoch()
        return trainer_epoch, bare_loop

    timing = _paired_blocks(build, blocks, rounds)
    return {"name": "trainer overhead", "bare_loop_s": timing["second_s"], "trainer_s": timing["first_s"],
            "slowdown": timing["ratio"] - 1, "slowdown_ci": [r - 1 for r in timing["ratio_ci"]],
            "block_slowdowns": [r - 1 for r in timing["block_ratios"]], "blocks": blocks, "rounds": rounds,
            "goal": "<= 3%"}


def bench_monitor_overhead(device: torch.device, train_size: int = 512, batch_size: int = 128, blocks: int = 5,
                           rounds: int = 8) -> dict:
    """`deba` against `fixed` (the monitor runs for both, since `fixed` baselines supply DEBA's thresholds),
    and the monitor's own per-step reduction timed alone against the step it is part of."""
    last_fixed = []

    def build():
        fixed = _small_trainer("fixed", train_size, batch_size, device)
        deba = _small_trainer("deba", train_size, batch_size, device)
        # DEBA decides after every epoch as usual, but a cooldown that never ends keeps the batch size fixed
        deba.scheduler.thresholds = Thresholds(1.0, 1.0, 1.0)
        deba.scheduler.cooldown_left = 10**9
        initial = {key: value.clone() for key, value in fixed.model.state_dict().items()}
        reset_fixed = _weights_resetter([(fixed.model, fixed.optimizer)], initial)
        reset_deba = _weights_resetter([(deba.model, deba.optimizer)], initial)
        _trainer_epoch_seconds(fixed, reset_fixed)
        _trainer_epoch_seconds(deba, reset_deba)
        last_fixed[:] = [fixed]
        return (lambda: _trainer_epoch_seconds(deba, reset_deba)), (lambda: _trainer_epoch_seconds(fixed, reset_fixed))

    timing = _paired_blocks(build, blocks, rounds)
    steps = train_size // batch_size
    monitor_s = _monitor_step_seconds(last_fixed[0], batch_size)
    return {"name": "deba vs fixed", "fixed_step_s": timing["second_s"] / steps,
            "deba_step_s": timing["first_s"] / steps, "slowdown": timing["ratio"] - 1,
            "slowdown_ci": [r - 1 for r in timing["ratio_ci"]],
            "block_slowdowns": [r - 1 for r in timing["block_ratios"]], "blocks": blocks, "rounds": rounds,
            "goal": "<= 2%", "monitor_step_s": monitor_s,
            "monitor_fraction_of_step": monitor_s / (timing["second_s"] / steps)}


def _monitor_step_seconds(trainer: Trainer, batch_size: int, calls: int = 200) -> float:
    """Median seconds of the monitor's per-step work (`observe_step`: gathering and reducing the gradients).

    The trainer must have trained: its last step's gradients are what `observe_step` gathers."""
    monitor, device = trainer.monitor, trainer.device
    loss, correct = torch.tensor(1.0, device=device), torch.tensor(batch_size // 2, device=device)
    times = []
    for _ in range(calls):
        synchronize(device)
        started = time.perf_counter()
        monitor.observe_step(loss, correct, batch_size)
        synchronize(device)
        times.append(time.perf_counter() - started)
    monitor.end_epoch()  # discard what these calls accumulated
    return statistics.median(times)


def bench_throughput(device: torch.device, batch_sizes=(16, 32, 64, 128, 256, 512, 1024, 2048),
                     timed_steps: int = 2) -> dict:
    rows = []
    for arch in ARCHITECTURES:
        rows += measure(arch, "cpu", list(batch_sizes), device, timed_steps=timed_steps)
    return {"name": "throughput vs batch size (cpu scale)", "rows": rows}
