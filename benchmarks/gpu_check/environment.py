"""Section `environment`: what the device is, and two numbers that bound everything after it.

Versions (torch, CUDA, cuDNN, driver), the device's name, memory and clocks (nvidia-smi, where present), the
host's cores; then the achieved bf16 (and fp32) matrix-multiply rate, the ceiling any training step's
arithmetic works under, and the cost of launching one tiny kernel, the floor under a step made of a few
hundred small kernels (what a small batch pays per step whatever its size).
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
import sys
import time

import torch

from deba.throughput import synchronize

NVIDIA_SMI_FIELDS = ("name", "driver_version", "memory.total", "clocks.sm", "clocks.max.sm", "power.limit",
                     "temperature.gpu", "pstate")


def versions(device: torch.device) -> dict:
    info = {"python": sys.version.split()[0], "torch": torch.__version__, "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
            "hostname": socket.gethostname(), "platform": platform.platform(), "cpu_count": os.cpu_count(),
            "device_type": device.type}
    try:
        import torchvision
        info["torchvision"] = torchvision.__version__
    except ImportError:
        info["torchvision"] = None
    if device.type == "cuda":
        properties = torch.cuda.get_device_properties(device)
        info.update(device_name=torch.cuda.get_device_name(device), capability=list(torch.cuda.get_device_capability(device)),
                    memory_gib=round(properties.total_memory / 2**30, 1), multiprocessors=properties.multi_processor_count)
    else:
        info["device_name"] = platform.processor() or platform.machine()
    return info


def nvidia_smi() -> dict | None:
    if not shutil.which("nvidia-smi"):
        return None
    result = subprocess.run(["nvidia-smi", f"--query-gpu={','.join(NVIDIA_SMI_FIELDS)}", "--format=csv,noheader"],
                            capture_output=True, text=True, timeout=20)
    if result.returncode != 0:
        return {"error": result.stderr.strip()[-500:]}
    values = [value.strip() for value in result.stdout.splitlines()[0].split(",")]
    return dict(zip(NVIDIA_SMI_FIELDS, values))


def matmul_tflops(device: torch.device, dtype: torch.dtype, size: int, repeats: int) -> float:
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    synchronize(device)
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    synchronize(device)
    return 2 * size**3 * repeats / (time.perf_counter() - started) / 1e12


def launch_microseconds(device: torch.device, launches: int) -> float:
    """Wall time per launch of a one-element add, queued back to back: the host's dispatch cost."""
    x = torch.zeros(1, device=device)
    for _ in range(100):
        x.add_(1)
    synchronize(device)
    started = time.perf_counter()
    for _ in range(launches):
        x.add_(1)
    synchronize(device)
    return (time.perf_counter() - started) / launches * 1e6


def run(section, device: torch.device, quick: bool) -> None:
    data = section.data
    data["versions"] = versions(device)
    data["nvidia_smi"] = nvidia_smi()
    section.save()
    size, repeats = (256, 3) if quick else (8192, 50)
    data["matmul_tflops"] = {}
    for name, dtype in (("bf16", torch.bfloat16), ("fp32_tf32", torch.float32)):
        if device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True  # as training sets it (deba.train.configure_backends)
        data["matmul_tflops"][name] = round(matmul_tflops(device, dtype, size, repeats), 2)
        data["matmul_size"] = size
        section.save()
    data["launch_us"] = round(launch_microseconds(device, 200 if quick else 5000), 2)
    if device.type == "cuda":
        data["nvidia_smi_after_load"] = nvidia_smi()  # clocks under load, after the matmuls
