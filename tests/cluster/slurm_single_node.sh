#!/usr/bin/env bash
# A real single-node SLURM cluster on this machine, and the tiny workflow run through profiles/slurm.
#
#   bash tests/cluster/slurm_single_node.sh [VENV]     (as root; VENV defaults to .venv)
#
# Installs Debian's slurm-wlm and munge, starts munged, slurmctld and slurmd by hand (no systemd) with a
# generated CPU-only slurm.conf, runs config/tiny.yaml through `--profile profiles/slurm` with local
# overrides (partition `debug`, no account, no GPUs, `squeue` for status since there is no slurmdbd) while
# one training job is preempted once on purpose (SIGTERM -> checkpoint -> exit 75 -> the profile's retry
# resumes it), then runs the same workflow locally and checks that both give the same results.
# Where it cannot run (not root, no apt-get), it says so and exits 0 without testing anything.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$(cd "${1:-$repo/.venv}" && pwd)"

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "SKIPPED: the single-node SLURM test needs root and apt-get (have uid $(id -u))"
    exit 0
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

host="$(hostname -s)"
work="$(mktemp -d /tmp/deba-slurm.XXXXXX)"
conf=/etc/slurm/slurm.conf
[ -f "$conf" ] && cp -p "$conf" "$work/slurm.conf.before"
cleanup() {
    for pidfile in /run/slurmd.pid /run/slurmctld.pid; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    # Put back the machine's own slurm.conf (or none): a conf naming a controller that is no longer running
    # makes every later SLURM client call, and so every snakemake start (the SLURM executor plugin asks
    # scontrol when it loads), wait for a time-out.
    if [ -f "$work/slurm.conf.before" ]; then cp -p "$work/slurm.conf.before" "$conf"; else rm -f "$conf"; fi
    rm -rf "$work"
}
trap cleanup EXIT

# munge: a key and its folders, owned by munge
mkdir -p /etc/munge /var/log/munge /run/munge /var/lib/munge
[ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
chown -R munge:munge /etc/munge /var/log/munge /run/munge /var/lib/munge
chmod 400 /etc/munge/munge.key
pgrep -x munged >/dev/null || munged --force
munge -n | unmunge >/dev/null

# slurm: one node with this host's CPUs, no cgroups, no accounting database
cpus="$(nproc)"
memory_mb="$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)"
# The controller's and node's state live in this run's own folder: state saved by an earlier run that was
# killed (its jobs still queued, the node still "alloc") must not leak into this one.
mkdir -p /etc/slurm "$work/slurmctld-state" "$work/slurmd-spool" /var/log/slurm
cat > "$conf" <<EOF
ClusterName=deba-test
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
StateSaveLocation=$work/slurmctld-state
SlurmdSpoolDir=$work/slurmd-spool
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
for pidfile in /run/slurmd.pid /run/slurmctld.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
done
sleep 1
slurmctld
slurmd
for _ in $(seq 30); do
    sinfo -h -o %T 2>/dev/null | grep -q idle && break
    sleep 1
done
sinfo -h -o "%P %T %c" | grep -q idle || { echo "FAILED: the SLURM node did not come up"; sinfo; exit 1; }

# two copies of the workflow: one through SLURM, one local
for copy in slurm local; do
    mkdir -p "$work/$copy/paper"
    cp -r "$repo/Snakefile" "$repo/workflow" "$repo/config" "$repo/profiles" "$work/$copy/"
    # what the smells rules read: src/ (the self-scan) and the hand-labelled stage sample
    ln -s "$repo/src" "$work/$copy/src"
    mkdir -p "$work/$copy/tests/data"
    ln -s "$repo/tests/data/smells" "$work/$copy/tests/data/smells"
    ln -s "$repo/recorded" "$work/$copy/recorded"  # the recorded smells studies the paper's corpus table reads
    find "$repo/paper" -maxdepth 2 -name '*.tex' -o -maxdepth 2 -name '*.bib' | while read -r source; do
        target="$work/$copy/${source#"$repo/"}"
        mkdir -p "$(dirname "$target")"
        cp "$source" "$target"
    done
done
# the test-only preemption injector stands in for the SLURM copy's training script (it runs the real one)
mv "$work/slurm/workflow/scripts/train_run.py" "$work/slurm/workflow/scripts/train_run_real.py"
cp "$repo/tests/cluster/train_run_preempt_once.py" "$work/slurm/workflow/scripts/train_run.py"
export PATH="$venv/bin:$PATH"

echo "== the tiny workflow through profiles/slurm (one training job preempted once on purpose)"
(
    cd "$work/slurm"
    DEBA_TEST_PREEMPT_ONCE="$work/preempt-marker" snakemake --profile profiles/slurm --configfile config/tiny.yaml \
        --slurm-no-account --slurm-status-command squeue --default-resources slurm_partition=debug mem_mb=2000 \
        --set-resources train:gpu=0 train:mem_mb=2000 train:cpus_per_task=1 throughput:gpu=0 throughput:mem_mb=2000 \
        throughput:cpus_per_task=1 --set-threads train=1 throughput=1 --max-threads "$cpus" --jobs 4 --latency-wait 5 \
        --slurm-init-seconds-before-status-checks 2 > "$work/slurm.log" 2>&1
) || { echo "FAILED: the SLURM run failed"; tail -50 "$work/slurm.log"; exit 1; }
[ -f "$work/preempt-marker" ] || { echo "FAILED: no job was preempted"; exit 1; }
preempted="$(cat "$work/preempt-marker")"
grep -q "resumed" "$work/slurm/results/logs/train/$preempted.log" \
    || { echo "FAILED: the preempted job $preempted did not resume from its checkpoint"; exit 1; }

echo "== the same workflow locally"
# One thread per job, as the SLURM run above: torch's CPU results are bitwise equal for equal thread counts.
(cd "$work/local" && snakemake --cores 2 --set-threads train=1 throughput=1 --configfile config/tiny.yaml \
    > "$work/local.log" 2>&1) \
    || { echo "FAILED: the local run failed"; tail -50 "$work/local.log"; exit 1; }

echo "== comparing results"
python - "$work/slurm" "$work/local" <<'EOF'
import csv, json, sys
from pathlib import Path

slurm, local = map(Path, sys.argv[1:])
TIME = {"epoch_train_time_s", "train_time_s"}
runs = sorted(p.parent.relative_to(local) for p in (local / "results/runs").rglob("summary.json"))
assert runs, "no runs"
for run in runs:
    rows = [[{k: v for k, v in row.items() if k not in TIME} for row in csv.DictReader(open(base / run / "epochs.csv"))]
            for base in (slurm, local)]
    assert rows[0] == rows[1], f"{run}: epochs.csv differs between SLURM and local"
    summaries = [json.loads((base / run / "summary.json").read_text()) for base in (slurm, local)]
    for key in ("final_test_acc", "best_test_acc", "batch_size_trajectory", "status", "code_version"):
        assert summaries[0][key] == summaries[1][key], f"{run}: {key} differs"
print(f"{len(runs)} runs identical (time columns aside) between SLURM and local")
EOF
echo "PASSED: single-node SLURM"
