"""Speed and overhead measurements; `python -m benchmarks.run` writes benchmarks/results/."""
