"""`leadqual train`: a CRM export + a feature specification -> a versioned, calibrated ONNX model.

Candidates are chosen by time-respecting cross-validation, calibrated on a later slice, and
measured on the most recent holdout, so the card's figures are what a rep would have seen.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from leadqual.domain.features import FeatureSpec
from leadqual.domain.scoring import GROUPS, GradeThresholds, ScoringProfile
from leadqual_training.metrics import evaluate
from leadqual_training.onnx_export import (
    INPUT,
    OUTPUT_CONTRIBUTIONS,
    OUTPUT_PROBABILITY,
    additive_logistic_graph,
)

MIN_ROWS = 500
MIN_POSITIVES = 50
LEAK_AUC = 0.95
PARITY_TOLERANCE = 1e-5
HOLDOUT_FRACTION = 0.2
CALIBRATION_FRACTION = 0.15
C_GRID = (0.01, 0.1, 1.0, 10.0)
SEED = 7
Progress = Callable[[str], None]


class TrainingDataError(ValueError):
    """The export cannot train a model; the message says what is wrong and what is needed."""


@dataclass(frozen=True)
class TrainingResult:
    version: str
    directory: Path
    card: dict[str, Any]


def load_spec(path: Path) -> FeatureSpec:
    return FeatureSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_rows(path: Path) -> list[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_export(rows: list[dict[str, Any]], spec: FeatureSpec) -> np.ndarray:
    """Labels as 0/1, or a TrainingDataError that says what is wrong."""
    if not rows:
        raise TrainingDataError("the export has no rows")
    header = set(rows[0])
    needed = [*spec.required_columns(), spec.label.column, *([spec.time_column] if spec.time_column else [])]
    missing = sorted(set(needed) - header)
    if missing:
        raise TrainingDataError(f"columns missing from the export: {missing} (it has: {sorted(header)})")
    labels = np.array([1 if spec.label.is_positive(r[spec.label.column]) else 0 for r in rows])
    positives = int(labels.sum())
    if positives in (0, len(labels)):
        raise TrainingDataError(
            f"the label has one class only: {positives} of {len(labels)} rows match {spec.label.positive}"
        )
    if len(rows) < MIN_ROWS or positives < MIN_POSITIVES:
        raise TrainingDataError(
            f"too little data: {len(rows)} rows with {positives} conversions; "
            f"at least {MIN_ROWS} rows and {MIN_POSITIVES} conversions are needed"
        )
    return labels


def _time_key(value: Any) -> float:
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return math.inf


def _leak_warnings(x: np.ndarray, y: np.ndarray, columns: list[str]) -> list[str]:
    warnings = []
    for index, column in enumerate(columns):
        values = x[:, index]
        if np.ptp(values) == 0:
            continue
        auc = roc_auc_score(y, values)
        if max(auc, 1 - auc) > LEAK_AUC:
            warnings.append(
                f"column {column!r} alone gives ROC AUC {max(auc, 1 - auc):.3f}: it may be filled in after "
                "first contact; add its source column to `exclude` if so"
            )
    return warnings


def _choose_c(x: np.ndarray, y: np.ndarray, progress: Progress) -> tuple[float, dict[str, float]]:
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    results: dict[str, float] = {}
    for c in C_GRID:
        scores = []
        for train_index, test_index in folds.split(x, y):
            model = LogisticRegression(C=c, max_iter=2000)
            model.fit(x[train_index], y[train_index])
            scores.append(roc_auc_score(y[test_index], model.decision_function(x[test_index])))
        results[str(c)] = round(float(np.mean(scores)), 4)
        progress(f"  cross-validation C={c}: ROC AUC {results[str(c)]:.4f}")
    best = max(C_GRID, key=lambda c: results[str(c)])
    return best, results


def next_version(root: Path, day: str) -> str:
    existing = [p.name for p in root.glob(f"{day}-*") if p.is_dir()]
    numbers = [int(n.rsplit("-", 1)[1]) for n in existing if n.rsplit("-", 1)[1].isdigit()]
    return f"{day}-{max(numbers, default=0) + 1}"


def train(
    data: Path,
    spec_path: Path,
    out_root: Path,
    version: str | None = None,
    progress: Progress = print,
    make_current: bool = True,
) -> TrainingResult:
    spec = load_spec(spec_path)
    progress(f"reading {data}")
    rows = load_rows(data)
    labels = check_export(rows, spec)
    progress(f"{len(rows)} rows, {int(labels.sum())} conversions ({labels.mean():.1%})")

    order = (
        sorted(range(len(rows)), key=lambda i: _time_key(rows[i][spec.time_column]))
        if spec.time_column
        else list(np.random.default_rng(SEED).permutation(len(rows)))
    )
    rows = [rows[i] for i in order]
    y = labels[order]
    holdout_start = int(len(rows) * (1 - HOLDOUT_FRACTION))
    calibration_start = int(holdout_start * (1 - CALIBRATION_FRACTION))

    fitted = spec.fit(rows[:calibration_start])
    columns = fitted.output_columns()
    progress(f"{len(fitted.features)} features -> {len(columns)} model columns")
    x = np.array([fitted.vectorize(r) for r in rows], dtype=np.float64)
    warnings = _leak_warnings(x[:holdout_start], y[:holdout_start], columns)
    for warning in warnings:
        progress(f"WARNING: {warning}")

    mean = x[:calibration_start].mean(axis=0)
    scale = x[:calibration_start].std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    progress("choosing regularisation by 5-fold cross-validation")
    best_c, cv_results = _choose_c(z[:calibration_start], y[:calibration_start], progress)
    model = LogisticRegression(C=best_c, max_iter=2000)
    model.fit(z[:calibration_start], y[:calibration_start])

    # Platt scaling on a later slice: an affine map of the log-odds, so the model stays additive.
    calibrator = LogisticRegression(C=1e6, max_iter=2000)
    calibrator.fit(
        model.decision_function(z[calibration_start:holdout_start]).reshape(-1, 1),
        y[calibration_start:holdout_start],
    )
    slope, offset = float(calibrator.coef_[0, 0]), float(calibrator.intercept_[0])
    weights = slope * model.coef_[0]
    intercept = slope * float(model.intercept_[0]) + offset

    version = version or next_version(out_root, datetime.now().date().isoformat())
    graph = additive_logistic_graph(mean, scale, weights, intercept, columns, version)
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    onnx_probability, contributions = session.run([OUTPUT_PROBABILITY, OUTPUT_CONTRIBUTIONS], {INPUT: x})
    native = calibrator.predict_proba(model.decision_function(z).reshape(-1, 1))[:, 1]
    parity = float(np.max(np.abs(onnx_probability - native)))
    if parity > PARITY_TOLERANCE:
        raise AssertionError(f"ONNX and native model disagree by {parity:.2e} (> {PARITY_TOLERANCE})")
    progress(f"ONNX parity with the native model: max |difference| {parity:.1e}")

    holdout = slice(holdout_start, None)
    metrics = evaluate(y[holdout], onnx_probability[holdout])
    baseline_rate = float(y[:holdout_start].mean())
    train_probability = onnx_probability[:holdout_start]
    grades = GradeThresholds(
        A=float(np.quantile(train_probability, 0.90)),
        B=float(np.quantile(train_probability, 0.70)),
        C=float(np.quantile(train_probability, 0.40)),
    )
    owners = fitted.column_owners()
    group_sums = {
        group: contributions[:holdout_start][:, [i for i, o in enumerate(owners) if o.group == group]].sum(
            axis=1
        )
        for group in GROUPS
    }
    profile = ScoringProfile(
        model_version=version,
        base_logit=intercept,
        group_quantiles={
            g: [round(float(q), 6) for q in np.quantile(s, np.linspace(0, 1, 101))]
            for g, s in group_sums.items()
        },
        grades=grades,
    )
    card = {
        "model_version": version,
        "trained_at": datetime.now().isoformat(timespec="seconds"),
        "data": {
            "file": data.name,
            "sha256": fingerprint(data),
            "rows": len(rows),
            "positives": int(y.sum()),
            "training_rows": calibration_start,
            "calibration_rows": holdout_start - calibration_start,
            "holdout_rows": len(rows) - holdout_start,
            "split": f"by {spec.time_column}" if spec.time_column else "random",
            "excluded_columns": spec.exclude,
        },  # fmt: skip
        "model": {
            "kind": "logistic_regression",
            "C": best_c,
            "cv_roc_auc": cv_results,
            "calibration": {"method": "platt", "slope": round(slope, 6), "offset": round(offset, 6)},
            "columns": len(columns),
        },  # fmt: skip
        "holdout": metrics,
        "baseline_conversion_rate": round(baseline_rate, 4),
        "grades": grades.model_dump(),
        "onnx_parity_max_abs_diff": parity,
        "warnings": warnings,
        "top_weights": sorted(
            ({"column": c, "weight": round(float(w), 4)} for c, w in zip(columns, weights, strict=True)),
            key=lambda item: -abs(item["weight"]),
        )[:15],
    }
    directory = out_root / version
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "model.onnx").write_bytes(graph.SerializeToString())
    (directory / "feature_spec.json").write_text(fitted.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (directory / "scoring_profile.json").write_text(
        profile.model_dump_json(indent=2) + "\n", encoding="utf-8"
    )
    (directory / "model_card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    (directory / "model_card.md").write_text(render_card(card), encoding="utf-8")
    if make_current:
        (out_root / "CURRENT").write_text(version + "\n", encoding="utf-8")
    progress(f"model {version} written to {directory}")
    return TrainingResult(version, directory, card)


def render_card(card: dict[str, Any]) -> str:
    holdout = card["holdout"]
    lines = [
        f"# Model card: {card['model_version']}",
        "",
        f"Trained {card['trained_at']} on `{card['data']['file']}` (sha256 `{card['data']['sha256'][:16]}...`): "
        f"{card['data']['rows']} leads, {card['data']['positives']} conversions, split {card['data']['split']}.",
        f"Excluded as post-contact columns: {', '.join(card['data']['excluded_columns']) or 'none'}.",
        "",
        f"Model: {card['model']['kind']} (C={card['model']['C']}), Platt-calibrated, {card['model']['columns']} columns.",
        "",
        "## Holdout (most recent leads)",
        "",
        "| metric | value |",
        "|---|---|",
        f"| ROC AUC | {holdout['roc_auc']} |",
        f"| PR AUC | {holdout['pr_auc']} (base rate {holdout['positives'] / holdout['rows']:.3f}) |",
        f"| Brier | {holdout['brier']} |",
        f"| Calibration error (ECE) | {holdout['calibration_error']} |",
        "",
        "## Lift by decile",
        "",
        "| decile | leads | conversion | mean score | lift |",
        "|---|---|---|---|---|",
        *[
            f"| {d['decile']} | {d['leads']} | {d['conversion_rate']:.3f} | {d['mean_score']:.3f} | {d['lift']} |"
            for d in holdout["lift_by_decile"]
        ],  # fmt: skip
        "",
        f"Grades: A >= {card['grades']['A']:.3f}, B >= {card['grades']['B']:.3f}, C >= {card['grades']['C']:.3f}, else D.",
        "",
        "## Warnings",
        "",
        *([f"- {w}" for w in card["warnings"]] or ["- none"]),
        "",
    ]
    return "\n".join(lines)
