"""The ONNX model, loaded once per cold start, with the feature specification it was trained with."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from leadqual.adapters import onnx_session
from leadqual.domain.features.spec import FeatureSpec
from leadqual.domain.ports import ModelOutputs
from leadqual.domain.scoring import ScoringProfile
from leadqual.settings import graph_path, profile_path, spec_path

OUTPUTS = ["probability", "contributions"]


class OnnxModel:
    def __init__(self, directory: Path):
        self.directory = directory
        self.spec = FeatureSpec.model_validate_json(spec_path(directory).read_text(encoding="utf-8"))
        self.profile = ScoringProfile.model_validate_json(profile_path(directory).read_text(encoding="utf-8"))
        self.version = self.profile.model_version
        # Built now, unless the scoring handler started it at cold start (see onnx_session).
        self.session = onnx_session.take(graph_path(directory))
        self.width = len(self.spec.output_columns())

    def predict(self, features: np.ndarray) -> ModelOutputs:
        probability, contributions = self.session.run(OUTPUTS, {"features": features})
        return ModelOutputs(probability=probability, contributions=contributions)
