"""Workflow task: send the decided lead to its action queue and announce it."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from leadqual import wiring
from leadqual.handlers.workflow_io import DispatchInput
from leadqual.observability import lambda_entry, logger, metrics


@lambda_entry()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = DispatchInput.model_validate(event)
    route = wiring.routing_service().dispatch(request.decision, request.review)
    logger.info(
        "lead dispatched",
        lead_id=request.decision.lead_id,
        action=route.action,
        owner=route.owner,
        decided_by=route.decided_by,
    )
    metrics.add_metric(name=f"Routed_{route.action.value}", unit=MetricUnit.Count, value=1)
    return route.model_dump(mode="json")
