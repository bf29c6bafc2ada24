"""The GPU check (`bash benchmarks/gpu_check.sh`): what one short lease of a GPU machine should bring back.

Sections, in the order of their value, each in its own process with its own time budget and its own file
(gpu_check.sh runs them; `python -m benchmarks.gpu_check SECTION` is one):

1. `environment` (environment.json): versions, device, clocks, achieved matmul rate, kernel launch cost;
2. `throughput` (throughput.json, profile.json): the stored throughput profile of all six architectures at
   paper and cpu scale (`deba.profiles`), the price list every trajectory is priced on;
3. `pair` (pair.json): a real CIFAR-10 ResNet-18 pair through the trainer, fixed then DEBA, per-epoch times;
4. `anatomy` (anatomy.json): a step's time split: monitor, cuDNN mode, CUDA graphs, data;
5. `compile` (compile.json): eager against torch.compile while the batch size changes.

A section that fails, overruns or is killed loses only itself (`section.Section`). `--quick` shrinks every
section so the whole check runs on a CPU: the rehearsal CI runs in an environment like the device's.
"""

# The sections in the order they run (gpu_check.sh lists them again with their budgets: bash cannot import this;
# tests/benchmarks/test_gpu_check.py keeps the two in step).
SECTIONS = ("environment", "throughput", "pair", "anatomy", "compile")
