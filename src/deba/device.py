"""Refusing to start without the GPU a run was asked for.

A paper-scale run that quietly trains on a CPU fills its whole time limit and gives a result comparable
with nothing. On a cluster that happens when a job lands on a node whose GPU is missing, was not allocated
to it, or cannot be used by this torch build (a CUDA build needs a recent enough driver). So a run asked
for a GPU (`deba-train --device cuda`, `device: cuda` in the workflow config, or a workflow job given a
`gpu` resource, as profiles/slurm gives training jobs) checks for one before it loads any data, and stops
with an error that names the host and what it found there.

Only `require_cuda` imports torch, so the workflow can import this module while it is parsed.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
from typing import Mapping

from .gpu_slots import claim_gpu


class NoGPUError(RuntimeError):
    """A GPU was asked for and torch sees none on this host; the message names the host."""


def require_cuda(reason: str) -> None:
    """Return if torch can use a CUDA device here; otherwise raise NoGPUError naming this host.

    `reason` says who asked, e.g. "--device cuda was requested"."""
    import torch

    if torch.cuda.is_available():
        return
    raise NoGPUError(f"{reason}, but host {socket.gethostname()} has no GPU that torch can use "
                     f"({'; '.join(diagnosis(torch))}); nothing was trained")


def diagnosis(torch) -> list[str]:
    """What this host shows about its GPUs: the torch build, the visible devices, the driver, SLURM's grant."""
    seen = [f"torch {torch.__version__} is a CPU-only build" if torch.version.cuda is None
            else f"torch {torch.__version__} is built for CUDA {torch.version.cuda}"]
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    seen.append("CUDA_VISIBLE_DEVICES is not set" if visible is None else f"CUDA_VISIBLE_DEVICES={visible!r}")
    seen.append(_nvidia_smi())
    if os.environ.get("SLURM_JOB_ID"):
        granted = os.environ.get("SLURM_JOB_GPUS") or os.environ.get("SLURM_GPUS_ON_NODE") or "none"
        seen.append(f"SLURM job {os.environ['SLURM_JOB_ID']} in partition "
                    f"{os.environ.get('SLURM_JOB_PARTITION', '?')} was granted GPUs: {granted}")
    return seen


def _nvidia_smi() -> str:
    if not shutil.which("nvidia-smi"):
        return "no nvidia-smi on PATH"
    try:
        result = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError) as error:
        return f"nvidia-smi did not answer ({type(error).__name__})"
    listed = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0 or not listed:
        return f"nvidia-smi lists no GPU ({(result.stderr or result.stdout).strip()[:200] or 'no output'})"
    return f"nvidia-smi lists {len(listed)} (name, driver): {' | '.join(listed)}"


def asked_for_gpu(resources: Mapping) -> bool:
    """Whether a workflow job's resources ask for a GPU: `gpu` above 0, or a `gres` that names gpus."""
    try:
        gpus = int(resources.get("gpu") or 0)
    except (TypeError, ValueError):
        gpus = 0
    return gpus > 0 or str(resources.get("gres") or "").startswith("gpu")


def start_job_device(rule: str, device: str, resources: Mapping) -> None:
    """What a workflow job of `rule` does before torch starts: take a GPU of its own where it may use one
    (deba.gpu_slots, before CUDA initializes), and where it was asked for a GPU (`device: cuda`, or a `gpu`
    resource) and torch sees none, log why and exit at once, naming the host."""
    gpu_job = asked_for_gpu(resources)
    if device != "cpu" or gpu_job:
        claim_gpu()
    if gpu_job or device == "cuda":
        try:
            require_cuda(f"this {rule} job was given a GPU (resource gpu)" if gpu_job
                         else "the config asks for device: cuda")
        except NoGPUError as error:
            logging.getLogger("deba").error("%s", error)
            raise SystemExit(f"{rule}: {error}") from None
