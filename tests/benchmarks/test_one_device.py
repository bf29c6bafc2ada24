"""`python -m benchmarks.run` takes its device from one place: on a machine with a GPU, a CPU run stays on
the CPU (a trainer on `auto` used to pick CUDA and then get CPU data), and every benchmark gets that device."""

import pytest
import torch

import benchmarks.bench_training as training
import benchmarks.run as run


@pytest.fixture
def cuda_seems_available(monkeypatch):
    """A GPU machine, as far as device choice goes: any tensor actually put on CUDA here fails."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)


def test_a_benchmark_trainer_and_its_data_live_on_the_device_given(cuda_seems_available):
    trainer = training._small_trainer("fixed", 256, 64, torch.device("cpu"))
    assert trainer.device.type == "cpu" and trainer.dataset.train.images.device.type == "cpu"
    assert next(trainer.model.parameters()).device.type == "cpu"
    seconds = training._trainer_epoch_seconds(trainer)
    assert seconds > 0 and training._monitor_step_seconds(trainer, 64, calls=3) > 0


def test_run_passes_its_one_device_to_every_benchmark(monkeypatch, cuda_seems_available, tmp_path):
    seen = []

    def record(name, result):
        def benchmark(device, *args, **kwargs):
            seen.append((name, device))
            return result
        return benchmark

    overhead = {"trainer_s": 1.0, "bare_loop_s": 1.0, "slowdown": 0.0, "slowdown_ci": [0.0, 0.0],
                "block_slowdowns": [0.0], "deba_step_s": 1.0, "fixed_step_s": 1.0, "monitor_step_s": 0.001,
                "monitor_fraction_of_step": 0.001}
    data = {"ours_images_per_s": 2.0, "torchvision_images_per_s": 1.0, "speedup": 2.0, "speedup_ci": [2.0, 2.0]}
    monkeypatch.setattr(training, "bench_data", record("data", data))
    monkeypatch.setattr(training, "bench_trainer_overhead", record("trainer", overhead))
    monkeypatch.setattr(training, "bench_monitor_overhead", record("monitor", overhead))
    monkeypatch.setattr(training, "bench_throughput", record("throughput", {"rows": []}))
    monkeypatch.setattr(run, "RESULTS", tmp_path)
    run.main(["--quick", "--device", "cpu", "--skip", "fast_path", "compile", "smells", "workflow"])
    assert [name for name, _ in seen] == ["data", "trainer", "monitor", "throughput"]
    assert {device for _, device in seen} == {torch.device("cpu")}
