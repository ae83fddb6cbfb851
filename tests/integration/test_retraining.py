"""`leadqual retrain`: a challenger replaces the current model only when it is measurably better."""

import json
from pathlib import Path

import pytest

from leadqual_tools.cli import main
from leadqual_tools.paths import DEFAULT_SPEC
from leadqual_training.exports import load_rows
from leadqual_training.retrain import retrain
from leadqual_training.synthetic import write_training_csv
from leadqual_training.tabular import write_rows
from leadqual_training.train import load_spec, train

FAST = ("logistic_regression",)  # the gate is what is tested here, not the model family


def _quiet(_: str) -> None:
    pass


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_training_csv(
        tmp_path_factory.mktemp("history") / "history.csv", load_spec(DEFAULT_SPEC), rows=4000, seed=7
    )


def test_a_challenger_is_promoted_only_when_it_beats_the_current_model(history: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    # GIVEN a current model trained on the first 700 leads only
    early = write_rows(load_rows(history)[:700], tmp_path / "early.csv")
    assert early == 700
    train(
        tmp_path / "early.csv",
        DEFAULT_SPEC,
        models,
        version="champion",
        progress=_quiet,
        kinds=FAST,
        promote=True,
    )
    assert (models / "CURRENT").read_text().strip() == "champion"

    # WHEN a challenger is trained on the whole history
    first = retrain([history], DEFAULT_SPEC, models, version="challenger", progress=_quiet, kinds=FAST)

    # THEN, better on the newest leads, it is promoted, and the report says by how much
    assert first.promoted and (models / "CURRENT").read_text().strip() == "challenger"
    report = json.loads((models / "challenger" / "promotion.json").read_text())
    assert report["challenger_holdout"]["roc_auc"] >= report["champion_holdout"]["roc_auc"] + 0.002
    assert report["challenger_holdout"]["rows"] == report["champion_holdout"]["rows"] > 0
    assert "promoted" in (models / "challenger" / "promotion.md").read_text()

    # WHEN the same data trains another challenger (as RevOps would run it), no better than the current
    args = [
        "retrain",
        "--data",
        str(history),
        "--out",
        str(models),
        "--version",
        "rerun",
        "--candidates",
        *FAST,
    ]
    assert main(args) == 0

    # THEN it is kept for the record but not deployed, and the report names the rule
    assert (models / "CURRENT").read_text().strip() == "challenger"
    second = json.loads((models / "rerun" / "promotion.json").read_text())
    assert not second["promoted"] and "under the 0.0020 required" in second["reason"]
    assert (models / "rerun" / "model.onnx").exists()
