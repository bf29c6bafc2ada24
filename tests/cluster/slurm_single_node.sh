#!/usr/bin/env bash
# A real single-node SLURM cluster on this machine, and the tiny workflow run through profiles/slurm.
#
#   bash tests/cluster/slurm_single_node.sh [VENV]     (as root; VENV defaults to .venv)
#
# Installs Debian's slurm-wlm and munge, starts munged, slurmctld and slurmd by hand (no systemd) with a
# generated slurm.conf: one CPU-only node in two partitions, `cpu-test` and `gpu-test`, standing in for a
# cluster's CPU and GPU partitions. Runs config/tiny.yaml on a small CIFAR-shaped image archive (so the
# data rule runs) through `--profile profiles/slurm` as shipped, with the site settings given the documented
# way (DEBA_SLURM_* variables: the two partitions, no GPUs per job) and on the command line only what a
# cluster without accounting needs (no account, `squeue` for status), while one training job is preempted
# once on purpose (SIGTERM -> checkpoint -> exit 75 -> the profile's retry resumes it). Then checks, from
# the controller's own job records and Snakemake's log: only train and throughput jobs queued on the GPU
# partition and every other submitted job on the CPU partition; the data rule ran once, where Snakemake
# runs, before any training job; training walltimes came from the cost estimate (the `cost` target runs
# first, as docs/cluster.md says). A `deba-train --device
# cuda` job in the GPU partition fails at once naming the node. Last, the same workflow run locally gives
# the same results.
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

# slurm: one node in two partitions, no cgroups, no accounting database. The node claims 16 CPUs and 80 GB
# (config_overrides: slurmd takes slurm.conf's word over the hardware), so the profile's per-rule resources
# (8 CPUs and 32 GB per training job) fit as shipped; nothing enforces them, and every job computes with
# one thread (--set-threads below), as the local run does.
cpus="$(nproc)"
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
SlurmdParameters=config_overrides
MinJobAge=3600
NodeName=$host CPUs=16 RealMemory=80000 State=UNKNOWN
PartitionName=cpu-test Nodes=$host Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu-test Nodes=$host MaxTime=INFINITE State=UP
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
    cp -r "$repo/workflow" "$repo/config" "$repo/profiles" "$work/$copy/"
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

# CIFAR-10 as the data rule meets it offline: an archive of image folders (one folder down, as many archives
# have it), small and learnable (a colour per class, plus noise); each copy unpacks it into its own data/
python - "$work/cifar10-images.tar.gz" <<'PY'
import sys, tarfile, tempfile
from pathlib import Path
import numpy as np
from PIL import Image

rng = np.random.default_rng(0)
with tempfile.TemporaryDirectory() as folder:
    top = Path(folder) / "cifar10-images"
    for split, count in (("train", 26), ("test", 10)):
        for label in range(10):
            (top / split / f"class{label}").mkdir(parents=True)
            for index in range(count):
                pixels = np.clip(rng.normal(25 * label, 40, size=(32, 32, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels).save(top / split / f"class{label}" / f"{index:04d}.png")
    with tarfile.open(sys.argv[1], "w:gz") as archive:
        archive.add(top, arcname="cifar10-images")
PY
for copy in slurm local; do
    printf 'datasets: [cifar10]\ncifar_source:\n  cifar10: %s\n' "$work/cifar10-images.tar.gz" \
        > "$work/$copy/config/cifar-archive.yaml"
done

echo "== the tiny workflow on CIFAR-10 images through profiles/slurm (one training job preempted once on purpose)"
(
    cd "$work/slurm"
    # site settings as a user gives them (docs/cluster.md); the profile's per-rule resources stay as shipped
    export DEBA_SLURM_CPU_PARTITION=cpu-test DEBA_SLURM_GPU_PARTITION=gpu-test DEBA_SLURM_GPUS=0
    cluster=(--profile profiles/slurm --configfile config/tiny.yaml config/cifar-archive.yaml --slurm-no-account
             --slurm-status-command squeue --set-threads train=1 throughput=1 --max-threads "$cpus" --jobs 4
             --latency-wait 5 --slurm-init-seconds-before-status-checks 2)
    # as docs/cluster.md says: the `cost` target first (the throughput profiles, which price every walltime)
    snakemake cost "${cluster[@]}" > "$work/slurm-cost.log" 2>&1 \
        || { echo "FAILED: the SLURM cost run failed"; tail -50 "$work/slurm-cost.log"; exit 1; }
    DEBA_TEST_PREEMPT_ONCE="$work/preempt-marker" snakemake "${cluster[@]}" > "$work/slurm.log" 2>&1
) || { echo "FAILED: the SLURM run failed"; tail -50 "$work/slurm.log"; exit 1; }
[ -f "$work/preempt-marker" ] || { echo "FAILED: no job was preempted"; exit 1; }
preempted="$(cat "$work/preempt-marker")"
grep -q "resumed" "$work/slurm/results/logs/train/$preempted.log" \
    || { echo "FAILED: the preempted job $preempted did not resume from its checkpoint"; exit 1; }

echo "== routing, the data rule and walltimes, from the controller's job records and Snakemake's log"
scontrol show job -o > "$work/jobs.txt"
python - "$work/jobs.txt" "$work/slurm.log" "$work/slurm" <<'PY' || exit 1
import json, re, sys
from collections import defaultdict
from pathlib import Path

jobs_file, log_file, workdir = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
GPU_RULES = {"train", "throughput"}
by_partition, walltimes = defaultdict(set), defaultdict(list)
for line in jobs_file.read_text().splitlines():
    fields = dict(field.split("=", 1) for field in line.split() if "=" in field)
    rule = re.fullmatch(r"rule_(\w+?)(_wildcards_.*)?", fields.get("Comment", ""))  # the plugin's comment
    if rule:
        by_partition[fields["Partition"]].add(rule.group(1))
        hours, minutes, _ = map(int, fields["TimeLimit"].split("-")[-1].split(":"))
        walltimes[rule.group(1)].append(60 * hours + minutes)
print("rules per partition:", {partition: sorted(rules) for partition, rules in sorted(by_partition.items())})
assert set(by_partition) == {"cpu-test", "gpu-test"}, dict(by_partition)
assert by_partition["gpu-test"] == GPU_RULES, f"on the GPU partition: {sorted(by_partition['gpu-test'])}"
assert {"aggregate", "statistics", "figure", "table"} <= by_partition["cpu-test"], sorted(by_partition["cpu-test"])
assert not {"prepare_data", "paper_pdf"} & set().union(*by_partition.values()), "a local rule was queued"
# the `cost` run measured every cell's throughput profile, so every training walltime is priced, not the fallback
assert walltimes["train"] and max(walltimes["train"]) < 720, sorted(set(walltimes["train"]))
print("training walltimes (minutes):", sorted(set(walltimes["train"])))
# the data rule ran once, where Snakemake runs, before the first training job was submitted
log = log_file.read_text()
assert log.count("localrule prepare_data:") == 1, "the data rule did not run exactly once, locally"
assert log.index("localrule prepare_data:") < log.index("rule train:"), "a training job came before the data rule"
manifest = json.loads((workdir / "results/data/cifar10.json").read_text())
assert manifest["action"].startswith("unpacked from") and manifest["layout"] == "image folders", manifest
assert (manifest["train_images"], manifest["test_images"]) == (260, 100), manifest
print("data rule:", manifest["action"])
PY

echo "== a job in the GPU partition asked for a GPU on a node without one"
started=$(date +%s)
if PYTHONPATH="$repo/src" srun -p gpu-test -N1 python -m deba.cli --device cuda --dataset synthetic \
    --out "$work/no-gpu-run" > "$work/no-gpu.log" 2>&1; then
    echo "FAILED: deba-train --device cuda trained on a node without a GPU"; exit 1
fi
grep -q "host $(hostname) has no GPU" "$work/no-gpu.log" \
    || { echo "FAILED: the error does not name the node:"; cat "$work/no-gpu.log"; exit 1; }
[ ! -e "$work/no-gpu-run" ] || { echo "FAILED: the run without a GPU wrote $work/no-gpu-run"; exit 1; }
echo "failed after $(( $(date +%s) - started )) s: $(grep -o 'host .* has no GPU' "$work/no-gpu.log")"

echo "== the same workflow locally"
# One thread per job, as the SLURM run above: torch's CPU results are bitwise equal for equal thread counts.
(cd "$work/local" && snakemake --cores 2 --set-threads train=1 throughput=1 \
    --configfile config/tiny.yaml config/cifar-archive.yaml > "$work/local.log" 2>&1) \
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
