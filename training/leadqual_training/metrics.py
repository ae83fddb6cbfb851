"""Holdout metrics a RevOps lead can read: ranking, calibration and lift by decile."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        mask = (p >= low) & (p < high if high < 1 else p <= high)
        if mask.any():
            total += mask.mean() * abs(p[mask].mean() - y[mask].mean())
    return float(total)


def lift_by_decile(y: np.ndarray, p: np.ndarray) -> list[dict[str, float]]:
    """Decile 1 = the 10% highest-scored leads; lift = its conversion rate / the overall rate."""
    order = np.argsort(-p, kind="stable")
    base = y.mean() if y.mean() > 0 else 1.0
    rows = []
    for decile, chunk in enumerate(np.array_split(order, 10), start=1):
        rate = float(y[chunk].mean()) if len(chunk) else 0.0
        rows.append({"decile": decile, "leads": len(chunk), "conversion_rate": round(rate, 4),
                     "mean_score": round(float(p[chunk].mean()), 4), "lift": round(rate / base, 2)})  # fmt: skip
    return rows


def evaluate(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    return {
        "rows": len(y),
        "positives": int(y.sum()),
        "roc_auc": round(float(roc_auc_score(y, p)), 4),
        "pr_auc": round(float(average_precision_score(y, p)), 4),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "calibration_error": round(expected_calibration_error(y, p), 4),
        "lift_by_decile": lift_by_decile(y, p),
    }


def render_lift(metrics: dict[str, Any]) -> list[str]:
    """Markdown lines: the lift-by-decile table a card or an evaluation report shows."""
    return [
        "## Lift by decile",
        "",
        "| decile | leads | conversion | mean score | lift |",
        "|---|---|---|---|---|",
        *[
            f"| {d['decile']} | {d['leads']} | {d['conversion_rate']:.3f} | {d['mean_score']:.3f} | {d['lift']} |"
            for d in metrics["lift_by_decile"]
        ],
    ]
