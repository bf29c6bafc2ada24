"""Pricing trajectories on stored device profiles (deba.analysis.pricing): constructed runs on constructed
profiles with numbers worked out by hand, the scale-mismatch flag, the row for a missing architecture, and
each category of the predicted-speed verdict."""

import math

import pandas as pd
import pytest

from deba.analysis import claims, pricing
from deba.profiles import Profile

RUN = ["dataset", "arch", "scheduler", "variant", "seed"]


def profile(name: str, rows: dict, scale: str = "cpu", device: str = "Test GPU") -> Profile:
    """A stored profile: `rows` maps arch -> {batch size: step time}."""
    return Profile(name, {"device_name": device, "device_type": "cuda", "precision": "bf16-autocast",
                          "cudnn_mode": "deterministic, no autotuning", "torch": "2.11.0", "measured_at": "2026-12-05"},
                   [{"arch": arch, "scale": scale, "batch_size": batch, "step_time_s": time,
                     "images_per_s": batch / time} for arch, times in rows.items() for batch, time in times.items()])


# tau(b) = 1 + 0.01 b: 2 s at batch 100, 3 s at 200. Per image 0.02 s at 100 and 0.015 s at 200: ceiling 25 %.
AFFINE = {50: 1.5, 100: 2.0, 200: 3.0}
# a step costs the same at 100 and 200: per image half the price at 200, ceiling 50 %.
FLAT = {100: 1.0, 200: 1.0}


def grid(seeds=range(6), arch="resnet18", deba_batches=(100, 200, 200, 200), scale="cpu", wiggle=0.1):
    """Fixed runs at batch 100 and DEBA runs at `deba_batches` per epoch, on a 1,000-image subset (10 steps at
    100, 5 at 200): every seed alike, so every interval is a point. The baselines' loss and gradient norm move
    by `wiggle` an epoch (their stability score is 1 / (1 + wiggle))."""
    signals = {"grad_var": 1e-4, "grad_norm_variation": wiggle, "loss_variation": wiggle}
    runs, epochs = [], []
    for seed in seeds:
        for scheduler, batches in (("fixed", (100,) * len(deba_batches)), ("deba", deba_batches)):
            key = {"dataset": "synthetic", "arch": arch, "scheduler": scheduler, "variant": "main", "seed": seed}
            runs.append({**key, "status": "completed", "scale": scale, "batch_size": 100, "max_batch": 200,
                         "train_time_s": 40.0 if scheduler == "fixed" else 30.0,
                         "num_batch_changes": len(set(batches)) - 1,
                         "batch_size_trajectory": " ".join(map(str, batches))})
            epochs += [{**key, "epoch": epoch + 1, "batch_size": batch, "steps": 1000 // batch, **signals}
                       for epoch, batch in enumerate(batches)]
    return pd.DataFrame(runs), pd.DataFrame(epochs)


def deba_row(table: pd.DataFrame, profile_name: str) -> pd.Series:
    rows = table[(table["scheduler"] == "deba") & (table["profile"] == profile_name)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_a_trajectory_is_priced_on_a_profile_as_worked_out_by_hand():
    runs, epochs = grid(deba_batches=(100, 200))
    table, _ = pricing.price(runs, epochs, [profile("affine", {"resnet18": AFFINE})], n_resamples=200)
    row = deba_row(table, "affine")
    # fixed: 2 epochs x 10 steps x 2 s = 40 s; DEBA: 10 x 2 s + 5 x 3 s = 35 s; same 2,000 images
    assert row["predicted_speedup"] == pytest.approx(1 - 35 / 40)
    assert (row["predicted_speedup_low"], row["predicted_speedup_high"]) == pytest.approx((0.125, 0.125))
    assert row["images_skipped"] == pytest.approx(0.0) and row["utilization_speedup"] == pytest.approx(0.125)
    assert row["measured_speedup"] == pytest.approx(0.25)  # 30 s against 40 s: the runs' own timing, beside
    assert row["speedup_ceiling"] == pytest.approx(0.25) and row["best_batch"] == 200
    assert (row["start_batch"], row["max_batch"]) == (100, 200)
    assert row["n_pairs"] == 6 and row["n_changed"] == 6
    assert (row["profiled_batch_min"], row["profiled_batch_max"], row["extrapolated"]) == (50, 200, False)
    assert row["device"] == "Test GPU (bf16-autocast)" and not row["scale_differs"] and row["note"] == ""
    assert list(table.columns) == pricing.COLUMNS


def test_skipped_images_and_extrapolation_are_shown():
    # batch 300 drops 100 of 1,000 images an epoch (3 steps) and lies beyond the profiled 200
    runs, epochs = grid(deba_batches=(100, 300))
    row = deba_row(pricing.price(runs, epochs, [profile("affine", {"resnet18": AFFINE})], n_resamples=200)[0],
                   "affine")
    assert row["images_skipped"] == pytest.approx(1 - 1900 / 2000)
    # tau(300) = 4 s by linear extrapolation: 10 x 2 + 3 x 4 = 32 s against 40 s
    assert row["predicted_speedup"] == pytest.approx(1 - 32 / 40) and row["extrapolated"]


def test_a_profile_at_another_scale_prices_the_runs_and_every_row_says_so():
    runs, epochs = grid(deba_batches=(100, 200))
    table, predicted = pricing.price(runs, epochs, [profile("paper-gpu", {"resnet18": AFFINE}, scale="paper")],
                                     n_resamples=200)
    row = deba_row(table, "paper-gpu")
    assert (row["profile_scale"], row["run_scale"], bool(row["scale_differs"])) == ("paper", "cpu", True)
    assert row["predicted_speedup"] == pytest.approx(0.125)
    assert predicted["scale_differs"].all()
    assert all("(paper scale, runs at cpu scale)" in text for text in predicted["statement"])


def test_a_profile_without_the_architecture_gets_a_row_saying_so():
    runs, epochs = grid(deba_batches=(100, 200))
    table, predicted = pricing.price(runs, epochs, [profile("vit-only", {"vit_b16": AFFINE})], n_resamples=200)
    row = deba_row(table, "vit-only")
    assert row["note"] == pricing.NO_ROWS and row["n_pairs"] == 0 and math.isnan(row["predicted_speedup"])
    resnet = predicted.set_index("id").loc["resnet18-speedup"]
    assert resnet["verdict"] == claims.NOT_TESTABLE_DEVICE and "no rows" in resnet["reason"]


def verdict(runs, epochs, rows, claim="resnet18-speedup") -> pd.Series:
    _, predicted = pricing.price(runs, epochs, [profile("gpu", rows)], n_resamples=200)
    return predicted.set_index("id").loc[claim]


def test_each_predicted_verdict_category():
    # DEBA at 200 from epoch 2: 10 + 3 x 5 = 25 steps of 1 s against 40: 37.5 %, inside ResNet-18's 36-43 %
    supported = verdict(*grid(), {"resnet18": FLAT})
    assert supported["verdict"] == claims.SUPPORTED and supported["predicted_speedup"] == pytest.approx(0.375)
    assert supported["statement"] == ("predicted on Test GPU (bf16-autocast), profile gpu (cpu scale): supported, "
                                      "ceiling 50.0%")
    # from epoch 3 only: 20 + 2 x 5 = 30 against 40: 25 %, below the claimed range
    assert verdict(*grid(deba_batches=(100, 100, 200, 200)), {"resnet18": FLAT})["verdict"] == claims.NOT_SUPPORTED
    # the affine profile allows at most 25 % in a fixed number of epochs, below 36 %
    capped = verdict(*grid(), {"resnet18": AFFINE})
    assert capped["verdict"] == claims.NOT_TESTABLE_DEVICE and capped["speedup_ceiling"] == pytest.approx(0.25)
    assert capped["statement"].endswith("not testable on this device, ceiling 25.0%")
    assert verdict(*grid(seeds=range(3)), {"resnet18": FLAT})["verdict"] == claims.NOT_TESTABLE_SCALE  # 3 < 5 pairs
    assert verdict(*grid(seeds=range(1)), {"resnet18": FLAT})["verdict"] == claims.INCONCLUSIVE  # no interval
    kept = verdict(*grid(deba_batches=(100,) * 4), {"resnet18": FLAT})
    assert kept["verdict"] == claims.NOT_EXERCISED
    not_run = verdict(*grid(), {"resnet18": FLAT}, claim="vit-speedup")
    assert not_run["verdict"] == claims.NOT_RUN and not_run["reason"] == "the grid trains none of these architectures"


def test_deba_is_charged_with_its_characterization_runs_priced_alike():
    # six DEBA runs of 25 s (FLAT profile) against six fixed runs of 40 s; the thresholds come from those six
    # fixed runs, 240 s: charged = 1 - (240 + 150) / 240, and 240 / 15 s saved a run = 16 runs to break even
    row = deba_row(pricing.price(*grid(), [profile("gpu", {"resnet18": FLAT})], n_resamples=200)[0], "gpu")
    assert row["charged_speedup"] == pytest.approx(1 - (240 + 150) / 240)
    assert row["break_even_runs"] == pytest.approx(240 / 15)
    slower = deba_row(pricing.price(*grid(deba_batches=(100, 100, 100, 100)), [profile("gpu", {"resnet18": FLAT})],
                                    n_resamples=200)[0], "gpu")
    assert slower["break_even_runs"] == math.inf  # no saving: a characterization never pays for itself


def test_the_predictive_claim_is_judged_on_the_priced_speedup_per_profile():
    # five cells whose baselines are less stable the later DEBA grows there: the priced speedup falls with
    # instability, so rho > 0 (the paper's claim is rho < 0)
    cells = [grid(arch=arch, deba_batches=batches, wiggle=wiggle) for arch, batches, wiggle in (
        ("resnet18", (100, 200, 200, 200), 0.1), ("resnet50", (100, 100, 200, 200), 0.2),
        ("densenet121", (100, 100, 100, 200), 0.3), ("mobilenet_v3", (100, 200, 200, 200), 0.05),
        ("efficientnet_b0", (100, 100, 200, 200), 0.15))]
    runs, epochs = (pd.concat(tables, ignore_index=True) for tables in zip(*cells))
    flat = {arch: FLAT for arch in ("resnet18", "resnet50", "densenet121", "mobilenet_v3", "efficientnet_b0")}
    row = verdict(runs, epochs, flat, claim="predictive")
    assert row["n_cells"] == 5 and row["rho"] > 0
    assert row["verdict"] in (claims.NOT_SUPPORTED, claims.INCONCLUSIVE)  # ties: p need not reach 0.05
    few = verdict(*grid(), {"resnet18": FLAT}, claim="predictive")
    assert few["verdict"] == claims.NOT_TESTABLE_SCALE and few["n_cells"] == 1
    unpriced = verdict(*grid(), {"vit_b16": FLAT}, claim="predictive")
    assert unpriced["verdict"] == claims.NOT_TESTABLE_DEVICE


def test_the_claims_are_plain_text_with_plain_numbers():
    _, predicted = pricing.price(*grid(), [profile("gpu", {"resnet18": FLAT})], n_resamples=200)
    assert list(predicted.columns) == pricing.CLAIM_COLUMNS
    assert list(predicted["id"]) == [claim[0] for claim in claims.RANGE_CLAIMS if claim[3] == "speedup"] + [
        "predictive"]
    assert not predicted.astype(str).apply(lambda column: column.str.contains(r"\\|\$|--")).any().any()
    assert predicted.set_index("id").loc["resnet18-speedup", "claim"] == "ResNet-18: 36-43% speedup"


def test_no_profile_gives_empty_tables_with_their_columns():
    table, predicted = pricing.price(*grid(), [], n_resamples=200)
    assert table.empty and list(table.columns) == pricing.COLUMNS
    assert predicted.empty and list(predicted.columns) == pricing.CLAIM_COLUMNS


def test_a_verdict_resting_on_part_of_a_claims_architectures_names_the_unpriced_ones():
    light_cnns = [grid(arch=arch) for arch in ("mobilenet_v3", "densenet121")]
    runs, epochs = (pd.concat(tables, ignore_index=True) for tables in zip(*light_cnns))
    light = verdict(runs, epochs, {"densenet121": FLAT}, claim="light-speedup")
    assert light["n"] == 6 and light["reason"].endswith("not priced (no profile rows at this scale): mobilenet_v3")
    assert "not priced" not in verdict(runs, epochs, {"densenet121": FLAT, "mobilenet_v3": FLAT},
                                       claim="light-speedup")["reason"]
