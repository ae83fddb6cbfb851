"""Where the repository keeps what the tools read by default: specification, data, model artifacts."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SPEC = REPO / "training" / "specs" / "leadqual_default.yaml"
DEFAULT_DATA = REPO / "training" / "data" / "synthetic_leads.csv"
DEFAULT_ARTIFACTS = REPO / "model_artifacts"
# A small labelled export that ships, so `leadqual evaluate` can be tried at once (400 synthetic
# leads from the training's own generator with a seed of its own: write_training_csv(path, spec, 400, 23)).
SAMPLE_LABELLED = REPO / "training" / "samples" / "labelled_leads.csv"
