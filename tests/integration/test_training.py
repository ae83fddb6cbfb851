"""`leadqual train | evaluate | score` on real files, as a RevOps lead would run them."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from leadqual.adapters.onnx_model import OnnxModel
from leadqual.domain.features.matrix import FeatureMatrix
from leadqual_tools.cli import main
from leadqual_tools.paths import DEFAULT_ARTIFACTS, DEFAULT_SPEC
from leadqual_training.synthetic import write_crm_export, write_training_csv
from leadqual_training.train import TrainingDataError, load_spec, train

CRM_SPEC = DEFAULT_SPEC.parent / "example_crm_export.yaml"
SHIPPED = (DEFAULT_ARTIFACTS / "CURRENT").read_text().strip()


def _quiet(_: str) -> None:
    pass


@pytest.fixture(scope="module")
def crm_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_crm_export(tmp_path_factory.mktemp("crm") / "lead_report.csv", rows=3000)


def _close(fresh: object, shipped: object, where: str, tolerance: float = 1e-9) -> None:
    """Equal structure and text; numbers equal within a tolerance (training floats differ in the last
    bit from one CPU to another, and the card rounds its figures to four places)."""
    if isinstance(shipped, dict):
        assert isinstance(fresh, dict) and fresh.keys() == shipped.keys(), where
        for key in shipped:
            _close(fresh[key], shipped[key], f"{where}.{key}", tolerance)
    elif isinstance(shipped, list):
        assert isinstance(fresh, list) and len(fresh) == len(shipped), where
        for index, (a, b) in enumerate(zip(fresh, shipped, strict=True)):
            _close(a, b, f"{where}[{index}]", tolerance)
    elif isinstance(shipped, float) and not isinstance(shipped, bool):
        assert fresh == pytest.approx(shipped, rel=1e-6, abs=tolerance), where
    else:
        assert fresh == shipped, where


def test_training_on_the_bundled_data_reproduces_the_shipped_model(tmp_path: Path) -> None:
    # GIVEN the bundled synthetic history, generated again from its seed
    data = write_training_csv(tmp_path / "synthetic_leads.csv", load_spec(DEFAULT_SPEC))
    # WHEN it is trained with the shipped version's name
    result = train(data, DEFAULT_SPEC, tmp_path / "models", version=SHIPPED, progress=_quiet)
    shipped_dir = DEFAULT_ARTIFACTS / SHIPPED
    # THEN its fitted specification, scoring profile and card metrics are the shipped ones
    for name in ("feature_spec.json", "scoring_profile.json"):
        _close(
            json.loads((result.directory / name).read_text()),
            json.loads((shipped_dir / name).read_text()),
            name,
        )
    shipped_card = json.loads((shipped_dir / "model_card.json").read_text())
    for section in ("holdout", "baseline", "model", "reference"):
        _close(result.card[section], shipped_card[section], f"card.{section}", tolerance=1e-4)
    # AND both models give every lead the same probability and the same per-term contributions,
    # compared by value, not by bytes: another CPU may round the last bit of a split differently
    fresh, shipped = OnnxModel(result.directory), OnnxModel(shipped_dir)
    with data.open(newline="") as handle:
        rows = list(csv.DictReader(handle))[:2000]
    features = FeatureMatrix(shipped.spec).build(rows)
    ours, theirs = fresh.predict(features), shipped.predict(features)
    assert np.abs(ours.probability - theirs.probability).max() <= 1e-6
    assert np.abs(ours.contributions - theirs.contributions).max() <= 1e-5
    # AND the card compares the chosen model with the logistic-regression baseline
    card = result.card
    assert card["baseline"]["kind"] == "logistic_regression"
    assert card["model"]["kind"] in card["model"]["cv_roc_auc"]
    assert "baseline" in card["comparison"]
    assert card["onnx_parity_max_abs_diff"] <= 1e-5
    # AND beside it, the unconstrained trees on the same holdout: the price of exact reasons
    assert card["reference"]["kind"] == "unconstrained_gbm"
    assert set(card["reference"]["price_of_exact_reasons"]) == {"roc_auc", "brier"}
    assert "The price of exact reasons" in (result.directory / "model_card.md").read_text()
    assert "lead_quality" in card["data"]["excluded_columns"]


def test_a_differently_shaped_export_trains_evaluates_and_scores(
    crm_export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a CRM report with its own column names, described only by a feature specification
    models = tmp_path / "models"
    # WHEN the same three commands run on it
    assert main(["train", "--data", str(crm_export), "--spec", str(CRM_SPEC), "--out", str(models),
                 "--version", "crm-1"]) == 0  # fmt: skip
    trained = capsys.readouterr().out
    assert main(["evaluate", "--model", str(models / "crm-1"), "--data", str(crm_export),
                 "--report", str(tmp_path / "evaluation.json")]) == 0  # fmt: skip
    assert main(["score", "--model", str(models / "crm-1"), "--data", str(crm_export),
                 "--out", str(tmp_path / "scores.csv")]) == 0  # fmt: skip

    # THEN training showed its progress and left out leads whose outcome is still open
    assert "cross-validated ROC AUC" in trained and "not decided yet" in trained
    card = json.loads((models / "crm-1" / "model_card.json").read_text())
    assert card["data"]["rows"] < 3000
    assert card["holdout"]["roc_auc"] > 0.65
    assert "Rating" in card["data"]["excluded_columns"]
    # (no leak warning; one saying that a model of this layout back-tests but is never deployed)
    assert len(card["warnings"]) == 1 and "cannot be deployed" in card["warnings"][0]
    # AND the evaluation reports the card's metrics and whether high grades convert
    report = json.loads((tmp_path / "evaluation.json").read_text())
    assert {"roc_auc", "pr_auc", "brier", "calibration_error", "lift_by_decile"} <= set(report)
    rates = {g["grade"]: g["conversion_rate"] for g in report["conversion_by_grade"]}
    assert rates["A"] > rates["D"]
    assert (tmp_path / "evaluation.md").read_text().startswith("# Evaluation of model crm-1")
    # AND every lead of the export is scored, with its own id, grade, sub-scores and reasons
    with (tmp_path / "scores.csv").open() as handle:
        scored = list(csv.DictReader(handle))
    assert len(scored) == 3000 and scored[0]["Lead ID"] == "00Q000000000"
    assert {s["grade"] for s in scored} == {"A", "B", "C", "D"}
    assert all(0 <= int(s["fit"]) <= 100 for s in scored)
    assert any("Pricing page visits" in s["top_positive_reasons"] for s in scored)


def test_an_excel_export_in_semicolons_trains_and_training_never_changes_what_serves_by_itself(
    crm_export: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the CRM report saved by Excel as "CSV (semicolon)", UTF-8 with a BOM
    with crm_export.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    european = tmp_path / "lead_report.csv"
    with european.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    models = tmp_path / "models"
    models.mkdir()
    (models / "CURRENT").write_text("champion\n")
    fast = ["--candidates", "logistic_regression"]
    # WHEN it is trained without being asked to promote
    assert main(["train", "--data", str(european), "--spec", str(CRM_SPEC), "--out", str(models),
                 "--version", "crm-1", *fast]) == 0  # fmt: skip
    # THEN the file was read as it is, and the card says how, and how the split was made and why
    out = capsys.readouterr().out
    assert "semicolon-separated, utf-8 (with BOM)" in out
    card = json.loads((models / "crm-1" / "model_card.json").read_text())
    assert card["data"]["read_as"] == {"delimiter": "semicolon", "encoding": "utf-8 (with BOM)"}
    assert card["data"]["split_reason"].startswith("time-ordered by Created Date")
    assert "Split: time-ordered by Created Date" in (models / "crm-1" / "model_card.md").read_text()
    # AND what serves did not change
    assert (models / "CURRENT").read_text() == "champion\n"
    assert "not promoted, CURRENT stays champion" in out
    # WHEN it is asked to promote a model live leads cannot be scored with (another layout's columns)
    assert main(["train", "--data", str(european), "--spec", str(CRM_SPEC), "--out", str(models),
                 "--version", "crm-2", "--promote", *fast]) == 2  # fmt: skip
    assert main(["promote", "--out", str(models), "--version", "crm-1"]) == 2
    # THEN it is written, never promoted, and the refusal says why
    assert (models / "crm-2" / "model.onnx").exists()
    assert (models / "CURRENT").read_text() == "champion\n"
    said = capsys.readouterr()
    assert "NOT promoted: model crm-2 cannot be deployed" in said.out
    assert "NOT READY TO DEPLOY\n  - live leads cannot be scored with it" in said.out
    assert "cannot promote: model crm-1 cannot be deployed" in said.err


def test_a_model_of_leadqual_own_records_is_promoted_when_asked(tmp_path: Path) -> None:
    data = write_training_csv(tmp_path / "history.csv", load_spec(DEFAULT_SPEC), rows=3000)
    models = tmp_path / "models"
    result = train(data, DEFAULT_SPEC, models, version="v1", progress=_quiet,
                   kinds=("logistic_regression",), promote=True)  # fmt: skip
    assert result.promoted and (models / "CURRENT").read_text() == "v1\n"
    # AND before anyone deploys it, the card says it is ready, from a back-test on the newest leads
    verdict = result.card["readiness"]
    assert verdict["ready"] and verdict["reasons"] == [], verdict
    assert verdict["history"]["anchors"] == {"Salesforce Einstein": True, "Dynamics 365": True}
    assert verdict["backtest"].startswith("back-test on the 600 newest leads")
    assert (models / "v1" / "model_card.md").read_text().count("**Ready to deploy.**") == 1


def test_a_random_split_is_said_to_be_one_with_what_it_costs(crm_export: Path, tmp_path: Path) -> None:
    untimed = _spec_variant(tmp_path, {"time_column": None})
    result = train(crm_export, untimed, tmp_path / "m", version="untimed", progress=_quiet,
                   kinds=("logistic_regression",))  # fmt: skip
    assert result.card["data"]["split"] == "random"
    assert result.card["data"]["split_reason"].startswith("random (seeded): the specification names no time")


def _spec_variant(tmp_path: Path, change: dict[str, object]) -> Path:
    spec = yaml.safe_load(CRM_SPEC.read_text())
    spec.update(change)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def _with_post_contact_columns(export: Path, out: Path) -> Path:
    """The export plus two columns sales fills in after the first call, as real CRMs have them:
    tags spread over ten values (no single value gives it away) and the first call's duration."""
    rng = np.random.default_rng(3)
    with export.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        won = row["Lead Status"] == "Qualified"
        telling = rng.random() < 0.85
        tags = range(5) if won == telling else range(5, 10)
        row["Tags"] = f"tag-{rng.choice(list(tags))}"
        row["First Call (s)"] = f"{rng.lognormal(6.8 if won else 5.5, 1.0):.0f}"
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out


@pytest.mark.parametrize(
    ("column", "feature"),
    [
        ("Rating", {"name": "rating", "kind": "categorical"}),
        ("Tags", {"name": "tags", "kind": "categorical"}),
        ("First Call (s)", {"name": "first_call", "kind": "numeric", "log1p": True}),
    ],
    ids=["rating-decides-alone", "tags-spread-over-values", "call-duration"],
)
def test_a_column_filled_in_after_contact_is_named_in_a_warning(
    crm_export: Path, tmp_path: Path, column: str, feature: dict[str, object]
) -> None:
    # GIVEN an export with a column sales fills in after the first contact, used as a feature
    data = _with_post_contact_columns(crm_export, tmp_path / "with_post_contact.csv")
    spec = yaml.safe_load(CRM_SPEC.read_text())
    leaky = _spec_variant(tmp_path, {
        "exclude": [],
        "features": [*spec["features"], {**feature, "column": column, "group": "fit", "label": column}],
    })  # fmt: skip
    # WHEN a model is trained on it
    result = train(data, leaky, tmp_path / "m", version="leaky", progress=_quiet,
                   kinds=("logistic_regression",))  # fmt: skip
    # THEN the card warns, naming that column (all its one-hot parts together, or the number)
    named = [warning for warning in result.card["warnings"] if f"column {column!r}" in warning]
    assert named and "exclude" in named[0]
    # AND no honest column of the export is named
    assert all(
        f"column {column!r}" in warning for warning in result.card["warnings"] if "column " in warning
    ), result.card["warnings"]


@pytest.mark.parametrize(
    ("change", "rows", "message"),
    [
        ({"label": {"column": "Lead Status", "positive": ["Won"]}}, 3000, "one class only"),
        (
            {"label": {"column": "Stage", "positive": ["Won"]}},
            3000,
            "columns missing from the export: ['Stage']",
        ),
        ({}, 400, "at least 500 rows and 50 conversions are needed"),
    ],
    ids=["one-class", "missing-column", "too-little-data"],
)
def test_training_refuses_exports_it_cannot_learn_from(
    crm_export: Path, tmp_path: Path, change: dict[str, object], rows: int, message: str
) -> None:
    data = crm_export
    if rows < 3000:
        with crm_export.open() as source:
            data = tmp_path / "small.csv"
            data.write_text("".join(line for _, line in zip(range(rows + 1), source, strict=False)))
    with pytest.raises(TrainingDataError, match=message.replace("[", r"\[").replace("]", r"\]")):
        train(data, _spec_variant(tmp_path, change), tmp_path / "m", progress=_quiet)


def test_a_time_budget_stops_the_search_after_each_candidates_first_setting(
    crm_export: Path, tmp_path: Path
) -> None:
    said: list[str] = []
    result = train(crm_export, CRM_SPEC, tmp_path / "m", version="quick", progress=said.append,
                   kinds=("logistic_regression", "additive_gbm"), budget=0.0)  # fmt: skip
    cv = result.card["model"]["cv_roc_auc"]
    assert [len(cv[kind]) for kind in ("logistic_regression", "additive_gbm")] == [1, 1]
    assert any("additive_gbm: time budget spent, 2 settings not tried" in line for line in said)
