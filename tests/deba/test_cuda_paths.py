"""The trainer's GPU-only paths, exercised on a CPU with the CUDA calls mocked where they would run.

The CUDA random state in checkpoints, cuDNN's mode, and out-of-memory errors as GPUs raise them: cuDNN's
and cuBLAS's plain RuntimeError, in the SGD step after the forward and backward passes, in evaluation.
"""

import pytest
import torch

from deba import checkpoint
from deba.config import TrainConfig
from deba.models import build_model, build_optimizer
from deba.train import Trainer, configure_backends, is_out_of_memory

from .conftest import epoch_rows

CUDA = torch.device("cuda", 0)


def small_trainer(tmp_path, **overrides) -> Trainer:
    values = dict(dataset="synthetic", arch="resnet18", scale="cpu", epochs=1, threads=1, out=str(tmp_path / "run"))
    values.update(overrides)
    return Trainer(TrainConfig(**values))


@pytest.fixture
def fake_cuda_generator(monkeypatch):
    """torch.cuda's generator calls answered on a CPU: the state it hands out, and what was restored."""
    state = torch.arange(16, dtype=torch.uint8)
    restored = []
    monkeypatch.setattr(torch.cuda, "get_rng_state", lambda device="cuda": state.clone())
    monkeypatch.setattr(torch.cuda, "set_rng_state", lambda new, device="cuda": restored.append((new, device)))
    return state, restored


def test_a_gpu_checkpoint_holds_the_cuda_generator_state_and_resume_restores_it(tmp_path, fake_cuda_generator):
    state, restored = fake_cuda_generator
    directory = tmp_path / "checkpoints"
    checkpoint.save(directory, {"rng": checkpoint.random_state(CUDA)}, 1)
    after_save = torch.rand(3)
    torch.manual_seed(5)  # the generator moves on, as it would before a kill
    payload = checkpoint.load_latest(directory)  # weights_only: the states are plain tensors
    checkpoint.restore_random_state(payload["rng"], CUDA)
    assert torch.equal(torch.rand(3), after_save)  # the CPU generator continues where it was saved
    assert len(restored) == 1 and torch.equal(restored[0][0], state) and restored[0][1] == CUDA
    assert restored[0][0].device.type == "cpu"


def test_the_trainer_saves_and_restores_its_devices_cuda_generator(tmp_path, fake_cuda_generator, monkeypatch):
    state, restored = fake_cuda_generator
    first = small_trainer(tmp_path, keep_checkpoints=True)
    first.device = CUDA  # everything else stays on the CPU; only the random state asks the device
    first._save_checkpoint()
    load = checkpoint.load_latest
    monkeypatch.setattr(checkpoint, "load_latest", lambda directory, map_location: load(directory, "cpu"))
    second = small_trainer(tmp_path, keep_checkpoints=True)
    second.device = CUDA
    second._restore()
    assert len(restored) == 1 and torch.equal(restored[0][0], state) and restored[0][1] == CUDA


def test_resuming_a_gpu_checkpoint_on_the_cpu_leaves_cuda_alone(tmp_path, fake_cuda_generator):
    state, restored = fake_cuda_generator
    checkpoint.restore_random_state({"cpu": torch.get_rng_state(), "cuda": state}, torch.device("cpu"))
    assert restored == []
    assert "cuda" not in checkpoint.random_state(torch.device("cpu"))


def test_configure_backends_sets_cudnn_to_the_mode_asked_for():
    cudnn, matmul = torch.backends.cudnn, torch.backends.cuda.matmul
    saved = (cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32, matmul.allow_tf32)
    try:  # flags only: setting them needs no GPU
        configure_backends(CUDA, deterministic=True)
        assert cudnn.deterministic and not cudnn.benchmark and cudnn.allow_tf32 and matmul.allow_tf32
        configure_backends(CUDA, deterministic=False)
        assert cudnn.benchmark and not cudnn.deterministic
        configure_backends(torch.device("cpu"), deterministic=True)  # nothing to set on a CPU
        assert cudnn.benchmark
    finally:
        cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32, matmul.allow_tf32 = saved


def test_the_profile_and_the_compile_benchmark_use_the_trainings_cudnn_mode(monkeypatch):
    import benchmarks.bench_compile as bench_compile
    import deba.throughput as throughput

    calls = []
    monkeypatch.setattr(throughput, "configure_backends", lambda device, deterministic: calls.append(deterministic))
    monkeypatch.setattr(bench_compile, "configure_backends", lambda device, deterministic: calls.append(deterministic))
    throughput.measure("resnet18", "cpu", [2], torch.device("cpu"), warmup_steps=0, timed_steps=1)
    bench_compile.compile_modes(torch.device("cpu"), [2], steps=1, scale="cpu", modes=("eager",))
    assert calls == [TrainConfig().deterministic] * 2


@pytest.mark.parametrize("message, expected", [
    ("CUDA out of memory. Tried to allocate 2.00 GiB", True),
    ("cuDNN error: CUDNN_STATUS_ALLOC_FAILED", True),
    ("CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`", True),
    ("mat1 and mat2 shapes cannot be multiplied", False),
])
def test_out_of_memory_is_recognised_however_the_library_reports_it(message, expected):
    assert is_out_of_memory(RuntimeError(message)) is expected
    assert is_out_of_memory(torch.OutOfMemoryError("anything"))
    assert not is_out_of_memory(ValueError("out of memory"))


def steps_fail_above(monkeypatch, max_batch: int, error: Exception) -> None:
    real_step = Trainer._train_step

    def step(self, images, labels):
        if len(labels) > max_batch:
            raise error
        return real_step(self, images, labels)

    monkeypatch.setattr(Trainer, "_train_step", step)


def test_a_cudnn_allocation_failure_takes_the_out_of_memory_fallback(tmp_path, monkeypatch):
    steps_fail_above(monkeypatch, 100, RuntimeError("cuDNN error: CUDNN_STATUS_ALLOC_FAILED"))
    summary = small_trainer(tmp_path, batch_size=128).run()
    rows = epoch_rows(tmp_path / "run")
    assert summary["status"] == "completed" and int(rows[0]["batch_size"]) == 64 and int(rows[0]["batch_cap"]) == 64


def test_other_runtime_errors_are_not_taken_for_out_of_memory(tmp_path, monkeypatch):
    steps_fail_above(monkeypatch, 100, RuntimeError("an unrelated bug"))
    with pytest.raises(RuntimeError, match="unrelated bug"):
        small_trainer(tmp_path, batch_size=128).run()


def test_a_step_that_runs_out_of_memory_in_sgd_is_not_counted_by_the_monitor(tmp_path):
    trainer = small_trainer(tmp_path, batch_size=64)
    real_step, calls = trainer.optimizer.step, []

    def step(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # as fused SGD allocating its momentum at the first step
            raise torch.OutOfMemoryError("simulated in optimizer.step")
        return real_step(*args, **kwargs)

    trainer.optimizer.step = step
    trainer.run()
    row = epoch_rows(tmp_path / "run")[0]
    # retried from the start at 32: 512 / 32 steps, each counted once (the failed one would make 17)
    assert int(row["batch_size"]) == 32 and int(row["steps"]) == 512 // 32


def test_sgd_leaves_the_gradients_the_monitor_reads_after_the_step_unchanged():
    torch.manual_seed(0)
    model = build_model("resnet18", 10, "cpu")
    optimizer = build_optimizer(model, lr=0.1)
    for _ in range(2):  # the first step creates the momentum, the second uses it
        model(torch.randn(4, 3, 32, 32)).sum().backward()
        before = [p.grad.clone() for p in model.parameters()]
        optimizer.step()
        assert all(torch.equal(p.grad, g) for p, g in zip(model.parameters(), before))


def test_evaluation_that_runs_out_of_memory_halves_its_batch_and_gives_the_same_result(tmp_path):
    trainer = small_trainer(tmp_path)
    expected = trainer.evaluate()
    forward = trainer.model.forward

    def limited(images):
        if len(images) > 100:
            raise torch.OutOfMemoryError("simulated in evaluation")
        return forward(images)

    trainer.model.forward = limited
    loss, accuracy = trainer.evaluate()
    assert trainer.eval_batch_size == 64  # 256 test images: 256 and 128 fail
    assert loss == pytest.approx(expected[0]) and accuracy == expected[1]


def test_evaluation_does_not_swallow_other_errors(tmp_path):
    trainer = small_trainer(tmp_path)

    def broken(images):
        raise RuntimeError("an unrelated bug")

    trainer.model.forward = broken
    with pytest.raises(RuntimeError, match="unrelated bug"):
        trainer.evaluate()
