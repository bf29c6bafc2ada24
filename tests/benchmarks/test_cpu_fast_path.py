"""The CPU fast-path benchmark chooses only what it measured faster beyond its own noise, and measures every
combination an architecture can take."""

from benchmarks import cpu_fast_path
from benchmarks.cpu_fast_path import choose, combinations, measure_cell


def rows(arch, ratios):
    """Benchmark rows: `ratios` maps (precision, memory format) -> [(ratio, low, high) per batch size]."""
    return [{"arch": arch, "batch_size": 64 * (index + 1), "precision": precision, "memory_format": memory_format,
             "ratio": ratio, "ratio_low": low, "ratio_high": high}
            for (precision, memory_format), cells in ratios.items() for index, (ratio, low, high) in enumerate(cells)]


def test_the_fastest_combination_clear_of_no_difference_at_every_batch_size_is_chosen():
    measured = rows("resnet18", {("fp32", "contiguous"): [(1, 1, 1)] * 2,
                                 ("fp32", "channels_last"): [(0.8, 0.7, 0.9), (0.8, 0.75, 0.85)],
                                 ("bf16", "contiguous"): [(0.5, 0.4, 0.6), (0.6, 0.5, 1.02)],  # not clear at 128
                                 ("bf16", "channels_last"): [(0.6, 0.5, 0.7), (0.7, 0.6, 0.8)]})
    chosen = choose(measured, "resnet18", ("fp32", "bf16"))
    assert (chosen["precision"], chosen["memory_format"]) == ("bf16", "channels_last")
    assert chosen["geomean_ratio"] == (0.6 * 0.7) ** 0.5
    fp32_only = choose(measured, "resnet18", ("fp32",))
    assert (fp32_only["precision"], fp32_only["memory_format"]) == ("fp32", "channels_last")


def test_nothing_faster_beyond_the_noise_keeps_fp32_contiguous():
    measured = rows("mobilenet_v3", {("fp32", "contiguous"): [(1, 1, 1)], ("fp32", "channels_last"): [(0.95, 0.9, 1.01)],
                                     ("bf16", "contiguous"): [(1.5, 1.4, 1.6)], ("bf16", "channels_last"): [(1.6, 1.5, 1.7)]})
    assert choose(measured, "mobilenet_v3", ("fp32", "bf16")) == {"precision": "fp32", "memory_format": "contiguous",
                                                                  "geomean_ratio": 1.0}


def test_a_cell_times_every_combination_against_fp32_contiguous_in_the_same_rounds():
    assert len(combinations("resnet18")) == 4 and combinations("vit_b16") == [("fp32", "contiguous"), ("bf16", "contiguous")]
    cell = measure_cell("vit_b16", 2, {"rounds": 2, "min_round_s": 0.0})["rows"]
    assert [(row["precision"], row["memory_format"]) for row in cell] == combinations("vit_b16")
    reference = cell[0]
    assert reference["ratio"] == reference["ratio_low"] == reference["ratio_high"] == 1.0
    assert all(row["rounds"] == 2 and row["flops_per_step"] > 0 and row["images_per_s"] > 0 for row in cell)
    assert cpu_fast_path.REFERENCE == ("fp32", "contiguous")
