#!/usr/bin/env bash
# The GPU check: one command, at most 8 minutes on one GPU, the most valuable numbers first.
#
#   bash benchmarks/gpu_check.sh [--cifar PATH] [--out DIR] [--budget SECTION=SECONDS ...] [--only S1,S2] [--quick]
#
# Runs the sections of benchmarks/gpu_check/ in order (environment, throughput, pair, anatomy, compile), each
# in its own process under its own time budget, each writing its own file in the output folder as it goes
# ($OUT when set, else --out, else results/gpu_check/): a section that fails, overruns or is killed loses
# only itself. Its log is gpu_check.log there; a summary of every file is printed at the end.
#
# --cifar: the CIFAR-10 JPEG tarball (or its unpacked folder) for the `pair` section; on the device machine
#          it must lie in an ignored folder of the checkout named in the call's carry (e.g. data/).
# --only: run just these sections (comma-separated, in the usual order), e.g. those a first lease left
#         unfinished, with the time a second one has.
# --quick: every section shrunk to run on a CPU: the rehearsal of the device run (CI runs it).
#
# It runs with the interpreter that is there ($PYTHON, default python3) on this checkout's sources
# (PYTHONPATH=src) and installs nothing: the device machine has no network and no .venv.
set -uo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null; then
    echo "gpu_check.sh: no interpreter '$python'; set PYTHON to one with torch and torchvision" >&2
    exit 2
fi

# section:budget in seconds, in the order they run; together with start-up within `limit`.
sections="environment:15 throughput:190 pair:140 anatomy:45 compile:50"
limit=480
quick=""
cifar=""
out="${OUT:-}"
overrides=""
only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick="--quick" ;;
        --cifar) cifar="$2"; shift ;;
        --out) out="$2"; shift ;;
        --budget) overrides="$overrides $2"; shift ;;
        --only) only="$2"; shift ;;
        *) echo "gpu_check.sh: unknown argument '$1' (allowed: --quick, --cifar PATH, --out DIR, --budget SECTION=SECONDS, --only SECTION,...)" >&2
           exit 2 ;;
    esac
    shift
done
if [ -n "$quick" ]; then
    # A CPU's speed says nothing about a GPU lease: generous budgets, so a busy 2-core machine finishes.
    sections="environment:120 throughput:300 pair:300 anatomy:200 compile:300"
    limit=1500
fi
if [ -n "$only" ]; then  # keep the table's order and budgets; refuse a name that is not a section
    known=" "
    for entry in $sections; do known="$known${entry%%:*} "; done
    kept=""
    for name in ${only//,/ }; do
        case "$known" in
            *" $name "*) ;;
            *) echo "gpu_check.sh: --only: no section '$name' (sections:${known% })" >&2; exit 2 ;;
        esac
    done
    for entry in $sections; do
        case ",$only," in *",${entry%%:*},"*) kept="$kept $entry" ;; esac
    done
    sections="$kept"
fi
out="${out:-results/gpu_check${quick:+-quick}}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
[ -n "$cifar" ] && cifar="$(cd "$(dirname "$cifar")" && pwd)/$(basename "$cifar")"
log="$out/gpu_check.log"
export PYTHONPATH="$PWD/src:$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

budget_of() {  # the budget of section $1: an override (--budget name=S) or the table's
    local name="$1" value="$2" override
    for override in $overrides; do
        [ "${override%%=*}" = "$name" ] && value="${override#*=}"
    done
    echo "$value"
}

started=$SECONDS
failed=""
echo "gpu_check: writing to $out; limit ${limit} s" | tee -a "$log"
for entry in $sections; do
    name="${entry%%:*}"
    budget="$(budget_of "$name" "${entry#*:}")"
    left=$((limit - (SECONDS - started) - 10))
    [ "$left" -lt "$budget" ] && budget="$left"
    if [ "$budget" -lt 5 ]; then
        echo "gpu_check: $name: not run, ${left} s left of ${limit}" | tee -a "$log"
        failed="$failed $name"
        continue
    fi
    echo "gpu_check: $name: budget ${budget} s" | tee -a "$log"
    section_started=$SECONDS
    # The section stops itself at its budget (SIGTERM to itself, keeping what it measured); this timeout is
    # the backstop for a section stuck where no signal reaches Python.
    timeout --signal=TERM --kill-after=10 $((budget + 20)) "$python" -m benchmarks.gpu_check "$name" \
        --out "$out" --budget "$budget" $quick ${cifar:+--cifar "$cifar"} >>"$log" 2>&1
    status=$?
    case "$status" in
        0) outcome="ok" ;; 1) outcome="failed" ;; 3) outcome="out of time, measurements kept" ;;
        4) outcome="terminated" ;; 124|137) outcome="killed by the backstop timeout" ;; *) outcome="exit $status" ;;
    esac
    echo "gpu_check: $name: $outcome ($((SECONDS - section_started)) s)" | tee -a "$log"
    [ "$status" = 0 ] || failed="$failed $name"
done
"$python" -m benchmarks.gpu_check.summary "$out" || true
if [ -n "$failed" ]; then
    echo "gpu_check: not completed:$failed; the files of the others are in $out"
    exit 1
fi
echo "gpu_check: every section completed in $((SECONDS - started)) s; files in $out"
