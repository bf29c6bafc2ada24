"""ML classification by imports, and the stage rules (with their accuracy on the hand-labelled sample)."""
from pathlib import Path

import pandas as pd

from smells.classify import AI_CLASSIFIER, classify
from smells.stages import STAGES, map_stage, words

LABELS = Path(__file__).parents[1] / "data" / "smells" / "stage_labels.csv"


def test_ml_by_imports_or_by_being_an_ml_library():
    assert classify("app", {"torch", "os"}, {"app"}, []).is_ml
    assert classify("torch", set(), {"torch"}, []).is_ml
    plain = classify("web", {"flask", "json"}, {"web"}, [AI_CLASSIFIER])
    assert not plain.is_ml and plain.ai_classifier and not plain.agrees_with_classifier
    assert classify("x", {"sklearn", "numpy"}, {"x"}, []).ml_imports == ("sklearn",)


def test_words_split_identifiers():
    assert words("DataLoader.load_csv") == ["data", "loader", "load", "csv"]
    assert words("torchvision/transforms/v2/_geometry") == ["torchvision", "transforms", "v2", "geometry"]


def test_stage_rules():
    assert map_stage("load_dataset", "", "pkg/io.py", []) == "data processing"
    assert map_stage("fit", "Trainer", "pkg/core.py", ["loss.backward", "optimizer.step"]) == "model training"
    assert map_stage("accuracy_score", "", "pkg/metrics.py", []) == "evaluation"
    assert map_stage("export", "", "pkg/onnx/export.py", []) == "model deployment"
    assert map_stage("helper", "", "pkg/misc.py", ["print"]) == "other"


def test_name_outweighs_path_and_calls():
    # The function name (weight 3) says evaluation; one call (weight 1) says training.
    assert map_stage("evaluate", "", "pkg/core.py", ["loss.backward"]) == "evaluation"


def test_ties_go_to_the_earlier_stage():
    assert STAGES.index("data processing") < STAGES.index("model training")
    assert map_stage("load_and_train", "", "pkg/x.py", []) == "data processing"


def test_labelled_sample_is_large_enough_and_valid():
    labels = pd.read_csv(LABELS, keep_default_na=False)
    assert len(labels) >= 100
    assert set(labels["stage"]) <= set(STAGES)
    assert set(labels["split"]) == {"dev", "held-out"}
    assert labels["stage"].nunique() == len(STAGES)


def test_mapping_accuracy_on_held_out_labels_beats_the_majority_label():
    labels = pd.read_csv(LABELS, keep_default_na=False)
    held = labels[labels["split"] == "held-out"]
    predicted = [map_stage(r.function if r.function != "<module>" else "", r.class_name, r.path, r.calls.split())
                 for r in held.itertuples()]
    accuracy = sum(p == t for p, t in zip(predicted, held["stage"])) / len(held)
    majority = held["stage"].value_counts().iloc[0] / len(held)
    assert accuracy > majority + 0.1, (accuracy, majority)
