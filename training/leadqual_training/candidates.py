"""The model families leadqual trains. Both are additive in the features, so reasons stay exact.

- `logistic_regression`: L2-regularised, on standardised columns. The baseline.
- `additive_gbm`: scikit-learn's HistGradientBoosting with interaction constraints that keep every
  tree inside one feature's columns (the idea behind explainable boosting machines). It learns
  shapes a line cannot (a mid-market sweet spot in company size, engagement that saturates) and
  its log-odds are still a sum of per-feature terms, so its reasons are as faithful as the
  baseline's. Unconstrained trees would need approximate attributions (SHAP) and lose that.
- `additive_gbm_pairs`: the same, plus up to ten pairs of features ranked by `pairs.rank_pairs`;
  a tree may then also split on the columns of one chosen pair, so the log-odds are a sum of
  per-feature and per-pair terms, and still exact.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import onnx
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from leadqual_training.onnx_export import GraphInfo, TreeNode, additive_logistic_graph, additive_trees_graph

SEED = 7


@dataclass(frozen=True)
class Calibration:
    """Platt scaling: calibrated log-odds = slope * raw log-odds + offset (keeps the model additive)."""

    slope: float
    offset: float


class FittedModel(Protocol):
    def log_odds(self, x: np.ndarray) -> np.ndarray: ...
    def export(self, info: GraphInfo, calibration: Calibration) -> onnx.ModelProto: ...


class Candidate(Protocol):
    kind: str

    @property
    def grid(self) -> list[dict[str, Any]]: ...

    def fit(self, x: np.ndarray, y: np.ndarray, params: dict[str, Any]) -> FittedModel: ...


@dataclass
class FittedLogistic:
    model: LogisticRegression
    mean: np.ndarray
    scale: np.ndarray

    def log_odds(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.decision_function((_filled(x, self.mean) - self.mean) / self.scale))

    def export(self, info: GraphInfo, calibration: Calibration) -> onnx.ModelProto:
        weights = calibration.slope * self.model.coef_[0]
        intercept = calibration.slope * float(self.model.intercept_[0]) + calibration.offset
        return additive_logistic_graph(info, self.mean, self.scale, weights, intercept)


class LogisticCandidate:
    kind: str = "logistic_regression"
    grid: list[dict[str, Any]] = [{"C": c} for c in (0.01, 0.1, 1.0, 10.0)]

    def fit(self, x: np.ndarray, y: np.ndarray, params: dict[str, Any]) -> FittedLogistic:
        # A missing number counts as the average lead's: it adds nothing, for or against.
        known = ~np.isnan(x)
        mean = np.where(known, x, 0.0).sum(axis=0) / np.maximum(known.sum(axis=0), 1)
        scale = np.sqrt(np.mean((_filled(x, mean) - mean) ** 2, axis=0))
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=params["C"], max_iter=2000)
        model.fit((_filled(x, mean) - mean) / scale, y)
        return FittedLogistic(model, mean, scale)


def _filled(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Missing numbers (NaN) replaced by the column's training mean, as the ONNX graph does."""
    return np.where(np.isnan(x), mean, x)


@dataclass
class FittedAdditiveTrees:
    model: HistGradientBoostingClassifier
    pairs: tuple[tuple[int, int], ...] = ()

    def log_odds(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.decision_function(x))

    def export(self, info: GraphInfo, calibration: Calibration) -> onnx.ModelProto:
        constant = float(np.ravel(self.model._baseline_prediction)[0])
        trees = []
        for (predictor,) in self.model._predictors:
            nodes = [
                TreeNode(
                    column=int(n["feature_idx"]),
                    threshold=float(n["num_threshold"]),
                    left=int(n["left"]),
                    right=int(n["right"]),
                    is_leaf=bool(n["is_leaf"]),
                    value=float(n["value"]),
                    missing_goes_left=bool(n["missing_go_to_left"]),
                )  # fmt: skip
                for n in predictor.nodes
            ]
            if len(nodes) == 1:  # a stump with no split is a constant: part of the intercept
                constant += nodes[0].value
            else:
                trees.append(nodes)
        intercept = calibration.slope * constant + calibration.offset
        return additive_trees_graph(replace(info, pairs=self.pairs), trees, calibration.slope, intercept)


# The price of exact reasons, shown on every card: the same boosted trees with no constraint (any
# column may meet any other in a tree), at scikit-learn's defaults. Never exported: its log-odds
# are not a sum of per-feature terms, so its reasons could only be approximations.
REFERENCE_KIND = "unconstrained_gbm"
REFERENCE_PARAMS: dict[str, Any] = {"max_iter": 100, "learning_rate": 0.1, "max_leaf_nodes": 31}


def fit_reference(x: np.ndarray, y: np.ndarray) -> HistGradientBoostingClassifier:
    model = HistGradientBoostingClassifier(**REFERENCE_PARAMS, early_stopping=False, random_state=SEED)
    return model.fit(x, y)


@dataclass
class AdditiveBoostingCandidate:
    owners: list[int]  # feature index of each column: the interaction groups
    pairs: tuple[tuple[int, int], ...] = ()  # features (by index) a tree may also split on together
    kind: str = "additive_gbm"
    settings: list[dict[str, Any]] | None = None  # instead of the whole grid

    @property
    def grid(self) -> list[dict[str, Any]]:
        if self.settings is not None:
            return self.settings
        # Fixed sizes first; then a setting that stops early, when 30 more trees no longer lower the
        # log-loss on a seeded tenth of the rows it is fitted on (deterministic, like the rest).
        # Cross-validation tries them in this order, as far as a time budget allows.
        return [
            {"max_iter": 200, "learning_rate": 0.1, "max_leaf_nodes": 8, "min_samples_leaf": 40, "l2_regularization": 1.0},
            {"max_iter": 800, "learning_rate": 0.03, "max_leaf_nodes": 4, "min_samples_leaf": 200, "l2_regularization": 10.0},
            {"max_iter": 2000, "learning_rate": 0.05, "max_leaf_nodes": 6, "min_samples_leaf": 100, "l2_regularization": 3.0, "early_stopping": True},
        ]  # fmt: skip

    def fit(self, x: np.ndarray, y: np.ndarray, params: dict[str, Any]) -> FittedAdditiveTrees:
        groups: dict[int, list[int]] = {}
        for column, feature in enumerate(self.owners):
            groups.setdefault(feature, []).append(column)
        allowed = [*groups.values(), *(groups[a] + groups[b] for a, b in self.pairs)]
        settings = {key: value for key, value in params.items() if key != "early_stopping"}
        model = HistGradientBoostingClassifier(
            **settings,
            interaction_cst=allowed,
            early_stopping=bool(params.get("early_stopping", False)),
            validation_fraction=0.1,
            n_iter_no_change=30,
            random_state=SEED,  # the early-stopping tenth is drawn from the seed: reproducible
        )
        model.fit(x, y)
        return FittedAdditiveTrees(model, self.pairs)
