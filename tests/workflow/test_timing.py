"""Clean timing: in a local run no job shares the machine with a timed job (training, throughput profile)."""

import base64
import json

import pytest

TIMED_RULES = {"train", "throughput"}


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
def test_a_timed_job_has_the_machine_to_itself(tiny_workflow):
    workdir, _ = tiny_workflow
    jobs = job_intervals(workdir)
    timed = [job for job in jobs if job[0] in TIMED_RULES]
    assert len(timed) >= 20 and len(jobs) > len(timed)  # every training run and profile, and the rest
    for rule, start, end in timed:
        overlapping = [other for other in jobs if other != (rule, start, end) and other[1] < end and other[2] > start]
        assert not overlapping, f"{rule} job from {start} to {end} shared the machine with {overlapping}"
    # and it used the cores it was given: the tiny run has 2
    configs = list((workdir / "results" / "runs").glob("**/config.json"))
    assert configs and {json.loads(path.read_text())["provenance"]["threads"] for path in configs} == {2}
