"""Which pairs of features deserve a joint term: ranked by how much a table over the two would
improve on the features' own effects, measured on what those effects leave unexplained.

The ranking is FAST (Lou, Caruana et al., "Accurate intelligible models with pairwise
interactions", KDD 2013, the method behind explainable boosting machines' pair terms), in its
second-order form: fit the one-feature-per-tree model first; with its gradient g = p - y and
hessian h = p(1 - p) per lead, a table over the cells of (value of a, value of b) lowers the
log-loss by about sum over cells of G^2 / (H + lambda); the same table over a alone, or b alone,
is what the features' own terms can already do. A pair's gain is what the table adds beyond them.
A few hundred pairs are ranked in milliseconds with numpy; the best few become candidates' terms,
and cross-validation decides whether the model with them is chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np

from leadqual_training.leaks import SourceColumn, value_keys

MAX_PAIRS = 10
MAX_CELLS_PER_FEATURE = 16  # the most common values (or number bins) of a feature; the rest together
L2 = 10.0  # leads of weight per cell: a sparse cell's gain is damped


def _capped(keys: np.ndarray) -> np.ndarray:
    """The same keys, numbered 0..k-1 by frequency, rare ones merged into one last key."""
    values, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    rank = np.empty(len(values), dtype=np.int64)
    rank[np.argsort(-counts, kind="stable")] = np.arange(len(values))
    return np.minimum(rank[inverse.reshape(-1)], MAX_CELLS_PER_FEATURE - 1)


def _gain(cells: np.ndarray, g: np.ndarray, h: np.ndarray, width: int) -> float:
    sums = np.bincount(cells, weights=g, minlength=width)
    weights = np.bincount(cells, weights=h, minlength=width)
    return float(np.sum(sums**2 / (weights + L2)))


def rank_pairs(
    x: np.ndarray, y: np.ndarray, log_odds: np.ndarray, sources: Sequence[SourceColumn]
) -> list[tuple[float, int, int]]:
    """(gain, feature a, feature b) for every pair with a positive gain, the largest first.

    `log_odds`: the main-effects model's output for the rows of `x`; `sources`: each feature's
    columns, in feature order.
    """
    p = 1.0 / (1.0 + np.exp(-log_odds))
    g, h = p - y, p * (1.0 - p)
    keys = [_capped(value_keys(x[:, source.positions])) for source in sources]
    alone = [_gain(k, g, h, MAX_CELLS_PER_FEATURE) for k in keys]
    whole = float(g.sum() ** 2 / (h.sum() + L2))
    ranked = []
    for a, b in combinations(range(len(sources)), 2):
        cells = keys[a] * MAX_CELLS_PER_FEATURE + keys[b]
        table = _gain(cells, g, h, MAX_CELLS_PER_FEATURE**2)
        # Inclusion-exclusion: what the table explains beyond each feature's own values.
        gain = table - alone[a] - alone[b] + whole
        if gain > 0:
            ranked.append((gain, a, b))
    return sorted(ranked, reverse=True)


def top_pairs(ranked: list[tuple[float, int, int]], count: int = MAX_PAIRS) -> tuple[tuple[int, int], ...]:
    return tuple((a, b) for _, a, b in ranked[:count])
