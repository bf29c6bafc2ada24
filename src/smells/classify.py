"""ML vs non-ML, by the study's criterion: a project is ML when its own code imports an ML library.

The list below is the documented criterion (docs/smells.md). A project that *is* one of these libraries is
ML too (torch does not import another ML library, but it is one). The PyPI trove classifier
"Topic :: Scientific/Engineering :: Artificial Intelligence" is a cross-check only; disagreements are listed.
"""
from __future__ import annotations

from dataclasses import dataclass

# Top-level import names of machine-learning libraries (modelling, training or inference frameworks and
# their domain toolkits for image, NLP, audio and reinforcement learning).
ML_LIBRARIES: frozenset[str] = frozenset({
    # general frameworks
    "torch", "tensorflow", "keras", "jax", "flax", "optax", "haiku", "mxnet", "paddle", "theano", "caffe",
    "chainer", "cntk", "sklearn", "xgboost", "lightgbm", "catboost", "onnx", "onnxruntime", "tflite_runtime",
    "pytorch_lightning", "lightning", "fastai", "skorch", "torchmetrics",
    # image / video
    "torchvision", "timm", "kornia", "detectron2", "mmcv", "mmdet", "ultralytics", "segmentation_models_pytorch",
    # NLP
    "transformers", "sentence_transformers", "spacy", "nltk", "gensim", "allennlp", "flair", "fairseq",
    "torchtext", "tokenizers", "peft",
    # audio
    "torchaudio", "speechbrain", "librosa", "asteroid",
    # reinforcement learning
    "gym", "gymnasium", "stable_baselines3", "sb3_contrib", "tianshou", "rllib", "pettingzoo",
})

AI_CLASSIFIER = "Topic :: Scientific/Engineering :: Artificial Intelligence"


@dataclass(frozen=True)
class Classification:
    """The group of one project and the evidence for it."""

    project: str
    is_ml: bool
    ml_imports: tuple[str, ...]  # ML libraries the project's own code imports (or provides)
    ai_classifier: bool  # has the PyPI AI trove classifier

    @property
    def group(self) -> str:
        return "ML" if self.is_ml else "non-ML"

    @property
    def agrees_with_classifier(self) -> bool:
        return self.is_ml == self.ai_classifier


def classify(project: str, imports: set[str], top_levels: set[str], classifiers: list[str]) -> Classification:
    """Classify one project from the modules its code imports and the top-level modules it provides."""
    evidence = sorted((imports | top_levels) & ML_LIBRARIES)
    return Classification(
        project=project,
        is_ml=bool(evidence),
        ml_imports=tuple(evidence),
        ai_classifier=any(c.strip().startswith(AI_CLASSIFIER) for c in classifiers),
    )
