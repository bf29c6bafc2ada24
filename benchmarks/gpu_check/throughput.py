"""Section `throughput`: the device's price list, a stored throughput profile (`deba.profiles`) of all six
architectures at both model scales, written to `profile.json` after every architecture.

Paper scale first (it prices the paper grid), then cpu scale (it prices the recorded CPU-scale runs at their
own scale). Each (scale, architecture) gets a share of the section's remaining time in proportion to
`WEIGHT` (a guess at its cost); time one leaves unused passes to the next. Within its share an architecture
runs `deba.throughput.profile_rounds`: interleaved rounds over the batch sizes, at least `MIN_ROUNDS`, and
each row says how many rounds it got. An architecture that fails is recorded in the profile's failures and the next one runs;
an out-of-memory batch size is recorded the same way.
"""

from __future__ import annotations

import gc
import os
import time
from datetime import datetime, timezone

import torch

from deba.config import ARCHITECTURES, TrainConfig
from deba.profiles import write_profile
from deba.provenance import code_version, git_state
from deba.fast_path import PRECISION_LABEL, is_cnn
from deba.fast_path import resolve as resolve_fast_path
from deba.throughput import TrainingStep, profile_rounds, release_memory

PROFILE_FILE = "profile.json"
GPU_MEMORY_FORMATS = "channels_last for CNNs, contiguous for the ViT"  # as the first lease's profile says
# The checkout's commit, for a copy of the checkout without its .git (the device machine's).
GIT_COMMIT_VARIABLE = "DEBA_GIT_COMMIT"
# Relative cost of profiling each architecture, at either scale: a guess ranked by the seconds each took on the
# first lease (benchmarks/results/gpu_check-nvidia-h200/throughput.json and README.md): in the grid's
# deterministic cuDNN mode the depthwise convolutions of EfficientNet-B0 and MobileNet-V3 cost far more than
# their arithmetic suggests.
WEIGHT = {"resnet18": 1.0, "resnet50": 2.0, "densenet121": 4.0, "efficientnet_b0": 20.0, "mobilenet_v3": 20.0,
          "vit_b16": 4.0}
# Rounds beyond the first run only within an architecture's share; one round is 5 timed steps per batch size.
MIN_ROUNDS = 1
SETTINGS = {  # batch sizes, rounds, timed steps per round; the trainer's precision (`quick`: one for every
    # architecture, as a stored profile has one, where a CPU's `auto` may choose per architecture)
    "full": {"scales": ("paper", "cpu"), "batch_sizes": [16, 32, 64, 128, 256, 512, 1024, 2048], "rounds": 3,
             "timed_steps": 5, "warmup_steps": 3, "precision": "auto"},
    "quick": {"scales": ("cpu",), "batch_sizes": [4, 8], "rounds": 2, "timed_steps": 1, "warmup_steps": 1,
              "precision": "fp32"},
}


def provenance(device: torch.device, environment: dict | None, precision: str = "auto") -> dict:
    """The profile's provenance: the trainer's settings on this device at `precision` (deba.fast_path), and the
    versions `environment` found."""
    environment = environment or {}
    versions = environment.get("versions", {})
    smi = environment.get("nvidia_smi") or {}
    training = TrainConfig()
    settings = {arch: resolve_fast_path(arch, device.type, precision, training.memory_format)
                for arch in ARCHITECTURES}
    precisions = {setting.precision for setting in settings.values()}
    if len(precisions) != 1:  # a stored profile has one precision (deba.profiles); a CPU's auto may mix them
        raise RuntimeError(f"the trainer's precision differs between architectures on {device} ({settings}); "
                           "profile them as separate profiles with an explicit precision")
    return {"device_name": versions.get("device_name") or str(device), "device_type": device.type,
            "precision": PRECISION_LABEL[precisions.pop()],
            "memory_format": memory_formats({arch: setting.memory_format for arch, setting in settings.items()}),
            "cudnn_mode": ("deterministic" if training.deterministic else "benchmark") if device.type == "cuda" else "n/a",
            "torch": torch.__version__, "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version() if device.type == "cuda" else None,
            "driver": smi.get("driver_version"), "python": versions.get("python"),
            "threads": torch.get_num_threads(), "hostname": versions.get("hostname"),
            "command": "bash benchmarks/gpu_check.sh",
            "code_version": f"deba {code_version()}, git {os.environ.get(GIT_COMMIT_VARIABLE) or git_state()[0]}",
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "vit_input": training.vit_input,
            "notes": "synthetic 32x32 batches; the trainer's step, monitor included"}


def memory_formats(chosen: dict[str, str]) -> str:
    """A profile's memory formats in one phrase: the GPU's rule when it holds, else each architecture's."""
    if all(fmt == ("channels_last" if is_cnn(arch) else "contiguous") for arch, fmt in chosen.items()):
        return GPU_MEMORY_FORMATS
    return ", ".join(f"{arch} {fmt}" for arch, fmt in chosen.items())


def run(section, device: torch.device, quick: bool, environment: dict | None) -> None:
    settings = SETTINGS["quick" if quick else "full"]
    plan = [(scale, arch) for scale in settings["scales"] for arch in ARCHITECTURES]
    weights = [WEIGHT[arch] for scale, arch in plan]
    rows, failures = [], []
    section.data.update(profile_file=PROFILE_FILE, plan=[f"{scale}/{arch}" for scale, arch in plan], done=[])
    path = section.path.with_name(PROFILE_FILE)
    warm_up(device, quick)
    for index, (scale, arch) in enumerate(plan):
        share = section.remaining() * weights[index] / sum(weights[index:])
        started = time.monotonic()
        try:
            step = TrainingStep(arch, scale, device, precision=settings["precision"])
            measured, failed = profile_rounds(step, arch, scale, settings["batch_sizes"], rounds=settings["rounds"],
                                              timed_steps=settings["timed_steps"],
                                              warmup_steps=settings["warmup_steps"],
                                              deadline=started + share, min_rounds=MIN_ROUNDS)
            rows += measured
            failures += failed
        except Exception as error:  # one architecture failing does not stop the others
            failures.append({"arch": arch, "scale": scale, "batch_size": None,
                             "error": f"{type(error).__name__}: {error}"[:800]})
        finally:
            step = None
            gc.collect()
            release_memory(device)
        section.data["done"].append({"scale": scale, "arch": arch, "share_s": round(share, 1),
                                     "seconds": round(time.monotonic() - started, 1)})
        write_profile(path, provenance(device, environment, settings["precision"]), rows, failures)
        section.save()


def warm_up(device: torch.device, quick: bool) -> None:
    """A few seconds of matrix work, so the first architecture is not timed while the clocks ramp up."""
    if device.type != "cuda" or quick:
        return
    a = torch.randn(8192, 8192, device=device, dtype=torch.bfloat16)
    until = time.monotonic() + 3
    while time.monotonic() < until:
        for _ in range(20):
            a @ a
        torch.cuda.synchronize(device)
