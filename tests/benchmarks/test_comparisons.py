"""The benchmark harness: paired rounds in alternating order, and the markdown table it writes."""

import math

import pytest

from benchmarks.bench_training import _paired, _paired_blocks
from benchmarks.run import markdown


def test_paired_rounds_alternate_which_contender_goes_first_and_report_the_median_ratio():
    calls = []
    slow_then_fast = iter([3.0, 2.0, 2.0, 2.0, 2.0])

    def first():
        calls.append("first")
        return next(slow_then_fast)

    def second():
        calls.append("second")
        return 1.0

    timing = _paired(first, second, rounds=5)
    assert calls[:4] == ["first", "second", "second", "first"]
    assert timing["ratio"] == 2.0 and timing["first_s"] == 2.0 and timing["second_s"] == 1.0
    low, high = timing["ratio_ci"]
    assert low <= 2.0 <= high <= 3.0


def test_a_single_round_gives_no_interval():
    timing = _paired(lambda: 2.0, lambda: 1.0, rounds=1)
    assert timing["ratio"] == 2.0 and all(math.isnan(bound) for bound in timing["ratio_ci"])


def test_blocks_build_fresh_contenders_and_their_interval_covers_the_spread_between_blocks():
    block_ratios = iter([1.00, 1.04, 1.02, 1.06, 1.01])
    built = []

    def build():
        ratio = next(block_ratios)
        built.append(ratio)
        return (lambda: ratio), (lambda: 1.0)

    timing = _paired_blocks(build, blocks=5, rounds=3)
    assert built == [1.00, 1.04, 1.02, 1.06, 1.01]
    assert timing["block_ratios"] == built and timing["ratio"] == 1.02
    low, high = timing["ratio_ci"]
    # every round of a block agrees, so a within-block interval would be a point; resampling blocks is not
    assert low < 1.02 < high and low >= 1.00 and high <= 1.06
    assert timing["first_s"] == pytest.approx(1.02) and timing["second_s"] == 1.0


def test_markdown_names_the_machine_and_marks_goals():
    results = {"environment": {"measured_at": "2026-01-01T00:00:00+00:00", "processor": "", "machine": "x86_64",
                               "cpu_count": 2, "torch_threads": 2, "device": "cpu", "packages": {"torch": "2.14.1"}},
               "comparisons": [{"name": "data loader (images/s)", "ours": "100", "reference": "10", "ratio": "10.0x",
                                "goal": ">= 10x", "met": True},
                               {"name": "trainer epoch, fixed (s)", "ours": "1.05", "reference": "1.00",
                                "ratio": "+5.0%", "goal": "<= +3%", "met": False}]}
    table = markdown(results)
    assert "x86_64 (2 cores, 2 torch threads, device cpu), torch 2.14.1" in table
    assert "| data loader (images/s) | 100 | 10 | 10.0x | >= 10x | yes |" in table
    assert "| trainer epoch, fixed (s) | 1.05 | 1.00 | +5.0% | <= +3% | no |" in table


def test_throughput_benchmark_profiles_every_architecture():
    import torch

    from benchmarks.bench_training import bench_throughput
    from deba.config import ARCHITECTURES

    rows = bench_throughput(torch.device("cpu"), batch_sizes=(4,), timed_steps=1)["rows"]
    assert [row["arch"] for row in rows] == list(ARCHITECTURES)
    assert all(row["batch_size"] == 4 and row["images_per_s"] > 0 for row in rows)
