"""Workflow task: a review passed its deadline; escalate to an AE instead of failing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from leadqual import wiring
from leadqual.domain.schemas.messages import EvaluationInput
from leadqual.observability import lambda_entry, logger, metrics

# Powertools' own modules name the context for type checkers only: importing it costs a cold start.
if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@lambda_entry()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = EvaluationInput.model_validate(event)
    outcome = wiring.escalation_service().escalate(request.lead_id, request.evaluation)
    if outcome.escalated:
        logger.warning("review escalated", lead_id=request.lead_id)
        metrics.add_metric(name="ReviewsEscalated", unit=MetricUnit.Count, value=1)
    else:
        logger.info("saved review decision applied at the deadline", lead_id=request.lead_id)
    return outcome.model_dump(mode="json")
