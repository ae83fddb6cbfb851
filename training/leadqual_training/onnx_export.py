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
  term of the features it splits on. A term's trees are first summed into one tree where that is
  smaller (`summed_tree`): the same numbers from a third of the nodes, which ONNX Runtime builds on
  every cold start and every row walks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

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


# The values a column may still take at a node of a merged tree: the numbers in (low, high], and
# NaN too when `missing` (a split sends NaN to the side `missing_goes_left` says).
_Region = dict[int, tuple[float, float, bool]]
_ANY = (-math.inf, math.inf, True)
# Deeper than this, a summed tree is left as its parts: each row walks it at inference.
MAX_SUMMED_DEPTH = 64


def _side(node: TreeNode, region: _Region) -> int | None:
    """The child every value left in `region` goes to at `node`, or None when values go both ways."""
    low, high, missing = region.get(node.column, _ANY)
    if low >= high:  # no number is left: only NaN (or nothing) reaches this node
        return node.left if node.missing_goes_left else node.right
    if high <= node.threshold and (node.missing_goes_left or not missing):
        return node.left
    if low >= node.threshold and (not node.missing_goes_left or not missing):
        return node.right
    return None


def summed_tree(
    trees: Sequence[tuple[Sequence[TreeNode], dict[int, float]]], budget: int
) -> list[TreeNode] | None:
    """One tree whose leaf, for any input, holds the sum of the leaf values the given trees reach
    (each tree's `values`, by leaf; a leaf not in them counts 0); None if it needs over `budget` nodes.

    Built by following every tree at once: a node splits as the first tree still undecided does,
    and each child follows the trees again with what that split settled, so the sum is exact (in
    float64). The trees of one term of an additive model make one tree of far fewer nodes: ONNX
    Runtime builds every node when it loads the model, on every cold start of the scoring function.
    """
    nodes: list[TreeNode] = []

    def grow(cursors: list[tuple[int, int]], region: _Region, carried: float, depth: int = 0) -> int:
        if len(nodes) >= budget or depth > MAX_SUMMED_DEPTH:
            raise _OverBudget
        undecided: list[tuple[int, int]] = []
        for index, node_id in cursors:
            tree, values = trees[index]
            while not tree[node_id].is_leaf and (child := _side(tree[node_id], region)) is not None:
                node_id = child
            if tree[node_id].is_leaf:
                carried += values.get(node_id, 0.0)
            else:
                undecided.append((index, node_id))
        position = len(nodes)
        if not undecided:
            nodes.append(TreeNode(0, 0.0, 0, 0, True, carried, False))
            return position
        first_tree, first_node = undecided[0]
        split = trees[first_tree][0][first_node]
        nodes.append(split)  # a placeholder until both children have their positions
        low, high, missing = region.get(split.column, _ANY)
        at_most = (low, min(high, split.threshold), missing and split.missing_goes_left)
        above = (max(low, split.threshold), high, missing and not split.missing_goes_left)
        left = grow(undecided, {**region, split.column: at_most}, carried, depth + 1)
        right = grow(undecided, {**region, split.column: above}, carried, depth + 1)
        nodes[position] = replace(split, left=left, right=right, is_leaf=False, value=0.0)
        return position

    try:
        grow([(index, 0) for index in range(len(trees))], {}, 0.0)
    except _OverBudget:
        return None
    return nodes


class _OverBudget(Exception):
    pass


def _term_trees(
    trees: Sequence[Sequence[TreeNode]], info: GraphInfo
) -> list[tuple[Sequence[TreeNode], dict[int, tuple[int, float]]]]:
    """The trees to export, each with its leaves' (term, value): one summed tree per term where
    that is smaller than the term's own trees, the term's own trees (its leaves only) where not."""
    term_of = {frozenset(term): index for index, term in enumerate(info.terms)}
    by_term: dict[int, list[tuple[Sequence[TreeNode], dict[int, float]]]] = {}
    for tree_id, tree in enumerate(trees):
        # A leaf's value goes to the term of the features on its own path from the root: whether a
        # lead reaches it depends on those features alone. (Two branches of one tree may take two
        # pairs that share the root's feature; each leaf still belongs to exactly one term.)
        leaves: dict[int, dict[int, float]] = {}
        for node_id, path in _leaf_paths(tree, info.owners):
            if path not in term_of:
                raise ValueError(f"tree {tree_id} reaches a leaf through features {sorted(path)}: not a term")
            leaves.setdefault(term_of[path], {})[node_id] = tree[node_id].value
        for term, values in leaves.items():
            by_term.setdefault(term, []).append((tree, values))
    exported: list[tuple[Sequence[TreeNode], dict[int, tuple[int, float]]]] = []
    for term, own in sorted(by_term.items()):
        summed = summed_tree(own, budget=sum(len(tree) for tree, _ in own))
        parts = [(summed, {i: n.value for i, n in enumerate(summed) if n.is_leaf})] if summed else own
        exported += [
            (tree, {leaf: (term, value) for leaf, value in values.items()}) for tree, values in parts
        ]
    return exported


def additive_trees_graph(
    info: GraphInfo, trees: Sequence[Sequence[TreeNode]], scale: float, intercept: float
) -> onnx.ModelProto:
    """Each tree must split on the columns of one feature, or of one of `info.pairs`, only; its
    leaves (times `scale`) go to that feature's or that pair's term.

    Trees that are a single leaf are constants: the caller folds them into `intercept`.
    """
    branches: list[tuple[int, int, int, str, float, int, int, int]] = []
    leaves: list[tuple[int, int, int, float]] = []
    for tree_id, (tree, leaf_terms) in enumerate(_term_trees(trees, info)):
        for node_id, node in enumerate(tree):
            if not node.is_leaf:
                branches.append((tree_id, node_id, node.column, "BRANCH_LEQ", node.threshold,
                                 node.left, node.right, int(node.missing_goes_left)))  # fmt: skip
            else:
                branches.append((tree_id, node_id, 0, "LEAF", 0.0, 0, 0, 0))
                if node_id in leaf_terms:  # a leaf of another term's (exported apart) adds nothing here
                    term, value = leaf_terms[node_id]
                    leaves.append((tree_id, node_id, term, scale * value))
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
