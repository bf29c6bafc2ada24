"""Atomic, verified checkpoints: the last two are kept, each with a SHA-256 of its bytes beside it.

A kill can leave at most a temporary file behind (writes go to a temporary name, then `os.replace`). On
resume the newest checkpoint whose hash matches is used; a truncated or corrupted one is reported by name
and the previous one is tried. Loading uses `torch.load(weights_only=True)`, so a checkpoint can hold only
tensors and plain Python values.

`random_state` / `restore_random_state` carry the random generators a run draws from between checkpoints:
the CPU generator and, on a GPU, that device's CUDA generator, from which dropout and stochastic depth draw
there. Without the CUDA one a run resumed mid-epoch (after SIGTERM) would diverge from an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

import torch

from paperkit.files import write_bytes_atomically

log = logging.getLogger(__name__)
KEEP = 2


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save(directory: Path, state: dict, sequence: int) -> Path:
    """Write checkpoint number `sequence` (monotonic) and prune all but the newest `KEEP`."""
    directory.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getvalue()
    path = directory / f"ckpt-{sequence:06d}.pt"
    write_bytes_atomically(path, data, durable=True)
    # the hash is written after the data: a checkpoint without its hash file is never trusted
    write_bytes_atomically(path.with_suffix(".sha256"), (_sha256(data) + "\n").encode())
    for old in sorted(directory.glob("ckpt-*.pt"))[:-KEEP]:
        old.unlink(missing_ok=True)
        old.with_suffix(".sha256").unlink(missing_ok=True)
    return path


def load_latest(directory: Path, map_location: str | torch.device = "cpu") -> dict | None:
    """The newest checkpoint that verifies, or None when there is none; bad ones are logged by name."""
    for path in sorted(directory.glob("ckpt-*.pt"), reverse=True):
        digest_file = path.with_suffix(".sha256")
        data = path.read_bytes()
        expected = digest_file.read_text().strip() if digest_file.is_file() else None
        if expected != _sha256(data):
            log.warning("checkpoint %s is corrupt or incomplete (content hash %s); trying an older one",
                        path, "missing" if expected is None else "mismatch")
            continue
        try:
            return torch.load(io.BytesIO(data), map_location=map_location, weights_only=True)
        except Exception as error:  # hash matched but unreadable: written by an incompatible version
            log.warning("checkpoint %s could not be loaded (%s); trying an older one", path, error)
    return None


def random_state(device: torch.device) -> dict:
    """The generators' states to put into a checkpoint: the CPU one, and `device`'s own CUDA one on a GPU."""
    state = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def restore_random_state(state: dict, device: torch.device) -> None:
    """Put back what `random_state` saved. A CUDA state is restored only when training is on a GPU again
    (a run resumed on the CPU draws nothing from it); a GPU run resumed from a CPU checkpoint says so."""
    # generator states are CPU byte tensors, whatever map_location moved them to
    torch.set_rng_state(state["cpu"].cpu())
    if device.type != "cuda":
        return
    if "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"].cpu(), device)
    else:
        log.warning("the checkpoint holds no CUDA random state (it was made on a CPU): dropout on %s does not "
                    "continue the interrupted run's random stream", device)


def remove_all(directory: Path) -> None:
    for path in directory.glob("ckpt-*"):
        path.unlink(missing_ok=True)
    if directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
