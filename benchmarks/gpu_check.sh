#!/usr/bin/env bash
# The short GPU check: at most 8 minutes on one H200, synthetic CIFAR-shaped data (benchmarks/gpu_check.py).
# Writes gpu_check.json under $OUT when set, else under benchmarks/results/. `--quick` runs it on a CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/pip install -q -e .
fi
timeout 480 .venv/bin/python -m benchmarks.gpu_check "$@"
