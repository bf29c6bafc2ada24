"""`deba-train`: train one run and leave a self-describing result folder (docs/results.md).

    deba-train --dataset digits --arch resnet18 --scale cpu --scheduler deba --epochs 15 --seed 0 --out runs/x

Every flag maps to a `TrainConfig` field; bad values fail here, before any data is loaded or model built,
with a message that names the flag and what is allowed. Exit status: 0 for a finished run (also a
`diverged` one, so a grid goes on), 1 when `--device cuda` finds no GPU (within seconds, before any data is
loaded; the message names the host), 2 for bad input, 75 after SIGTERM (checkpoint written; rerun with
`--resume`).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path

from .config import (ARCHITECTURES, COMPILE_MODES, DATASETS, DEBA_RULES, DEFAULT_LR, DEFAULT_WINDOW, DEVICES,
                     GRAD_VAR_SCALINGS, LR_SCALINGS, LR_SCHEDULES, MEMORY_FORMATS, PRECISIONS, ROLLBACK_FLOORS,
                     RULE_ROLLBACK_FLOOR, SCALES, SCHEDULERS, THRESHOLD_REFERENCES, VIT_INPUTS, ConfigError,
                     TrainConfig, parse_window)

DEFAULTS = TrainConfig()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deba-train", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    experiment = parser.add_argument_group("experiment")
    experiment.add_argument("--dataset", choices=DATASETS, default=DEFAULTS.dataset)
    experiment.add_argument("--arch", choices=ARCHITECTURES, default=DEFAULTS.arch)
    experiment.add_argument("--scheduler", choices=SCHEDULERS, default=DEFAULTS.scheduler)
    experiment.add_argument("--variant", default=DEFAULTS.variant, help="a name for this setting (ablations)")
    experiment.add_argument("--epochs", type=int, default=DEFAULTS.epochs)
    experiment.add_argument("--seed", type=int, default=DEFAULTS.seed)
    experiment.add_argument("--scale", choices=SCALES, default=DEFAULTS.scale,
                            help="paper: full-size networks; cpu: reduced width/depth")
    experiment.add_argument("--out", required=True, help="result folder")
    experiment.add_argument("--resume", action="store_true", help="continue from the newest good checkpoint")

    data = parser.add_argument_group("data")
    data.add_argument("--data-root", help="folder holding CIFAR (torchvision layout or train/<class>/ images)")
    data.add_argument("--train-subset", type=int, help="use a stratified subset of this many training images")
    data.add_argument("--test-subset", type=int, help="use a stratified subset of this many test images")
    data.add_argument("--vit-input", choices=VIT_INPUTS, default=DEFAULTS.vit_input)

    optimizer = parser.add_argument_group("optimizer")
    optimizer.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size, help="initial batch size")
    optimizer.add_argument("--lr", type=float, help="initial learning rate (default: the architecture's, "
                           + ", ".join(f"{arch} {lr:g}" for arch, lr in DEFAULT_LR.items()) + ")")
    optimizer.add_argument("--lr-schedule", choices=LR_SCHEDULES, default=DEFAULTS.lr_schedule)
    optimizer.add_argument("--warmup-epochs", type=int, default=DEFAULTS.warmup_epochs)
    optimizer.add_argument("--label-smoothing", type=float, default=DEFAULTS.label_smoothing,
                           help="label smoothing of the training loss")
    optimizer.add_argument("--lr-scaling", choices=LR_SCALINGS, default=DEFAULTS.lr_scaling,
                           help="scale the learning rate with batch / initial batch (none: a choice of ours)")

    batch = parser.add_argument_group("batch-size scheduling")
    batch.add_argument("--min-batch", type=int, default=DEFAULTS.min_batch)
    batch.add_argument("--max-batch", type=int, default=DEFAULTS.max_batch)
    batch.add_argument("--window", default=str(DEFAULTS.window), help="sliding window in epochs, or 'full'")
    batch.add_argument("--cooldown", type=int, default=DEFAULTS.cooldown)
    batch.add_argument("--min-history", type=int,
                       help="epochs of signals before DEBA's first decision (default: the window; "
                            f"{DEFAULT_WINDOW} for full)")
    batch.add_argument("--deba-rule", choices=DEBA_RULES, default=DEFAULTS.deba_rule,
                       help="DEBA's decision rule (docs/deba.md: The decision rule)")
    batch.add_argument("--threshold-quantile", type=float, default=DEFAULTS.threshold_quantile,
                       help="the baseline quantile DEBA's thresholds sit at")
    batch.add_argument("--significance", type=float, default=DEFAULTS.significance,
                       help="windowed rule: level of each signal's sign test over the window")
    batch.add_argument("--instability-factor", type=float, default=DEFAULTS.instability_factor,
                       help="legacy rule: unstable above this multiple of a threshold")
    batch.add_argument("--rollback-floor", choices=ROLLBACK_FLOORS,
                       help="how far DEBA may roll back (default: the rule's own; "
                            + ", ".join(f"{rule}: {floor}" for rule, floor in RULE_ROLLBACK_FLOOR.items()) + ")")
    batch.add_argument("--grad-var-scaling", choices=GRAD_VAR_SCALINGS, default=DEFAULTS.grad_var_scaling,
                       help="judge gradient variance as measured, or times batch / initial batch")
    batch.add_argument("--threshold-reference", choices=THRESHOLD_REFERENCES, default=DEFAULTS.threshold_reference,
                       help="judge an epoch against all baseline epochs, or the baseline's same epoch")
    batch.add_argument("--thresholds", help="JSON thresholds from the characterization step")
    batch.add_argument("--calibration-epochs", type=int, default=DEFAULTS.calibration_epochs,
                       help="without --thresholds: epochs to calibrate DEBA's thresholds on")
    batch.add_argument("--adabatch-interval", type=int, default=DEFAULTS.adabatch_interval)
    batch.add_argument("--smith-factor", type=float, default=DEFAULTS.smith_factor)
    batch.add_argument("--target-acc", type=float, help="test accuracy for time-to-target (default per dataset)")

    system = parser.add_argument_group("system")
    system.add_argument("--device", choices=DEVICES, default=DEFAULTS.device)
    system.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice)")
    system.add_argument("--compile", choices=COMPILE_MODES, default=DEFAULTS.compile)
    system.add_argument("--precision", choices=PRECISIONS, default=DEFAULTS.precision,
                        help="fp32, bf16 autocast, or auto: bf16 on a GPU, the CPU table's choice (deba.fast_path)")
    system.add_argument("--memory-format", choices=MEMORY_FORMATS, default=DEFAULTS.memory_format,
                        help="contiguous, channels_last (CNNs), or auto (deba.fast_path)")
    system.add_argument("--nondeterministic", action="store_true", help="allow cuDNN autotuning on GPU")
    system.add_argument("--keep-checkpoints", action="store_true")
    system.add_argument("--quiet", action="store_true", help="log warnings only")
    return parser


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    values = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if hasattr(args, f.name)}
    values["window"] = parse_window(args.window)
    values["deterministic"] = not args.nondeterministic
    config = TrainConfig(**values).validate()
    if config.data_root is not None and not Path(config.data_root).is_dir():
        raise ConfigError(f"data_root={config.data_root!r} does not exist or is not a folder")
    if config.thresholds is not None:
        from .thresholds import Thresholds

        Thresholds.read(config.thresholds)  # fails now, naming the file, rather than after data loading
    return config


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except (ConfigError, ValueError) as error:
        parser.error(str(error))
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    from .device import NoGPUError
    from .train import EXIT_PREEMPTED, Preempted, train  # torch is imported only once input is valid

    try:
        summary = train(config, resume=args.resume)
    except Preempted:
        return EXIT_PREEMPTED
    except NoGPUError as error:
        print(f"deba-train: error: {error}", file=sys.stderr)
        return 1
    except (FileExistsError, ValueError) as error:
        print(f"deba-train: error: {error}", file=sys.stderr)
        return 2
    logging.getLogger("deba").info("%s: status %s, final test accuracy %.4f, training time %.1f s",
                                   config.out, summary["status"], summary["final_test_acc"] or float("nan"),
                                   summary["train_time_s"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
