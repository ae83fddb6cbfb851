"""Function settings from environment variables, validated once at cold start."""

import json
import os
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError

from leadqual.domain.schemas.vocabulary import RouteAction
from leadqual.resources import DEFAULT_REVIEW_TIMEOUT_SECONDS, Env

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
    crm_sync_queue_url: str = ""
    crm_sync_dlq_url: str = ""
    connections_file: Path | None = None  # None: the one bundled at synth, if any
    credentials_from: Literal["secretsmanager", "environment"] = "environment"
    crm_read_function_name: str = ""
    alert_queue_url: str = ""
    alert_queue_arn: str = ""
    sla_schedule_group: str = ""
    sla_scheduler_role_arn: str = ""
    alerts_from_email: str = ""
    link_key_secret: str = ""


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
        "crm_sync_queue_url": environ.get(Env.CRM_SYNC_QUEUE_URL, ""),
        "crm_sync_dlq_url": environ.get(Env.CRM_SYNC_DLQ_URL, ""),
        "connections_file": environ.get(Env.CONNECTIONS_FILE) or None,
        "credentials_from": environ.get(Env.CREDENTIALS_FROM) or "environment",
        "crm_read_function_name": environ.get(Env.CRM_READ_FUNCTION_NAME, ""),
        "alert_queue_url": environ.get(Env.ALERT_QUEUE_URL, ""),
        "alert_queue_arn": environ.get(Env.ALERT_QUEUE_ARN, ""),
        "sla_schedule_group": environ.get(Env.SLA_SCHEDULE_GROUP, ""),
        "sla_scheduler_role_arn": environ.get(Env.SLA_SCHEDULER_ROLE_ARN, ""),
        "alerts_from_email": environ.get(Env.ALERTS_FROM_EMAIL, ""),
        "link_key_secret": environ.get(Env.LINK_KEY_SECRET, ""),
    }
    return validated(Settings, raw)


Validated = TypeVar("Validated", bound=BaseModel)


def validated(model: type[Validated], raw: dict[str, Any]) -> Validated:
    """A settings model (this module's, or the console's) from the environment's raw values."""
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise SettingsError(f"function environment is misconfigured: {error}") from None


@dataclass
class ExecutionEnvironment:
    """One function's environment: its variables, and what it builds once per cold start.

    In Lambda a process is one execution environment of one function, so `os.environ` and module
    caches are that function's. The local mode runs every function in one process, so it enters the
    invoking function's environment (variables from the synthesized template) for each invocation.
    """

    function_name: str
    variables: dict[str, str]
    built: dict[str, Any] = field(default_factory=dict)


_PROCESS = ExecutionEnvironment("process", {})
_current_environment: ContextVar[ExecutionEnvironment | None] = ContextVar(
    "leadqual_environment", default=None
)
T = TypeVar("T")


def current_environment() -> ExecutionEnvironment:
    found = _current_environment.get()
    if found is not None:
        return found
    if not _PROCESS.variables:
        _PROCESS.variables = dict(os.environ)
    return _PROCESS


def enter_environment(environment: ExecutionEnvironment | None) -> Any:
    """Makes `environment` current in this thread (None: the process's own); returns a reset token."""
    return _current_environment.set(environment)


def leave_environment(token: Any) -> None:
    _current_environment.reset(token)


def forget_process_environment() -> None:
    """The process's variables are read again (tests and the local mode change them)."""
    _PROCESS.variables = {}
    _PROCESS.built.clear()


def once_per_environment(build: Callable[[], T]) -> Callable[[], T]:
    """Builds once per execution environment, as a module-level cache does in Lambda."""
    key = f"{build.__module__}.{build.__qualname__}"

    @wraps(build)
    def built() -> T:
        store = current_environment().built
        if key not in store:
            store[key] = build()
        value: T = store[key]
        return value

    return built


@once_per_environment
def current_settings() -> Settings:
    return settings_from(current_environment().variables)


# A model's directory, as training writes it and serving and the deploy check read it.
def graph_path(directory: Path) -> Path:
    """The ONNX graph in a model's directory (beside its feature specification and profile)."""
    return directory / "model.onnx"


def spec_path(directory: Path) -> Path:
    """The feature specification the model was trained with, fitted (its categories learned)."""
    return directory / "feature_spec.json"


def profile_path(directory: Path) -> Path:
    """The scoring profile: the model's version, its grade thresholds and its sub-score groups."""
    return directory / "scoring_profile.json"


def resolve_model_dir(settings: Settings) -> Path:
    """The deployed model: an explicit directory, else model_artifacts/CURRENT."""
    if settings.model_dir and graph_path(settings.model_dir).exists():
        return settings.model_dir
    root = settings.model_dir or DEFAULT_MODEL_ROOT
    version = (root / "CURRENT").read_text(encoding="utf-8").strip()
    return root / version


def deploy_refusal(directory: Path) -> str | None:
    """Why the model in `directory` cannot serve live leads (`cdk synth` and `leadqual promote` both
    refuse it then), or None when it can."""
    # Imported here: only the tools ask, and every function imports this module at cold start.
    from leadqual.domain.features.model_input import unservable_columns
    from leadqual.domain.features.spec import FeatureSpec

    graph = graph_path(directory)
    if not graph.exists():
        return f"{directory} has no {graph.name}"
    spec = FeatureSpec.model_validate_json(spec_path(directory).read_text(encoding="utf-8"))
    missing = unservable_columns(spec)
    if missing:
        return (
            f"it reads columns live leads do not have: {missing}. It was trained on an export of another "
            "layout; it can back-test such exports but cannot be deployed"
        )
    return None
