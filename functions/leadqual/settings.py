"""Function settings from environment variables, validated once at cold start."""

import json
import os
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from leadqual.resources import DEFAULT_REVIEW_TIMEOUT_SECONDS, Env, RouteAction

DEFAULT_MODEL_ROOT = Path(__file__).resolve().parents[2] / "model_artifacts"


class Settings(BaseModel):
    leads_table: str
    signals_table: str
    scoring_queue_url: str = ""
    review_queue_url: str = ""
    action_queue_urls: dict[RouteAction, str] = {}
    state_machine_arn: str = ""
    sdr_topic_arn: str = ""
    event_bus_name: str = ""
    model_dir: Path | None = None
    review_timeout_seconds: int = Field(DEFAULT_REVIEW_TIMEOUT_SECONDS, gt=0)
    policy_file: Path | None = None


class SettingsError(RuntimeError):
    pass


def settings_from(environ: dict[str, str]) -> Settings:
    raw = {
        "leads_table": environ.get(Env.LEADS_TABLE),
        "signals_table": environ.get(Env.SIGNALS_TABLE),
        "scoring_queue_url": environ.get(Env.SCORING_QUEUE_URL, ""),
        "review_queue_url": environ.get(Env.REVIEW_QUEUE_URL, ""),
        "action_queue_urls": json.loads(environ.get(Env.ACTION_QUEUE_URLS, "{}")),
        "state_machine_arn": environ.get(Env.STATE_MACHINE_ARN, ""),
        "sdr_topic_arn": environ.get(Env.SDR_TOPIC_ARN, ""),
        "event_bus_name": environ.get(Env.EVENT_BUS_NAME, ""),
        "model_dir": environ.get(Env.MODEL_DIR) or None,
        "review_timeout_seconds": environ.get(Env.REVIEW_TIMEOUT_SECONDS, DEFAULT_REVIEW_TIMEOUT_SECONDS),
        "policy_file": environ.get(Env.POLICY_FILE) or None,
    }
    try:
        return Settings.model_validate(raw)
    except ValidationError as error:
        raise SettingsError(f"function environment is misconfigured: {error}") from None


@lru_cache(maxsize=1)
def current_settings() -> Settings:
    return settings_from(dict(os.environ))


def resolve_model_dir(settings: Settings) -> Path:
    """The deployed model: an explicit directory, else model_artifacts/CURRENT."""
    if settings.model_dir and (settings.model_dir / "model.onnx").exists():
        return settings.model_dir
    root = settings.model_dir or DEFAULT_MODEL_ROOT
    version = (root / "CURRENT").read_text(encoding="utf-8").strip()
    return root / version
