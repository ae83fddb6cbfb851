"""Workflow task: a review passed its deadline; escalate to an AE instead of failing."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from leadqual import wiring
from leadqual.handlers.workflow_io import DecisionInput
from leadqual.observability import lambda_entry, logger, metrics


@lambda_entry()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = DecisionInput.model_validate(event)
    outcome = wiring.routing_service().escalate(request.decision)
    logger.warning("review escalated", lead_id=request.decision.lead_id)
    metrics.add_metric(name="ReviewsEscalated", unit=MetricUnit.Count, value=1)
    return outcome.model_dump(mode="json")
