"""Workflow catch-all: record on the lead why its workflow failed (the execution then fails, alarmed)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from leadqual import wiring
from leadqual.domain.schemas.messages import FailureInput
from leadqual.observability import lambda_entry, logger, metrics

# Powertools' own modules name the context for type checkers only: importing it costs a cold start.
if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@lambda_entry()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = FailureInput.model_validate(event)
    failed = wiring.lead_service().record_failure(request.lead_id, request.error)
    if failed:
        logger.error("lead workflow failed", lead_id=request.lead_id, error=request.error)
        metrics.add_metric(name="WorkflowFailures", unit=MetricUnit.Count, value=1)
    else:
        logger.error(
            "lead routed, but lead.routed was not published", lead_id=request.lead_id, error=request.error
        )
        metrics.add_metric(name="AnnouncementsMissed", unit=MetricUnit.Count, value=1)
    return {"lead_id": request.lead_id, "recorded": True, "failed": failed}
