"""Exports a calibrated additive model as ONE ONNX graph that also returns its own explanation.

Both graphs take the feature vector (double [N, width]) and return `probability` [N] and
`contributions` [N, terms]: each term's share of the calibrated log-odds, a term being a feature or
a chosen pair of features (`FeatureSpec.terms`: every feature, then every pair). The graph computes
the probability *from* those contributions (sum + intercept -> sigmoid), so the reasons a rep reads
are the very numbers the score was made of.

- Logistic regression: a missing number (NaN) becomes the training mean -> standardise ->
  per-column contribution -> summed per feature (MatMul with a 0/1 column-to-feature matrix).
- Additive boosted trees: every tree splits on the columns of one feature, or of one chosen pair,
  only, so one TreeEnsembleRegressor with one target per term sends each tree's leaf value to the
  term of the features it splits on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
ML_OPSET = 3
INPUT = "features"
OUTPUT_PROBABILITY = "probability"
OUTPUT_CONTRIBUTIONS = "contributions"


@dataclass(frozen=True)
class GraphInfo:
    """What every leadqual graph records about itself."""

    version: str
    kind: str
    columns: list[str]
    feature_names: list[str]
    owners: list[int]  # for each column, the index of its feature
    pairs: tuple[tuple[int, int], ...] = ()  # features (by index) with a joint term, after the singles

    @property
    def terms(self) -> list[tuple[int, ...]]:
        return [*((i,) for i in range(len(self.feature_names))), *self.pairs]


def _finish(
    info: GraphInfo, nodes: list[onnx.NodeProto], initializers: list[onnx.TensorProto]
) -> onnx.ModelProto:
    width, terms = len(info.columns), len(info.terms)
    nodes = [
        *nodes,
        helper.make_node("ReduceSum", [OUTPUT_CONTRIBUTIONS, "sum_axis"], ["summed"], keepdims=0),
        helper.make_node("Add", ["summed", "intercept"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], [OUTPUT_PROBABILITY]),
    ]
    initializers = [*initializers, numpy_helper.from_array(np.array([1], dtype=np.int64), "sum_axis")]
    graph = helper.make_graph(
        nodes,
        f"leadqual_{info.kind}",
        [helper.make_tensor_value_info(INPUT, TensorProto.DOUBLE, ["batch", width])],
        [
            helper.make_tensor_value_info(OUTPUT_PROBABILITY, TensorProto.DOUBLE, ["batch"]),
            helper.make_tensor_value_info(OUTPUT_CONTRIBUTIONS, TensorProto.DOUBLE, ["batch", terms]),
        ],
        initializer=initializers,
    )
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", ML_OPSET)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="leadqual")
    model.ir_version = 8
    helper.set_model_props(
        model,
        {
            "leadqual_model_version": info.version,
            "kind": info.kind,
            "features": ",".join(info.feature_names),
            "pairs": ",".join(f"{info.feature_names[a]}:{info.feature_names[b]}" for a, b in info.pairs),
        },
    )
    onnx.checker.check_model(model)
    return model


def _intercept(value: float) -> onnx.TensorProto:
    return numpy_helper.from_array(np.array([value], dtype=np.float64), "intercept")


def additive_logistic_graph(
    info: GraphInfo, mean: np.ndarray, scale: np.ndarray, weights: np.ndarray, intercept: float
) -> onnx.ModelProto:
    width = len(info.columns)
    if info.pairs:
        raise ValueError("a logistic regression has no pair terms")
    membership = np.zeros((width, len(info.feature_names)), dtype=np.float64)
    membership[np.arange(width), info.owners] = 1.0
    initializers = [
        numpy_helper.from_array(mean.astype(np.float64).reshape(1, width), "mean"),
        numpy_helper.from_array(scale.astype(np.float64).reshape(1, width), "scale"),
        numpy_helper.from_array(weights.astype(np.float64).reshape(1, width), "weights"),
        numpy_helper.from_array(membership, "membership"),
        _intercept(intercept),
    ]
    nodes = [
        helper.make_node("IsNaN", [INPUT], ["missing"]),
        helper.make_node("Where", ["missing", "mean", INPUT], ["filled"]),
        helper.make_node("Sub", ["filled", "mean"], ["centred"]),
        helper.make_node("Div", ["centred", "scale"], ["standardised"]),
        helper.make_node("Mul", ["standardised", "weights"], ["column_contributions"]),
        helper.make_node("MatMul", ["column_contributions", "membership"], [OUTPUT_CONTRIBUTIONS]),
    ]
    return _finish(info, nodes, initializers)


@dataclass(frozen=True)
class TreeNode:
    """One node of a binary regression tree: `column <= threshold` goes to `left`."""

    column: int
    threshold: float
    left: int
    right: int
    is_leaf: bool
    value: float
    missing_goes_left: bool


def _leaf_paths(tree: Sequence[TreeNode], owners: list[int]) -> list[tuple[int, frozenset[int]]]:
    """Each leaf of a tree, with the features split on along the way to it."""
    found, pending = [], [(0, frozenset[int]())]
    while pending:
        node_id, path = pending.pop()
        node = tree[node_id]
        if node.is_leaf:
            found.append((node_id, path))
        else:
            path = path | {owners[node.column]}
            pending += [(node.left, path), (node.right, path)]
    return found


def additive_trees_graph(
    info: GraphInfo, trees: Sequence[Sequence[TreeNode]], scale: float, intercept: float
) -> onnx.ModelProto:
    """Each tree must split on the columns of one feature, or of one of `info.pairs`, only; its
    leaves (times `scale`) go to that feature's or that pair's term.

    Trees that are a single leaf are constants: the caller folds them into `intercept`.
    """
    term_of = {frozenset(term): index for index, term in enumerate(info.terms)}
    branches: list[tuple[int, int, int, str, float, int, int, int]] = []
    leaves: list[tuple[int, int, int, float]] = []
    for tree_id, tree in enumerate(trees):
        for node_id, node in enumerate(tree):
            if not node.is_leaf:
                branches.append((tree_id, node_id, node.column, "BRANCH_LEQ", node.threshold,
                                 node.left, node.right, int(node.missing_goes_left)))  # fmt: skip
        # A leaf's value goes to the term of the features on its own path from the root: whether a
        # lead reaches it depends on those features alone. (Two branches of one tree may take two
        # pairs that share the root's feature; each leaf still belongs to exactly one term.)
        for node_id, path in _leaf_paths(tree, info.owners):
            if path not in term_of:
                raise ValueError(f"tree {tree_id} reaches a leaf through features {sorted(path)}: not a term")
            branches.append((tree_id, node_id, 0, "LEAF", 0.0, 0, 0, 0))
            leaves.append((tree_id, node_id, term_of[path], scale * tree[node_id].value))
    tree_ids, node_ids, columns, modes, thresholds, lefts, rights, missing_left = map(
        list, zip(*branches, strict=True)
    )
    leaf_trees, leaf_nodes, targets, weights = map(list, zip(*leaves, strict=True))
    # Thresholds and leaf weights as double tensors: float32 thresholds would move split points.
    ensemble = helper.make_node(
        "TreeEnsembleRegressor",
        [INPUT],
        ["tree_contributions"],
        domain="ai.onnx.ml",
        n_targets=len(info.terms),
        aggregate_function="SUM",
        post_transform="NONE",
        nodes_treeids=tree_ids,
        nodes_nodeids=node_ids,
        nodes_featureids=columns,
        nodes_modes=modes,
        nodes_values_as_tensor=numpy_helper.from_array(np.array(thresholds, dtype=np.float64)),
        nodes_truenodeids=lefts,
        nodes_falsenodeids=rights,
        nodes_missing_value_tracks_true=missing_left,
        target_treeids=leaf_trees,
        target_nodeids=leaf_nodes,
        target_ids=targets,
        target_weights_as_tensor=numpy_helper.from_array(np.array(weights, dtype=np.float64)),
    )
    nodes = [
        ensemble,
        helper.make_node("Cast", ["tree_contributions"], [OUTPUT_CONTRIBUTIONS], to=TensorProto.DOUBLE),
    ]
    return _finish(info, nodes, [_intercept(intercept)])
