"""Scoring queue consumer: one model inference for the whole batch, then each lead stored on its own."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from leadqual import resources, wiring
from leadqual.domain.schemas.lead import Reevaluation
from leadqual.domain.schemas.scores import Scores
from leadqual.handlers.sqs_batch import process_batch
from leadqual.observability import lambda_entry, logger, metrics

# Powertools' own modules name the context for type checkers only: importing it costs a cold start.
if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


class ScoringMessage(BaseModel):
    lead_id: str
    reevaluation: Reevaluation | None = None  # set for a held lead that new signals or time woke up


def score_all(messages: list[ScoringMessage]) -> Sequence[Exception | Scores | None]:
    from leadqual.services.scoring import ScoringRequest  # with the service, on the first batch (wiring)

    batch = wiring.scoring_service().score([ScoringRequest(m.lead_id, m.reevaluation) for m in messages])
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


def dead_lettered(message: ScoringMessage, error: Exception) -> None:
    wiring.lead_service().record_dead_letter(message.lead_id, resources.SCORING_DLQ, error)
    metrics.add_metric(name="LeadsDeadLettered", unit=MetricUnit.Count, value=1)


@lambda_entry()
def handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any]:
    return process_batch(event, ScoringMessage, score_all, dead_lettered)
