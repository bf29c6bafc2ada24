"""Train one run: the loop, timing, checkpoints, resume, and the result files of docs/results.md.

    train(TrainConfig(dataset="digits", arch="resnet18", scheduler="deba", epochs=15, out="runs/x"))

SGD (momentum 0.9, weight decay 5e-4), learning rate per epoch: linear warm-up, then cosine (default),
step (x0.1 at the Smith milestones) or constant; optionally scaled with the batch size (`lr_scaling`).
Training time is wall-clock of the training steps including the monitor, excluding evaluation. At the end of
every epoch the batch-size scheduler decides the next epoch's batch size from the monitor's signals
(`Trainer._decide_next_batch_size`), the epoch's row is written, and a checkpoint is written atomically;
SIGTERM (a SLURM preemption or time limit) writes one at the next step boundary and exits with
`EXIT_PREEMPTED`, and `resume=True` continues from the newest good one.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import signal
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field, fields
from pathlib import Path

import torch
import torch.nn.functional as F

from paperkit.files import write_text_atomically

from . import checkpoint, provenance
from .config import DEFAULT_TARGET_ACC, TrainConfig
from .contract import CONFIG_FILE, EPOCH_COLUMNS, EPOCHS_FILE, SUMMARY_FILE, SUMMARY_KEYS, in_contract_order
from .data import EpochLoader, load_dataset
from .device import require_cuda
from .fast_path import resolve as resolve_fast_path
from .models import build_model, build_optimizer, default_lr, load_optimizer_state
from .monitor import GradientMonitor
from .schedulers import BatchScheduler, Decision, EpochSignals, build_scheduler
from .thresholds import Thresholds

log = logging.getLogger("deba.train")

EXIT_PREEMPTED = 75  # EX_TEMPFAIL: the workflow profile retries the job, which resumes


class Preempted(Exception):
    """SIGTERM arrived; a checkpoint has been written."""


@dataclass
class RunState:
    """Everything that changes during a run and goes into a checkpoint."""

    epoch: int = 1  # the epoch in progress or next
    sample_offset: int = 0  # samples of `epoch` already trained on (non-zero only after a mid-epoch stop)
    train_time_s: float = 0.0  # training seconds of completed epochs
    epoch_time_s: float = 0.0  # training seconds of the partial epoch
    rows: list[dict] = field(default_factory=list)
    status: str = "running"
    checkpoint_sequence: int = 0


def resolve_device(requested: str) -> torch.device:
    """The device of `requested` (auto: a GPU when torch sees one); `cuda` without a GPU raises NoGPUError
    naming this host (deba.device), before anything else runs."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cuda":
        require_cuda("--device cuda was requested")
    return torch.device(requested)


def configure_backends(device: torch.device, deterministic: bool) -> None:
    """cuDNN's mode on a GPU: deterministic algorithms, or autotuning (`deterministic=False`); TF32 either way.

    The paper grid trains deterministic (`TrainConfig.deterministic`'s default), and so must everything that
    measures its speed: with autotuning cuDNN benchmarks its algorithms at the first step of every new input
    shape, and an adaptive scheduler meets a new shape at every batch change while the fixed baseline meets
    one, so the adaptive run alone would pay that cost inside its training time (and a different cost each
    time, since autotuning picks by timing). Deterministic algorithms are also what lets a rerun repeat.
    The throughput profile and the GPU check call this too, so they measure the mode training runs in."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = not deterministic
        torch.backends.cudnn.deterministic = deterministic
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True


# cuDNN and cuBLAS report a failed workspace allocation as a plain RuntimeError, not torch.OutOfMemoryError
_OUT_OF_MEMORY_MESSAGES = ("out of memory", "CUDNN_STATUS_ALLOC_FAILED", "CUBLAS_STATUS_ALLOC_FAILED")


def is_out_of_memory(error: BaseException) -> bool:
    """Whether `error` means the device ran out of memory, however the library that hit it reported it."""
    return isinstance(error, torch.OutOfMemoryError) or (
        isinstance(error, RuntimeError) and any(text in str(error) for text in _OUT_OF_MEMORY_MESSAGES))


def learning_rate(config: TrainConfig, epoch: int, batch_size: int) -> float:
    base = config.lr if config.lr is not None else default_lr(config.arch)
    ratio = batch_size / config.batch_size
    base *= {"none": 1.0, "linear": ratio, "sqrt": math.sqrt(ratio)}[config.lr_scaling]
    if epoch <= config.warmup_epochs:
        return base * epoch / (config.warmup_epochs + 1)
    progress = (epoch - 1 - config.warmup_epochs) / max(1, config.epochs - config.warmup_epochs)
    if config.lr_schedule == "cosine":
        return base * 0.5 * (1 + math.cos(math.pi * progress))
    if config.lr_schedule == "step":
        return base * 0.1 ** sum(progress >= m for m in config.smith_milestones)
    return base


class Trainer:
    def __init__(self, config: TrainConfig, download: bool = True):
        self.config = config.validate()
        self.out = Path(config.out)
        self.thresholds = Thresholds.read(config.thresholds) if config.thresholds else None
        self.device = resolve_device(config.device)
        self.on_gpu = self.device.type == "cuda"
        if config.threads:
            torch.set_num_threads(config.threads)
        self._configure_backends()
        self.dataset = load_dataset(config.dataset, config.data_root, train_subset=config.train_subset,
                                    test_subset=config.test_subset, download=download).to(self.device)
        torch.manual_seed(config.seed)  # the same initial weights for every scheduler
        model = build_model(config.arch, self.dataset.num_classes, config.scale, config.vit_input)
        self.fast_path = resolve_fast_path(config.arch, self.device.type, config.precision, config.memory_format)
        self.channels_last = self.fast_path.memory_format == "channels_last"
        model = model.to(self.device, memory_format=torch.channels_last if self.channels_last else torch.preserve_format)
        self.model = model
        self.monitor = GradientMonitor(model, ema=config.gns_ema)
        self.step_model = torch.compile(model) if config.compile == "on" else model
        self.optimizer = build_optimizer(model, learning_rate(config, 1, config.batch_size), config.momentum,
                                         config.weight_decay)
        self.scheduler: BatchScheduler = build_scheduler(config, len(self.dataset.train), self.thresholds)
        self.loader = EpochLoader(self.dataset, config.seed, channels_last=self.channels_last)
        # bf16 autocast: forward and backward arithmetic in bfloat16; parameters, gradients (what the monitor
        # reads) and the optimizer stay fp32
        self.autocast = (torch.autocast(self.device.type, dtype=torch.bfloat16)
                         if self.fast_path.precision == "bf16" else nullcontext())
        self.state = RunState()
        self._stop_requested = False
        self.eval_batch_size: int | None = None  # None: the loader's; halved after an out-of-memory error

    def _configure_backends(self) -> None:
        configure_backends(self.device, self.config.deterministic)

    # --- the loop ----------------------------------------------------------------------------------------

    def run(self, resume: bool = False) -> dict:
        self.out.mkdir(parents=True, exist_ok=True)
        if (self.out / SUMMARY_FILE).exists():
            if resume:
                log.info("%s already holds a finished run; nothing to do", self.out)
                return json.loads((self.out / SUMMARY_FILE).read_text())
            raise FileExistsError(f"{self.out} already holds a finished run (summary.json); "
                                  "use another --out, or delete it to retrain")
        if resume:
            self._restore()
        else:
            checkpoint.remove_all(self.out / "checkpoints")
        self._write_config()
        previous_handler = signal.signal(signal.SIGTERM, self._request_stop)
        try:
            while self.state.epoch <= self.config.epochs and self.state.status == "running":
                self._run_epoch()
        except Preempted:
            log.warning("stopped by SIGTERM in epoch %d; checkpoint written, resume with --resume", self.state.epoch)
            raise
        finally:
            signal.signal(signal.SIGTERM, previous_handler)
        if self.state.status == "running":
            self.state.status = "completed"
        summary = self._summary()
        write_text_atomically(self.out / SUMMARY_FILE, json.dumps(summary, indent=2) + "\n", durable=True)
        if not self.config.keep_checkpoints:
            checkpoint.remove_all(self.out / "checkpoints")
        return summary

    def _run_epoch(self) -> None:
        config, state = self.config, self.state
        epoch, batch_size = state.epoch, self.scheduler.batch_size
        lr = learning_rate(config, epoch, batch_size)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        if state.sample_offset == 0:
            torch.manual_seed(config.seed * 1_000_003 + epoch)  # dropout and stochastic depth, per epoch
        self.model.train()
        self._synchronize()
        started = time.perf_counter()
        offset = state.sample_offset
        progress = ProgressBar(f"epoch {epoch}", len(self.dataset.train))
        while offset + batch_size <= len(self.dataset.train):
            try:
                for images, labels in self.loader.train_batches(epoch, batch_size, start_sample=offset):
                    self._train_step(images, labels)
                    offset += batch_size
                    progress.show(offset)
                    if self._stop_requested:
                        state.sample_offset = offset
                        state.epoch_time_s += self._elapsed(started)
                        self._save_checkpoint()
                        raise Preempted()
                break
            except RuntimeError as error:
                if not is_out_of_memory(error):
                    raise
                batch_size = self._handle_out_of_memory(batch_size)
        epoch_time = state.epoch_time_s + self._elapsed(started)
        progress.close()
        signals = self.monitor.end_epoch()
        test_loss, test_acc = self.evaluate()
        decision = self._decide_next_batch_size(epoch, signals)
        row = self._record_epoch(epoch, batch_size, lr, epoch_time, signals, test_loss, test_acc, decision)
        if not math.isfinite(row["train_loss"]):
            state.status = "diverged"
            log.error("epoch %d: training loss is not finite; run recorded as diverged", epoch)
        state.epoch, state.sample_offset, state.epoch_time_s = epoch + 1, 0, 0.0
        self._write_epochs()
        if state.status == "running":
            self._save_checkpoint()

    def _train_step(self, images: torch.Tensor, labels: torch.Tensor) -> None:
        batch_size = len(labels)
        self.monitor.zero_grad()
        half_batches = None
        if self.config.scheduler == "gns" and batch_size >= 4:
            loss, correct, half_batches = self._half_batch_backward(images, labels)
        else:
            with self.autocast:
                logits = self.step_model(images)
                loss = F.cross_entropy(logits, labels, label_smoothing=self.config.label_smoothing)
            loss.backward()
            correct = (logits.argmax(1) == labels).sum()
        # The step before the monitor records it: a step that runs out of memory (fused SGD allocates its
        # momentum at the first one, before updating anything) is retried at a smaller batch and must not
        # stay counted. SGD without a gradient scaler leaves the gradients as they were, so the monitor
        # reads the same numbers after the step (tests/deba/test_cuda_paths.py checks it).
        self.optimizer.step()
        if half_batches is not None:
            self.monitor.observe_half_batches(*half_batches)
        self.monitor.observe_step(loss, correct, batch_size)

    def _half_batch_backward(self, images, labels):
        """Two half-size backward passes whose halved sum is the full-batch gradient, for the noise scale;
        returns (loss, correct, the arguments of the monitor's `observe_half_batches`)."""
        half = len(labels) // 2
        losses, correct, first_half = [], 0, None
        for part in (slice(0, half), slice(half, 2 * half)):
            with self.autocast:
                logits = self.step_model(images[part])
                loss = F.cross_entropy(logits, labels[part], label_smoothing=self.config.label_smoothing)
            (0.5 * loss).backward()
            correct = correct + (logits.argmax(1) == labels[part]).sum()
            losses.append(loss.detach())
            if first_half is None:
                first_half = self.monitor.gather().clone()  # half of the first half-batch's gradient
        full = self.monitor.gather()  # the second backward added its half: the full-batch gradient
        second_half = full - first_half
        # each half-batch's own gradient is twice its share of the sum, so its squared norm is 4x
        sq_norm_halves = 2 * (first_half.square().sum() + second_half.square().sum())
        return (losses[0] + losses[1]) / 2, correct, (sq_norm_halves, full.square().sum(), 2 * half)

    def _handle_out_of_memory(self, batch_size: int) -> int:
        """Retry at the last size that worked and lower the scheduler's cap so it is not tried again."""
        if self.on_gpu:
            torch.cuda.empty_cache()
        previous = [row["batch_size"] for row in self.state.rows if row["batch_size"] < batch_size]
        fallback = previous[-1] if previous else max(self.scheduler.bounds.lower, batch_size // 2)
        if fallback >= batch_size:
            raise RuntimeError(f"out of memory at batch size {batch_size}, the smallest allowed")
        log.warning("out of memory at batch size %d; retrying at %d and capping the batch there",
                    batch_size, fallback)
        self.scheduler.lower_cap(fallback)
        self.monitor.zero_grad()
        return fallback

    @torch.no_grad()
    def evaluate(self) -> tuple[float, float]:
        """(test loss, test accuracy); after an out-of-memory error, again with half the failed batch size,
        which later epochs keep (evaluation batches do not change results, only how many images go at once)."""
        self.model.eval()
        while True:
            loss_sum = torch.zeros((), device=self.device, dtype=torch.float64)
            correct = torch.zeros((), device=self.device, dtype=torch.int64)
            sizes = {} if self.eval_batch_size is None else {"batch_size": self.eval_batch_size}
            attempted = self.eval_batch_size or len(self.dataset.test)
            try:
                for images, labels in self.loader.test_batches(**sizes):
                    attempted = len(labels)
                    with self.autocast:
                        logits = self.model(images)
                    loss_sum += F.cross_entropy(logits.float(), labels, reduction="sum").double()
                    correct += (logits.argmax(1) == labels).sum()
                break
            except RuntimeError as error:
                if not is_out_of_memory(error) or attempted == 1:
                    raise
                del error  # its traceback holds the failed batch's tensors
                images = labels = logits = None
                if self.on_gpu:
                    torch.cuda.empty_cache()
                self.eval_batch_size = attempted // 2
                log.warning("out of memory evaluating batches of %d; evaluating in batches of %d",
                            attempted, self.eval_batch_size)
        n = len(self.dataset.test)
        return loss_sum.item() / n, correct.item() / n

    # --- the batch-size decision -------------------------------------------------------------------------

    def _decide_next_batch_size(self, epoch: int, signals: dict) -> Decision:
        """The scheduler's decision at the end of `epoch` from the monitor's signals: the batch size the next
        epoch trains with, and why (deba.schedulers)."""
        names = [signal_field.name for signal_field in fields(EpochSignals) if signal_field.name != "epoch"]
        return self.scheduler.decide(EpochSignals(epoch=epoch, **{name: signals[name] for name in names}))

    # --- records -----------------------------------------------------------------------------------------

    def _record_epoch(self, epoch, batch_size, lr, epoch_time, signals, test_loss, test_acc, decision) -> dict:
        """Append the epoch's row of epochs.csv (deba.contract.EPOCH_COLUMNS) to the run's state."""
        state = self.state
        state.train_time_s += epoch_time
        # The monitor's signals are named as the contract's columns; the rest are this epoch's settings,
        # evaluation, decision and times.
        row = in_contract_order({
            "epoch": epoch, "batch_size": batch_size, "batch_cap": self.scheduler.bounds.upper, "lr": lr, **signals,
            "test_loss": test_loss, "test_acc": test_acc, "decision": decision.decision,
            "next_batch_size": decision.batch_size, "epoch_train_time_s": epoch_time,
            "train_time_s": state.train_time_s}, EPOCH_COLUMNS, "epoch row")
        state.rows.append(row)
        log.info("epoch %3d/%d  batch %4d  lr %.4f  loss %.4f  test_acc %.4f  time %.2fs  -> %s %d",
                 epoch, self.config.epochs, batch_size, lr, row["train_loss"], test_acc, epoch_time,
                 decision.decision, decision.batch_size)
        return row

    def _write_epochs(self) -> None:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EPOCH_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in self.state.rows:
            writer.writerow({k: ("" if row[k] is None else row[k]) for k in EPOCH_COLUMNS})
        write_text_atomically(self.out / EPOCHS_FILE, buffer.getvalue(), durable=True)

    def _write_config(self) -> None:
        threads = torch.get_num_threads()
        document = {"config": self.config.to_dict(),
                    "provenance": provenance.collect(str(self.device), threads, self.fast_path)}
        write_text_atomically(self.out / CONFIG_FILE, json.dumps(document, indent=2) + "\n", durable=True)

    def _summary(self) -> dict:
        config, rows = self.config, self.state.rows
        target = config.target_acc if config.target_acc is not None else DEFAULT_TARGET_ACC[config.dataset]
        reached = next((row["train_time_s"] for row in rows if row["test_acc"] >= target), None)
        trajectory = [row["batch_size"] for row in rows]
        summary = {
            "arch": config.arch, "dataset": config.dataset, "scheduler": config.scheduler,
            "variant": config.variant, "seed": config.seed, "scale": config.scale, "epochs": config.epochs,
            "epochs_completed": len(rows), "status": self.state.status,
            "final_test_acc": rows[-1]["test_acc"] if rows else None,
            "best_test_acc": max((row["test_acc"] for row in rows), default=None),
            "train_time_s": self.state.train_time_s, "target_acc": target, "time_to_target_s": reached,
            "batch_size_trajectory": trajectory,
            "num_batch_changes": sum(a != b for a, b in zip(trajectory, trajectory[1:])),
            "code_version": provenance.code_version(),
        }
        return in_contract_order(summary, SUMMARY_KEYS, "summary keys")

    # --- checkpoints -------------------------------------------------------------------------------------

    def _save_checkpoint(self) -> None:
        state = self.state
        state.checkpoint_sequence += 1
        payload = {
            "config": self.config.to_dict(),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "monitor": self.monitor.state_dict(),
            "run": {"epoch": state.epoch, "sample_offset": state.sample_offset, "train_time_s": state.train_time_s,
                    "epoch_time_s": state.epoch_time_s, "status": state.status,
                    "checkpoint_sequence": state.checkpoint_sequence},
            "rows": [[row[k] for k in EPOCH_COLUMNS] for row in state.rows],
            "rng": checkpoint.random_state(self.device),
        }
        checkpoint.save(self.out / "checkpoints", payload, state.checkpoint_sequence)

    def _restore(self) -> None:
        payload = checkpoint.load_latest(self.out / "checkpoints", map_location=self.device)
        if payload is None:
            log.info("no usable checkpoint in %s; starting from the beginning", self.out / "checkpoints")
            return
        saved = {k: v for k, v in payload["config"].items() if k not in RESUMABLE_CHANGES}
        current = {k: v for k, v in self.config.to_dict().items() if k not in RESUMABLE_CHANGES}
        if saved != current:
            changed = sorted(k for k in current if saved.get(k) != current[k])
            raise ValueError(f"cannot resume {self.out}: the checkpoint was made with different settings "
                             f"({', '.join(changed)}); use a new --out or the same settings")
        self.model.load_state_dict(payload["model"])
        load_optimizer_state(self.optimizer, payload["optimizer"])
        self.scheduler.load_state_dict(payload["scheduler"])
        self.monitor.load_state_dict(payload["monitor"])
        run = payload["run"]
        self.state = RunState(epoch=run["epoch"], sample_offset=run["sample_offset"],
                              train_time_s=run["train_time_s"], epoch_time_s=run["epoch_time_s"],
                              rows=[dict(zip(EPOCH_COLUMNS, values)) for values in payload["rows"]],
                              status=run["status"], checkpoint_sequence=run["checkpoint_sequence"])
        checkpoint.restore_random_state(payload["rng"], self.device)
        log.info("resumed %s at epoch %d (sample %d)", self.out, self.state.epoch, self.state.sample_offset)

    # --- helpers -----------------------------------------------------------------------------------------

    def _request_stop(self, signum, frame) -> None:
        self._stop_requested = True

    def _synchronize(self) -> None:
        if self.on_gpu:
            torch.cuda.synchronize(self.device)

    def _elapsed(self, started: float) -> float:
        self._synchronize()
        return time.perf_counter() - started


class ProgressBar:
    """A one-line progress bar over an epoch's samples, drawn only when stderr is a terminal."""

    def __init__(self, label: str, total: int, stream=None):
        self.label, self.total = label, total
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self._last_drawn = 0.0

    def show(self, done: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self._last_drawn < 0.2:
            return
        self._last_drawn = now
        filled = int(30 * done / self.total)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * (len(self.label) + 50) + "\r")
            self.stream.flush()


# Settings that may differ between the interrupted run and its resumption without changing results.
RESUMABLE_CHANGES = {"device", "threads", "keep_checkpoints", "out", "data_root"}


def train(config: TrainConfig, resume: bool = False, download: bool = True) -> dict:
    """Train one run and return its summary (also written to `config.out`/summary.json). `download=False`:
    read CIFAR only from a copy under `config.data_root`, never download it (the workflow prepares it once)."""
    return Trainer(config, download=download).run(resume=resume)
