"""Champion and challenger: retrain on history plus reported outcomes, promote only a better model.

`train` fits the challenger on every row given, in time order, so the newest leads (where the
live outcomes are) form its holdout: the challenger never trained on them, and a champion trained
before they arrived never saw them either. Both are scored on that holdout through the serving code
path (feature matrix + ONNX graph), and the challenger becomes CURRENT only if:
- its ROC AUC is higher by at least `min_gain`; and
- its Brier score is no worse (within BRIER_TOLERANCE), so better ranking is not bought with
  worse probabilities.
Otherwise the champion stays deployed and the challenger's folder is kept for the record. Either
way `promotion.json` and `promotion.md` in the challenger's folder say what was compared, on
which rows, and why.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from leadqual.adapters.onnx_model import OnnxModel
from leadqual.domain.features.model_input import unservable_columns
from leadqual.domain.scoring import Scorer
from leadqual_training.backtest import in_chunks
from leadqual_training.exports import load_rows
from leadqual_training.metrics import evaluate
from leadqual_training.tabular import write_rows
from leadqual_training.train import KINDS, Progress, fingerprint, train

DEFAULT_MIN_GAIN = 0.002
BRIER_TOLERANCE = 0.001


@dataclass(frozen=True)
class Promotion:
    challenger: str
    champion: str | None
    promoted: bool
    reason: str
    report: dict[str, Any]

    @property
    def summary(self) -> str:
        verdict = "PROMOTED" if self.promoted else "NOT PROMOTED"
        return f"{verdict}: challenger {self.challenger} vs champion {self.champion or 'none'}. {self.reason}"


def holdout_probability(model: OnnxModel, rows: Sequence[dict[str, Any]]) -> np.ndarray:
    """The model's calibrated probabilities for raw rows, computed exactly as the scoring function does."""
    scorer = Scorer(model.spec, model.profile)
    return np.concatenate(
        [model.predict(scorer.features.build(chunk)).probability for chunk in in_chunks(rows)]
    )


def _decide(
    challenger: dict[str, Any], champion: dict[str, Any] | None, min_gain: float, unservable: list[str]
) -> tuple[bool, str]:
    if unservable:
        return (
            False,
            f"The challenger reads columns live leads do not have ({unservable}): it cannot be deployed.",
        )
    if champion is None:
        return True, "There is no current model: the challenger becomes the first."
    gain = challenger["roc_auc"] - champion["roc_auc"]
    brier_change = challenger["brier"] - champion["brier"]
    figures = (
        f"On the {challenger['rows']} newest leads ({challenger['positives']} conversions), ROC AUC "
        f"{challenger['roc_auc']:.4f} vs {champion['roc_auc']:.4f} ({gain:+.4f}), Brier "
        f"{challenger['brier']:.4f} vs {champion['brier']:.4f} ({brier_change:+.4f})."
    )
    if gain < min_gain:
        return False, f"{figures} The gain is under the {min_gain:.4f} required: the champion stays."
    if brier_change > BRIER_TOLERANCE:
        return False, f"{figures} It ranks better but its probabilities are worse: the champion stays."
    return True, f"{figures} Better ranking, probabilities no worse: the challenger is promoted."


def retrain(
    data: Sequence[Path],
    spec_path: Path,
    out_root: Path,
    version: str | None = None,
    min_gain: float = DEFAULT_MIN_GAIN,
    progress: Progress = print,
    kinds: tuple[str, ...] = KINDS,
    budget: float | None = None,
) -> Promotion:
    """`budget`: seconds for the model search (see `train`); None tries every setting."""
    current = out_root / "CURRENT"
    champion = current.read_text(encoding="utf-8").strip() if current.exists() else None
    with tempfile.TemporaryDirectory() as work:
        combined = Path(work) / "retraining_rows.csv"
        count = write_rows((row for path in data for row in load_rows(path)), combined)
        progress(f"retraining on {count} rows from {len(data)} file(s); current model: {champion or 'none'}")
        result = train(
            combined, spec_path, out_root, version=version, progress=progress, kinds=kinds, budget=budget
        )
    holdout, labels = result.holdout_rows, result.holdout_labels
    challenger = OnnxModel(result.directory)
    challenger_metrics = evaluate(labels, holdout_probability(challenger, holdout))
    champion_metrics = (
        evaluate(labels, holdout_probability(OnnxModel(out_root / champion), holdout)) if champion else None
    )
    unservable = unservable_columns(challenger.spec)
    promoted, reason = _decide(challenger_metrics, champion_metrics, min_gain, unservable)
    report = {
        "decided_at": datetime.now().isoformat(timespec="seconds"),
        "challenger": result.version,
        "champion": champion,
        "promoted": promoted,
        "reason": reason,
        "rule": {"min_roc_auc_gain": min_gain, "max_brier_increase": BRIER_TOLERANCE},
        "data": [{"file": path.name, "sha256": fingerprint(path)} for path in data],
        "compared_on": "the challenger's holdout: the most recent leads, which it never trained on",
        "challenger_holdout": _headline(challenger_metrics),
        "champion_holdout": _headline(champion_metrics) if champion_metrics else None,
    }
    (result.directory / "promotion.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (result.directory / "promotion.md").write_text(_render(report), encoding="utf-8")
    if promoted:
        current.write_text(result.version + "\n", encoding="utf-8")
    promotion = Promotion(result.version, champion, promoted, reason, report)
    progress(promotion.summary)
    return promotion


def _headline(metrics: dict[str, Any]) -> dict[str, Any]:
    keys = ("rows", "positives", "roc_auc", "pr_auc", "brier", "calibration_error")
    return {key: metrics[key] for key in keys} | {"top_decile_lift": metrics["lift_by_decile"][0]["lift"]}


def _render(report: dict[str, Any]) -> str:
    rows = [("challenger " + report["challenger"], report["challenger_holdout"])]
    if report["champion_holdout"]:
        rows.append(("champion " + report["champion"], report["champion_holdout"]))
    lines = [
        f"# Retraining: {'promoted' if report['promoted'] else 'not promoted'}",
        "",
        report["reason"],
        "",
        f"Compared on {report['compared_on']}.",
        "",
        "| model | ROC AUC | PR AUC | Brier | calibration error | top-decile lift |",
        "|---|---|---|---|---|---|",
        *[
            f"| {name} | {m['roc_auc']:.4f} | {m['pr_auc']:.4f} | {m['brier']:.4f} | "
            f"{m['calibration_error']:.4f} | {m['top_decile_lift']} |"
            for name, m in rows
        ],
        "",
        f"Rule: promote when ROC AUC gains at least {report['rule']['min_roc_auc_gain']} and Brier rises "
        f"by at most {report['rule']['max_brier_increase']}.",
        "",
        "Data: " + ", ".join(f"{d['file']} (sha256 {d['sha256'][:12]})" for d in report["data"]),
        "",
    ]
    return "\n".join(lines)
