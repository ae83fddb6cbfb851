"""Scoring queue consumer: one model inference for the whole batch, then each lead stored on its own."""

from leadqual.adapters import onnx_session
from leadqual.cold_start import in_lambda
from leadqual.settings import SettingsError, current_settings, graph_path, resolve_model_dir


def _start_the_model_session() -> None:
    """In Lambda, the model's ONNX Runtime session starts building now, on a thread of its own, while
    the imports below load (see `onnx_session`); the first batch takes it. Elsewhere (tests, the
    local mode) the first batch builds it, under the settings of the function that runs it."""
    if not in_lambda():
        return
    try:
        path = graph_path(resolve_model_dir(current_settings()))
    except (SettingsError, OSError):
        return  # nothing to start: the first batch fails on the same error, and says so
    onnx_session.start_building(path)


# Before the imports below, which are what the session's build overlaps.
_start_the_model_session()

from collections.abc import Sequence  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

from aws_lambda_powertools.metrics import MetricUnit  # noqa: E402

from leadqual import resources, wiring  # noqa: E402
from leadqual.domain.schemas.messages import ScoringRequest  # noqa: E402
from leadqual.domain.schemas.scores import Scores  # noqa: E402
from leadqual.handlers.sqs_batch import process_batch  # noqa: E402
from leadqual.observability import lambda_entry, logger, metrics  # noqa: E402

# Powertools' own modules name the context for type checkers only: importing it costs a cold start.
if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


# At init (full CPU), not in the first batch: the service, the model, the clients it calls.
wiring.prepare(wiring.scoring_service, clients=("dynamodb", "sqs", "stepfunctions"))


def score_all(messages: list[ScoringRequest]) -> Sequence[Exception | Scores | None]:
    batch = wiring.scoring_service().score(messages)
    if batch.inference_error is not None:
        logger.error(
            "batch scoring failed; scored message by message",
            exc_info=(
                type(batch.inference_error),
                batch.inference_error,
                batch.inference_error.__traceback__,
            ),
        )
    for message, outcome in zip(messages, batch.outcomes, strict=True):
        if isinstance(outcome, Scores):
            logger.info(
                "lead scored", lead_id=message.lead_id, probability=outcome.conversion_probability,
                grade=outcome.grade,
            )  # fmt: skip
            metrics.add_metric(name="LeadsScored", unit=MetricUnit.Count, value=1)
    return batch.outcomes


def dead_lettered(message: ScoringRequest, error: Exception) -> None:
    wiring.lead_service().record_dead_letter(message.lead_id, resources.SCORING_DLQ, error)
    metrics.add_metric(name="LeadsDeadLettered", unit=MetricUnit.Count, value=1)


@lambda_entry()
def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return process_batch(event, ScoringRequest, score_all, dead_lettered)
