"""Where the repository keeps what the tools read by default: specification, data, model artifacts."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = REPO / "training" / "specs" / "leadqual_default.yaml"
DEFAULT_DATA = REPO / "training" / "data" / "synthetic_leads.csv"
DEFAULT_ARTIFACTS = REPO / "model_artifacts"
