"""Scoring queue consumer: one model inference for the whole batch, then each lead stored on its own."""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from leadqual import resources, wiring
from leadqual.domain.models import Reevaluation
from leadqual.handlers.sqs_batch import message_bodies, process_messages
from leadqual.observability import lambda_entry, logger, metrics

if TYPE_CHECKING:  # the service module is imported when the function first scores (see wiring)
    from leadqual.services.scoring import ScoredLead


class ScoringMessage(BaseModel):
    lead_id: str
    reevaluation: Reevaluation | None = None  # set for a held lead that new signals or time woke up


def _score_batch(messages: list[ScoringMessage]) -> Mapping[str, "ScoredLead"]:
    try:
        return wiring.scoring_service().score_batch([m.lead_id for m in messages if m.reevaluation is None])
    except Exception:
        # Each message is then scored on its own, and only a message that fails alone fails.
        logger.exception("batch scoring failed; scoring message by message")
        return {}


@lambda_entry()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    computed = _score_batch(message_bodies(event, ScoringMessage))

    def score(message: ScoringMessage) -> None:
        scores = wiring.scoring_service().score_lead(message.lead_id, computed, message.reevaluation)
        if scores is not None:
            logger.info(
                "lead scored",
                lead_id=message.lead_id,
                probability=scores.conversion_probability,
                grade=scores.grade,
            )
            metrics.add_metric(name="LeadsScored", unit=MetricUnit.Count, value=1)

    def dead_lettered(message: ScoringMessage, error: Exception) -> None:
        wiring.lead_service().record_dead_letter(message.lead_id, resources.SCORING_DLQ, error)
        metrics.add_metric(name="LeadsDeadLettered", unit=MetricUnit.Count, value=1)

    return process_messages(event, ScoringMessage, score, dead_lettered)
