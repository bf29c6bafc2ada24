"""deba.cost charges DEBA with its characterization: the fixed-batch runs of each cell its thresholds come from."""

import pandas as pd
import pytest

from deba.cost import by_architecture, markdown


def test_deba_is_charged_with_the_baselines_of_its_cells_only():
    runs = pd.DataFrame([
        # resnet18: two fixed seeds (the characterization), two DEBA runs, one comparator, one A/A repeat
        *({"dataset": "digits", "arch": "resnet18", "scheduler": "fixed", "variant": "main", "seed": s, "total_s": 3600}
          for s in (0, 1)),
        *({"dataset": "digits", "arch": "resnet18", "scheduler": "deba", "variant": "main", "seed": s, "total_s": 1800}
          for s in (0, 1)),
        {"dataset": "digits", "arch": "resnet18", "scheduler": "adabatch", "variant": "main", "seed": 0,
         "total_s": 900},
        {"dataset": "digits", "arch": "resnet18", "scheduler": "fixed", "variant": "repeat", "seed": 0,
         "total_s": 3600},
        # mobilenet_v3: no DEBA runs, so nothing of it is charged
        {"dataset": "digits", "arch": "mobilenet_v3", "scheduler": "fixed", "variant": "main", "seed": 0,
         "total_s": 7200}])
    runs = runs.assign(train_s=runs["total_s"], eval_s=0.0, start_batch=64)
    table = by_architecture(runs).set_index("arch")
    assert table.loc["resnet18", "deba_hours"] == pytest.approx(1.0)
    assert table.loc["resnet18", "deba_with_characterization_hours"] == pytest.approx(1.0 + 2.0)
    assert table.loc["mobilenet_v3", "deba_with_characterization_hours"] == 0
    assert table.loc["total", "device_hours"] == pytest.approx(2.0 + 1.0 + 0.25 + 1.0 + 2.0)  # baselines counted once
    text = markdown(table.reset_index(), runs, pd.DataFrame({"arch": ["resnet18"], "batch_size": [64]}), "cpu", "c")
    assert "DEBA h with characterization" in text and "fixed-batch runs (every seed)" in text
