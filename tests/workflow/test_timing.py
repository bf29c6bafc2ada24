"""Clean timing: a timed job (training, throughput profile) computes with the one thread it claims, and a local
run never has more jobs on the machine than cores, so no timed job waits for a CPU (README: Timing)."""

import base64
import json

import pytest

TIMED_RULES = {"train", "throughput"}
ALL_CORE_RULES = {"smells_scan", "smells_microbench"}  # threads: 8, that is every core


def job_intervals(workdir):
    """(rule, start, end) of every job of the run, from Snakemake's per-output records: a job's outputs share
    its log and end time (their start times differ by microseconds), so they are merged into one job."""
    jobs = {}
    for record in (workdir / ".snakemake" / "metadata").iterdir():
        base64.b64decode(record.name)  # the records are named by their output's path
        data = json.loads(record.read_text())
        if data.get("starttime") and data.get("endtime"):
            key = (data["rule"], tuple(data.get("log") or ()), round(data["endtime"], 3))
            start, end = jobs.get(key, (data["starttime"], data["endtime"]))
            jobs[key] = (min(start, data["starttime"]), max(end, data["endtime"]))
    return sorted(((rule, start, end) for (rule, *_), (start, end) in jobs.items()), key=lambda job: job[1])


@pytest.mark.slow
def test_timed_jobs_claim_one_core_each_and_the_cores_are_never_oversubscribed(tiny_workflow):
    workdir, _ = tiny_workflow
    jobs = job_intervals(workdir)
    timed = [job for job in jobs if job[0] in TIMED_RULES]
    assert len(timed) >= 20 and len(jobs) > len(timed)  # every training run and profile, and the rest
    # the tiny run has 2 cores; a timed job claims 1 and the smells jobs claim every core (threads: 8)
    claimed = {rule: (2 if rule in ALL_CORE_RULES else 1) for rule, *_ in jobs}
    for rule, start, _ in jobs:
        running = [other for other in jobs if other[1] <= start < other[2]]
        assert sum(claimed[other[0]] for other in running) <= 2, f"{rule} at {start} started beside {running}"
    assert any(other != job and other[0] in TIMED_RULES and other[1] < job[2] and other[2] > job[1]
               for job in timed for other in timed), "timed jobs never ran side by side: one core sat idle"
    # and each training run computed with the one thread it claimed
    configs = list((workdir / "results" / "runs").glob("**/config.json"))
    assert configs and {json.loads(path.read_text())["provenance"]["threads"] for path in configs} == {1}
