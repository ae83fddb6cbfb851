"""A model session started at cold start is the one the first model takes, once; a failed one says why."""

from pathlib import Path

import numpy as np
import pytest
from onnxruntime.capi.onnxruntime_pybind11_state import InvalidProtobuf

from leadqual.adapters import onnx_session
from leadqual.adapters.onnx_model import OnnxModel
from leadqual.settings import DEFAULT_MODEL_ROOT, graph_path, profile_path, spec_path

SHIPPED = DEFAULT_MODEL_ROOT / (DEFAULT_MODEL_ROOT / "CURRENT").read_text().strip()
SHIPPED_GRAPH = graph_path(SHIPPED)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The sessions built from a file, in order (each a real ONNX Runtime session)."""
    built: list[Path] = []
    build = onnx_session.build_session

    def recorded(path: Path) -> object:
        built.append(path)
        return build(path)

    monkeypatch.setattr(onnx_session, "build_session", recorded)
    return built


def test_the_first_model_takes_the_session_started_for_its_file_and_a_later_one_builds_its_own(
    builds: list[Path],
) -> None:
    # GIVEN the shipped model's session started on its own thread, as the scoring handler does in Lambda
    onnx_session.start_building(SHIPPED_GRAPH)
    onnx_session.start_building(SHIPPED_GRAPH)  # a second start of the same file is the same build
    # WHEN two models are loaded from its directory
    first, second = OnnxModel(SHIPPED), OnnxModel(SHIPPED)
    # THEN the first took the started session and the second built one more: two builds in all
    assert builds == [SHIPPED_GRAPH] * 2
    assert first.session is not second.session
    # AND both score alike
    features = np.zeros((3, first.width), dtype=np.float64)
    assert np.array_equal(first.predict(features).probability, second.predict(features).probability)


def test_a_session_that_cannot_be_built_fails_the_model_that_takes_it_not_the_start(tmp_path: Path) -> None:
    # GIVEN a model directory whose graph is not ONNX
    directory = tmp_path / "broken"
    directory.mkdir()
    for path in (spec_path, profile_path):
        path(directory).write_bytes(path(SHIPPED).read_bytes())
    graph_path(directory).write_text("not a graph", encoding="utf-8")
    # WHEN its session is started (nothing raises on the handler's import) and a model then takes it
    onnx_session.start_building(graph_path(directory))
    # THEN the model raises ONNX Runtime's own error, and nothing is left waiting to be taken
    with pytest.raises(InvalidProtobuf):
        OnnxModel(directory)
    with pytest.raises(InvalidProtobuf):
        OnnxModel(directory)  # built again, not the failed build handed out twice
