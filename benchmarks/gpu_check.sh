#!/usr/bin/env bash
# The short GPU check: at most 8 minutes on one H200, synthetic CIFAR-shaped data (benchmarks/gpu_check.py).
# Writes gpu_check.json under $OUT when set, else under benchmarks/results/. `--quick` runs it on a CPU.
#
# It runs with the interpreter that is there ($PYTHON, default python3) on this checkout's sources
# (PYTHONPATH=src) and installs nothing: the device machine has no network and the checkout travels
# without .venv. gpu_check.py names any module that interpreter lacks before it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null; then
    echo "gpu_check.sh: no interpreter '$python'; set PYTHON to one with torch and torchvision" >&2
    exit 2
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
# SIGTERM at 8 minutes stops the section in progress (the report already holds the finished ones and is
# rewritten with it marked); SIGKILL 20 s later if that hangs. `--quick` is for a CPU, whose speed says
# nothing about a GPU lease; a busy 2-core machine needs up to about 8 minutes for it, so it gets 20.
limit=480
for argument in "$@"; do [ "$argument" = --quick ] && limit=1200; done
exec timeout --kill-after=20 "$limit" "$python" -m benchmarks.gpu_check "$@"
