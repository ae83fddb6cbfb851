"""Exports a calibrated additive model as ONE ONNX graph that also returns its own explanation.

Graph: features (double [N, F]) -> standardise -> per-column contributions to the log-odds ->
sum + intercept = logit -> sigmoid = probability. Returning `contributions` from the graph means
the reasons a rep reads are the very numbers the probability was computed from.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
INPUT = "features"
OUTPUT_PROBABILITY = "probability"
OUTPUT_LOGIT = "logit"
OUTPUT_CONTRIBUTIONS = "contributions"


def additive_logistic_graph(
    mean: np.ndarray,
    scale: np.ndarray,
    weights: np.ndarray,
    intercept: float,
    columns: list[str],
    version: str,
) -> onnx.ModelProto:
    width = len(columns)
    initializers = [
        numpy_helper.from_array(mean.astype(np.float64).reshape(1, width), "mean"),
        numpy_helper.from_array(scale.astype(np.float64).reshape(1, width), "scale"),
        numpy_helper.from_array(weights.astype(np.float64).reshape(1, width), "weights"),
        numpy_helper.from_array(np.array([intercept], dtype=np.float64), "intercept"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "sum_axis"),
    ]
    nodes = [
        helper.make_node("Sub", [INPUT, "mean"], ["centred"]),
        helper.make_node("Div", ["centred", "scale"], ["standardised"]),
        helper.make_node("Mul", ["standardised", "weights"], [OUTPUT_CONTRIBUTIONS]),
        helper.make_node("ReduceSum", [OUTPUT_CONTRIBUTIONS, "sum_axis"], ["summed"], keepdims=0),
        helper.make_node("Add", ["summed", "intercept"], [OUTPUT_LOGIT]),
        helper.make_node("Sigmoid", [OUTPUT_LOGIT], [OUTPUT_PROBABILITY]),
    ]
    graph = helper.make_graph(
        nodes,
        "leadqual_additive_logistic",
        [helper.make_tensor_value_info(INPUT, TensorProto.DOUBLE, ["batch", width])],
        [
            helper.make_tensor_value_info(OUTPUT_PROBABILITY, TensorProto.DOUBLE, ["batch"]),
            helper.make_tensor_value_info(OUTPUT_LOGIT, TensorProto.DOUBLE, ["batch"]),
            helper.make_tensor_value_info(OUTPUT_CONTRIBUTIONS, TensorProto.DOUBLE, ["batch", width]),
        ],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="leadqual")
    model.ir_version = 8
    helper.set_model_props(model, {"leadqual_model_version": version, "columns": ",".join(columns)})
    onnx.checker.check_model(model)
    return model
