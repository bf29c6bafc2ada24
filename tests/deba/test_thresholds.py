"""Thresholds: derived as medians of the reference epochs; files validated with clear errors."""

import json

import pytest

from deba.thresholds import Thresholds, ThresholdsError, derive_thresholds


def test_derive_uses_medians_and_skips_missing_and_nonfinite_values():
    rows = [{"grad_var": 1.0, "grad_norm_variation": None, "loss_variation": None},
            {"grad_var": 3.0, "grad_norm_variation": 0.2, "loss_variation": float("nan")},
            {"grad_var": 2.0, "grad_norm_variation": 0.4, "loss_variation": 0.1}]
    assert derive_thresholds(rows).as_dict() == {"grad_var": 2.0, "grad_norm_variation": 0.30000000000000004,
                                                 "loss_variation": 0.1}


def test_derive_refuses_rows_without_a_signal():
    with pytest.raises(ThresholdsError, match="loss_variation"):
        derive_thresholds([{"grad_var": 1.0, "grad_norm_variation": 0.1, "loss_variation": None}])


def test_file_round_trip(tmp_path):
    path = tmp_path / "t.json"
    Thresholds(1.0, 0.2, 0.3, source="x").write(path)
    assert Thresholds.read(path).as_dict() == {"grad_var": 1.0, "grad_norm_variation": 0.2, "loss_variation": 0.3}


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    ("{not json", "not readable JSON"),
    ("[1, 2]", "JSON object"),
    (json.dumps({"grad_var": 1, "loss_variation": 1}), r"lacks key\(s\) \['grad_norm_variation'\]"),
    (json.dumps({"grad_var": -1, "grad_norm_variation": 1, "loss_variation": 1}), "grad_var=-1"),
    (json.dumps({"grad_var": "a", "grad_norm_variation": 1, "loss_variation": 1}), "grad_var='a'"),
])
def test_bad_files_name_the_file_and_the_problem(tmp_path, content, message):
    path = tmp_path / "thresholds.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ThresholdsError, match=message) as error:
        Thresholds.read(path)
    assert str(path) in str(error.value)
