"""Clean timing (docs/timing.md: One thread per timed job): training runs compute with one thread each, side by
side, and a throughput profile, which claims every core, never shares the machine."""

import base64
import json

import pytest


def job_intervals(workdir):
    """(rule, start, end, log) of every job of the run, from Snakemake's per-output records: a job's outputs
    share its log and end time (their start times differ by microseconds), so they are merged into one job."""
    jobs = {}
    for record in (workdir / ".snakemake" / "metadata").iterdir():
        base64.b64decode(record.name)  # the records are named by their output's path
        data = json.loads(record.read_text())
        if data.get("starttime") and data.get("endtime"):
            key = (data["rule"], tuple(data.get("log") or ()), round(data["endtime"], 3))
            start, end = jobs.get(key, (data["starttime"], data["endtime"]))
            jobs[key] = (min(start, data["starttime"]), max(end, data["endtime"]))
    return sorted(((rule, start, end, logs[0] if logs else None) for (rule, logs, _), (start, end) in jobs.items()),
                  key=lambda job: job[1])


@pytest.mark.slow
def test_training_runs_go_side_by_side_at_one_thread_and_profiles_run_alone(tiny_workflow):
    workdir, _ = tiny_workflow
    jobs = job_intervals(workdir)
    overlapping = lambda job: [other for other in jobs if other != job and other[1] < job[2] and other[2] > job[1]]
    training = [job for job in jobs if job[0] == "train"]
    profiles = [job for job in jobs if job[0] == "throughput"]
    assert len(training) >= 20 and len(profiles) == 2
    for profile in profiles:
        assert not overlapping(profile), f"a throughput profile shared the machine: {overlapping(profile)}"
    assert any(other[0] == "train" for job in training for other in overlapping(job)), \
        "training runs never ran side by side: one core sat idle"
    # and each training run computed with the one thread it claimed
    configs = list((workdir / "results" / "runs").glob("**/config.json"))
    assert configs and {json.loads(path.read_text())["provenance"]["threads"] for path in configs} == {1}


@pytest.mark.slow
def test_timing_control_trains_after_characterization_like_the_deba_runs(tiny_workflow):
    # The A/A pair must span the gap every DEBA-vs-fixed pair spans (baseline before characterization, the
    # other run after it); a repeat trained among the baselines would hide a machine that drifts between them
    workdir, _ = tiny_workflow
    jobs = job_intervals(workdir)
    cell = lambda log: tuple(log.split("/")[3:5])  # results/logs/<stage>/<dataset>/<arch>/...
    characterized = {cell(log): end for rule, _, end, log in jobs if rule == "thresholds"}
    repeats = [(log, start) for rule, start, _, log in jobs if rule == "train" and "/fixed/repeat/" in log]
    assert repeats, "the tiny grid has no timing-control runs"
    for log, start in repeats:
        assert start >= characterized[cell(log)], f"{log} trained before its cell's thresholds were derived"
