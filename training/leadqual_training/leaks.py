"""Leak checks: a column filled in after first contact (a rating, tags sales sets, a call's duration)
predicts the outcome because it records it, and a model trained on it is useless on a new lead.

Two signs, each judged per source column (all the one-hot parts of a category together, or the
number), never per single model column, because a leaking category is often spread over many values:
- alone, the column ranks converted leads far better than any other column does;
- in the trained model, the column's share of the score is several times the next column's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

# Alone, this ROC AUC all but decides the label: no pre-contact column of a real export gets there.
DECISIVE_AUC = 0.95
# Or: at least this good alone, with an edge over chance (AUC - 0.5) this many times the next
# column's. In real exports the honest columns are each weak, close to one another.
LEADING_AUC = 0.75
LEADING_EDGE_RATIO = 1.5
# Mean |contribution| to the log-odds this many times the next column's.
IMPORTANCE_RATIO = 2.5
NUMBER_BINS = 20
SMOOTHING = 20.0  # leads of prior weight per value: a rare value says little about the label
FOLDS = 5
SEED = 7


@dataclass(frozen=True)
class SourceColumn:
    """One feature of the specification: its export column and where its model columns sit."""

    feature: str
    column: str
    positions: slice


def value_keys(block: np.ndarray) -> np.ndarray:
    """Each row's value as a small integer: its one-hot pattern, or its number's quantile bin; a
    missing number (NaN) is a value of its own."""
    missing = np.isnan(block).any(axis=1)
    if block.shape[1] == 1 and len(np.unique(block[~missing, 0])) > NUMBER_BINS:
        edges = np.unique(np.quantile(block[~missing, 0], np.linspace(0, 1, NUMBER_BINS + 1)[1:-1]))
        keys = np.searchsorted(edges, block[:, 0], side="right")
        keys[missing] = len(edges) + 1
        return keys
    # -inf stands for "missing": NaN never equals itself, so each would be a pattern of its own.
    return np.unique(np.nan_to_num(block, nan=-np.inf), axis=0, return_inverse=True)[1].reshape(-1)


def alone_auc(block: np.ndarray, y: np.ndarray) -> float:
    """Cross-validated ROC AUC of the column alone: each row scored with the smoothed conversion
    rate of its value (one-hot pattern or number bin) in the other folds."""
    keys = value_keys(block)
    if len(np.unique(keys)) < 2:
        return 0.5
    scores = np.empty(len(y), dtype=np.float64)
    width = int(keys.max()) + 1
    for train, test in StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED).split(keys, y):
        prior = y[train].mean()
        counts = np.bincount(keys[train], minlength=width)
        wins = np.bincount(keys[train], weights=y[train], minlength=width)
        rate = (wins + SMOOTHING * prior) / (counts + SMOOTHING)
        scores[test] = rate[keys[test]]
    return float(roc_auc_score(y, scores))


def alone_warnings(x: np.ndarray, y: np.ndarray, sources: Sequence[SourceColumn]) -> list[str]:
    aucs = {source.column: alone_auc(x[:, source.positions], y) for source in sources}
    ranked = sorted(aucs.items(), key=lambda item: -item[1])
    warnings = []
    for rank, (column, auc) in enumerate(ranked):
        others = [other for index, (_, other) in enumerate(ranked) if index != rank]
        runner_up = max(others, default=0.5)
        leading = auc >= LEADING_AUC and (auc - 0.5) >= LEADING_EDGE_RATIO * max(runner_up - 0.5, 1e-9)
        if auc >= DECISIVE_AUC or leading:
            warnings.append(
                f"column {column!r} alone gives ROC AUC {auc:.3f} (the next best column alone "
                f"{runner_up:.3f}): a column this telling is usually filled in after first contact "
                "(a rating, tags, a call's duration); add it to `exclude` if so"
            )
    return warnings


def importance_warnings(importance: dict[str, float], columns: dict[str, str]) -> list[str]:
    """`importance`: mean |contribution| per feature; `columns`: each feature's export column."""
    ranked = sorted(importance.items(), key=lambda item: -item[1])
    if len(ranked) < 2 or ranked[1][1] <= 0:
        return []
    (top, first), (_, second) = ranked[0], ranked[1]
    if first < IMPORTANCE_RATIO * second:
        return []
    return [
        f"column {columns[top]!r} carries {first / second:.1f}x the weight of the next column in "
        "this model: if it is filled in after first contact, the model is learning the outcome "
        "from it; add it to `exclude` if so"
    ]
