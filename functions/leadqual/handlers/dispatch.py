"""Workflow task: send the decided lead to its action queue and announce it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from leadqual import wiring
from leadqual.domain.schemas.messages import DispatchInput
from leadqual.observability import lambda_entry, logger, metrics

# Powertools' own modules name the context for type checkers only: importing it costs a cold start.
if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# At init (full CPU), not in the first invocation: the policy, the service and its clients.
wiring.prepare(wiring.dispatch_service, clients=("dynamodb", "sqs", "events"))


@lambda_entry()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = DispatchInput.model_validate(event)
    dispatched = wiring.dispatch_service().dispatch(request.lead_id, request.evaluation, request.review)
    route, sla = dispatched.route, dispatched.sla
    logger.info(
        "lead dispatched",
        lead_id=request.lead_id,
        action=route.action,
        rule=route.rule,
        sla=sla.model_dump() if sla else None,
    )
    if dispatched.first_time and sla is not None:
        metrics.add_metric(name=f"Routed_{route.action.value}", unit=MetricUnit.Count, value=1)
        # Speed to lead: alarms and dashboards read these (seconds from ingest, and waiting on an SDR).
        metrics.add_metric(name="TimeToRoute", unit=MetricUnit.Seconds, value=sla.seconds_to_route)
        if sla.seconds_in_review is not None:
            metrics.add_metric(name="TimeInReview", unit=MetricUnit.Seconds, value=sla.seconds_in_review)
    # Ids and the route only: this lands in the execution history (owner and reviewer stay on the lead).
    return {"lead_id": request.lead_id, "action": route.action.value, "rule": route.rule}
