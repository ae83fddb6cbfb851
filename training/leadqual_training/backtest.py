"""Back-tests with a shipped model: `leadqual evaluate` and `leadqual score`.

Both read the model folder's own fitted feature specification and score through the serving code
path (`Scorer.score`), so a back-test sees exactly what the scoring function would have produced.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from leadqual.adapters.onnx_model import OnnxModel
from leadqual.domain.schemas.scores import Reason, Scores
from leadqual.domain.scoring import Scorer
from leadqual_training.exports import load_rows
from leadqual_training.metrics import evaluate, render_lift
from leadqual_training.train import Progress, check_export, fingerprint

CHUNK = 1000
GRADES = ("A", "B", "C", "D")


def in_chunks(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    """Rows a thousand at a time: one inference each, memory kept flat on large exports."""
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _score_all(model: OnnxModel, rows: Sequence[dict[str, Any]]) -> list[Scores]:
    missing = sorted(set(model.spec.required_columns()) - set(rows[0])) if rows else []
    if missing:
        raise ValueError(f"columns missing from the export: {missing}")
    scorer = Scorer(model.spec, model.profile)
    return [s for chunk in in_chunks(rows) for s in scorer.score(model, chunk)]


@dataclass(frozen=True)
class Evaluation:
    report: dict[str, Any]
    json_path: Path
    markdown_path: Path


def evaluate_export(
    model_dir: Path, data: Path, out: Path | None = None, progress: Progress = print
) -> Evaluation:
    """The model card's holdout metrics, plus conversion by grade, on any labelled export."""
    model = OnnxModel(model_dir)
    labelled = check_export(load_rows(data), model.spec, progress, min_rows=1, min_positives=1)
    progress(f"scoring {len(labelled.rows)} labelled leads with model {model.version}")
    scores = _score_all(model, labelled.rows)
    probability = np.array([s.conversion_probability for s in scores])
    y = labelled.labels
    by_grade = []
    for grade in GRADES:
        mask = np.array([s.grade == grade for s in scores])
        by_grade.append({
            "grade": grade, "leads": int(mask.sum()),
            "conversion_rate": round(float(y[mask].mean()), 4) if mask.any() else None,
            "mean_score": round(float(probability[mask].mean()), 4) if mask.any() else None,
        })  # fmt: skip
    report = {
        "model_version": model.version,
        "data": {"file": data.name, "sha256": fingerprint(data)},
        **evaluate(y, probability),
        "conversion_by_grade": by_grade,
    }
    json_path = out or data.with_name(f"{data.stem}.evaluation-{model.version}.json")
    markdown_path = json_path.with_suffix(".md")
    json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    markdown_path.write_text(render_evaluation(report), encoding="utf-8")
    progress(render_evaluation(report))
    progress(f"report written to {json_path} and {markdown_path}")
    return Evaluation(report, json_path, markdown_path)


def render_evaluation(report: dict[str, Any]) -> str:
    lines = [
        f"# Evaluation of model {report['model_version']} on `{report['data']['file']}`",
        "",
        f"{report['rows']} leads, {report['positives']} conversions (base rate {report['positives'] / report['rows']:.3f}).",
        "",
        "| metric | value |",
        "|---|---|",
        f"| ROC AUC | {report['roc_auc']} |",
        f"| PR AUC | {report['pr_auc']} |",
        f"| Brier | {report['brier']} |",
        f"| Calibration error (ECE) | {report['calibration_error']} |",
        "",
        "## Do high grades convert?",
        "",
        "| grade | leads | conversion | mean score |",
        "|---|---|---|---|",
        *[
            f"| {g['grade']} | {g['leads']} | {g['conversion_rate'] if g['leads'] else '-'} | "
            f"{g['mean_score'] if g['leads'] else '-'} |"
            for g in report["conversion_by_grade"]
        ],  # fmt: skip
        "",
        *render_lift(report),
        "",
    ]
    return "\n".join(lines)


def _reasons(reasons: list[Reason]) -> str:
    return " | ".join(f"{r.text} ({r.contribution:+.2f})" for r in reasons)


def score_export(model_dir: Path, data: Path, out: Path, progress: Progress = print) -> int:
    """Scores every row of an export: probability, grade, sub-scores and top reasons per lead."""
    model = OnnxModel(model_dir)
    rows = load_rows(data)
    progress(f"scoring {len(rows)} leads from {data} with model {model.version}")
    scores = _score_all(model, rows)
    id_column = model.spec.id_column if model.spec.id_column in (rows[0] if rows else {}) else None
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([id_column or "row", "conversion_probability", "grade", "fit", "engagement", "intent",
                         "model_version", "top_positive_reasons", "top_negative_reasons"])  # fmt: skip
        for index, (row, s) in enumerate(zip(rows, scores, strict=True), start=1):
            writer.writerow([row[id_column] if id_column else index, s.conversion_probability, s.grade, s.fit,
                             s.engagement, s.intent, s.model_version, _reasons(s.top_positive),
                             _reasons(s.top_negative)])  # fmt: skip
    progress(f"{len(rows)} scores written to {out}")
    return len(rows)
