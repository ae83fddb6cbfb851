"""The exporter sums each term's trees into one (leadqual_training.onnx_export.summed_tree): for any
input, NaN included, the summed tree's leaf is exactly what the trees' leaves add up to."""

import math

import numpy as np
import onnxruntime as ort
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadqual_training import onnx_export
from leadqual_training.onnx_export import GraphInfo, TreeNode, additive_trees_graph, summed_tree

COLUMNS = 2
THRESHOLDS = st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.5])


@st.composite
def trees(draw: st.DrawFn, max_splits: int = 4) -> list[TreeNode]:
    """A random binary tree over COLUMNS columns, built by splitting random leaves."""
    nodes = [TreeNode(0, 0.0, 0, 0, True, draw(st.floats(-3, 3)), False)]
    for _ in range(draw(st.integers(1, max_splits))):
        leaf = draw(st.sampled_from([i for i, n in enumerate(nodes) if n.is_leaf]))
        left, right = len(nodes), len(nodes) + 1
        nodes += [TreeNode(0, 0.0, 0, 0, True, draw(st.floats(-3, 3)), False) for _ in range(2)]
        nodes[leaf] = TreeNode(
            draw(st.integers(0, COLUMNS - 1)), draw(THRESHOLDS), left, right, False, 0.0, draw(st.booleans())
        )
    return nodes


def reached(tree: list[TreeNode], row: list[float]) -> int:
    node_id = 0
    while not tree[node_id].is_leaf:
        node = tree[node_id]
        value = row[node.column]
        goes_left = node.missing_goes_left if math.isnan(value) else value <= node.threshold
        node_id = node.left if goes_left else node.right
    return node_id


# Every threshold, a value on each side of it, and NaN: every region a tree can tell apart.
VALUES = [math.nan, -2.0, -1.0, -0.5, 0.0, 0.25, 0.5, 0.75, 1.0, 2.0, 2.5, 3.0]
ROWS = [[a, b] for a in VALUES for b in VALUES]


@settings(max_examples=200, deadline=None)
@given(st.lists(trees(), min_size=1, max_size=6))
def test_the_summed_tree_gives_every_input_the_sum_of_the_trees(forest: list[list[TreeNode]]) -> None:
    values = [{i: n.value for i, n in enumerate(tree) if n.is_leaf} for tree in forest]
    summed = summed_tree(list(zip(forest, values, strict=True)), budget=10_000)
    assert summed is not None
    for row in ROWS:
        expected = sum(tree[reached(tree, row)].value for tree in forest)
        assert math.isclose(summed[reached(summed, row)].value, expected, abs_tol=1e-12), row


def test_a_sum_that_needs_more_nodes_than_allowed_is_refused() -> None:
    # Two trees on two columns make a grid: 4 regions, 7 nodes, more than a budget of 5.
    forest = [
        [
            TreeNode(column, 0.5, 1, 2, False, 0.0, True),
            *(TreeNode(0, 0.0, 0, 0, True, v, False) for v in (1, 2)),
        ]
        for column in (0, 1)
    ]
    values = [{1: 1.0, 2: 2.0}] * 2
    assert summed_tree(list(zip(forest, values, strict=True)), budget=5) is None
    assert summed_tree(list(zip(forest, values, strict=True)), budget=7) is not None


@pytest.mark.parametrize("summing", [True, False], ids=["summed", "each term's own trees"])
@settings(max_examples=30, deadline=None)
@given(forest=st.lists(trees(), min_size=2, max_size=8))
def test_the_exported_graph_scores_as_the_trees_do_in_onnx_runtime(
    summing: bool, forest: list[list[TreeNode]]
) -> None:
    # One feature per column, so a tree's leaves belong to the term of the columns on their path.
    info = GraphInfo("test", "additive_gbm", ["a", "b"], ["a", "b"], owners=[0, 1], pairs=((0, 1),))
    with pytest.MonkeyPatch.context() as patch:
        if not summing:  # as when no term's sum is smaller than its trees: each exported as it is
            patch.setattr(onnx_export, "summed_tree", lambda trees, budget: None)
        graph = additive_trees_graph(info, forest, scale=1.0, intercept=0.0)
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    _, contributions = session.run(None, {"features": np.array(ROWS, dtype=np.float64)})
    expected = [sum(tree[reached(tree, row)].value for tree in forest) for row in ROWS]
    assert np.allclose(contributions.sum(axis=1), expected, atol=1e-5)
