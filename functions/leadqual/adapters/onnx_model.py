"""The ONNX model, loaded once per cold start, with the feature specification it was trained with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort

from leadqual.domain.features.spec import FeatureSpec
from leadqual.domain.ports import ModelOutputs
from leadqual.domain.scoring import ScoringProfile

OUTPUTS = ["probability", "contributions"]


class OnnxModel:
    def __init__(self, directory: Path):
        self.directory = directory
        self.spec = FeatureSpec.model_validate_json(
            (directory / "feature_spec.json").read_text(encoding="utf-8")
        )
        self.profile = ScoringProfile.model_validate_json(
            (directory / "scoring_profile.json").read_text(encoding="utf-8")
        )
        self.version = self.profile.model_version
        options = ort.SessionOptions()
        # Lambda gives a scoring function ~1 vCPU: extra threads only add scheduling overhead.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(directory / "model.onnx"), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.width = len(self.spec.output_columns())

    def predict(self, features: np.ndarray) -> ModelOutputs:
        probability, contributions = self.session.run(OUTPUTS, {"features": features})
        return ModelOutputs(probability=probability, contributions=contributions)
