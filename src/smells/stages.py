"""Map code to ML pipeline stages by rules on names, paths and called APIs (documented in docs/smells.md).

Stages follow Zhang, Cruz and van Deursen's ML code-smell catalogue (CAIN 2022): data processing, model
training, evaluation, model deployment, and other. A scope (function, class body or module level) gets the
stage whose keywords score highest:

- each word of the enclosing function's or class's name that matches a stage keyword scores 3,
- each word of the file path (directories and file name) scores 2,
- each called API whose last name part (or module prefix) matches scores 1.

Words come from splitting identifiers on ``_``, ``.``, ``/`` and camelCase, lower-cased. A keyword matches a
word it is a prefix of (``preprocess`` matches ``preprocessing``). Ties go to the earlier stage in
``STAGES``; no match at all is ``other``. A finding takes the stage of its innermost scope, and stage shares
are normalised by the code lines each stage owns.
"""
from __future__ import annotations

import re
from functools import lru_cache

STAGES: tuple[str, ...] = ("data processing", "model training", "evaluation", "model deployment", "other")

# Keyword prefixes per stage; a word matches a keyword it starts with. Order inside a stage does not matter.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "data processing": (
        "data", "dataset", "loader", "load", "read", "parse", "preprocess", "process", "prepare", "transform",
        "clean", "token", "augment", "batch", "collate", "feature", "encod", "decod", "normaliz", "split",
        "sampl", "shuffl", "csv", "json", "image", "img", "resize", "crop", "pad", "download", "vocab",
        "text", "audio", "column", "frame", "imread", "io", "reshape", "concat", "stack", "mask", "convert",
        "filter", "impute", "scale", "interpolat",
    ),
    "model training": (
        "train", "fit", "optim", "backward", "loss", "epoch", "grad", "learn", "scheduler", "lr", "sgd",
        "adam", "regulariz", "weight", "solver", "autograd", "zero_grad", "step", "update",
        "hyperparam", "minimi", "converg", "iterat", "descent",
        # model definition is part of training in this vocabulary
        "model", "net", "network", "layer", "forward", "conv1d", "conv2d", "conv3d", "convolution",
        "classifier", "regressor", "estimator", "attention", "embedding",
    ),
    "evaluation": (
        "evaluat", "eval", "metric", "score", "accuracy", "precision", "recall", "f1", "auc", "roc",
        "validat", "confusion", "benchmark", "cross", "report", "compare", "statistic", "loglik",
        "likelihood", "perplexity", "profil", "minimizer",
    ),
    "model deployment": (
        "serve", "serving", "server", "deploy", "export", "onnx", "inference", "infer", "predict", "api",
        "endpoint", "request", "handler", "route", "jit", "script", "trace", "quantiz", "save", "serializ",
        "pickle", "torchscript", "tflite", "distributed", "rpc", "compile", "cuda", "device", "kernel",
        "launch", "runtime", "codegen", "compiler", "backend", "driver", "lowering", "inductor", "dynamo",
        "checkpoint", "safetensors",
    ),
}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")
NAME_WEIGHT, PATH_WEIGHT, CALL_WEIGHT = 3, 2, 1


def words(text: str) -> list[str]:
    """Identifier words, lower-cased: ``DataLoader.load_csv`` -> data, loader, load, csv."""
    out = []
    for chunk in _SPLIT.split(text):
        if chunk:
            out.extend(w.lower() for w in _CAMEL.sub(" ", chunk).split())
    return out


@lru_cache(maxsize=65536)
def word_stages(word: str) -> tuple[str, ...]:
    """The stages one word votes for (a word can match keywords of several stages)."""
    return tuple(stage for stage, keys in KEYWORDS.items() if any(word.startswith(k) for k in keys))


def stage_scores(name: str, class_name: str, path: str, calls: list[str]) -> dict[str, int]:
    """Score of each stage (except ``other``) for one scope."""
    scores = dict.fromkeys(KEYWORDS, 0)
    for weight, texts in ((NAME_WEIGHT, [name, class_name]), (PATH_WEIGHT, [path.removesuffix(".py")])):
        for text in texts:
            for word in set(words(text)):
                for stage in word_stages(word):
                    scores[stage] += weight
    for call in calls:
        parts = [p for p in call.split(".") if p != "*"]
        for word in set(words(parts[-1]) if parts else []) | set(words(parts[0]) if len(parts) > 1 else []):
            for stage in word_stages(word):
                scores[stage] += CALL_WEIGHT
    return scores


def map_stage(name: str, class_name: str, path: str, calls: list[str]) -> str:
    """The stage of one scope: highest score, ties to the earlier stage, nothing matched -> ``other``."""
    scores = stage_scores(name, class_name, path, calls)
    best = max(scores.values())
    if best == 0:
        return "other"
    return next(stage for stage in STAGES if scores.get(stage) == best)


def map_scopes(scopes) -> list[str]:
    """Stage of every row of a scopes DataFrame (columns name, class_name, path, calls)."""
    return [
        map_stage(row.name if row.name != "<module>" else "", row.class_name or "", row.path,
                  row.calls.split() if isinstance(row.calls, str) else [])
        for row in scopes.itertuples(index=False)
    ]
