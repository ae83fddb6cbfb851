"""Workflow task: decide tier, route and whether a human reviews first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from leadqual import wiring
from leadqual.domain.schemas.messages import RoutedLead, RouteInput
from leadqual.observability import lambda_entry, logger, metrics

# Powertools' own modules name the context for type checkers only: importing it costs a cold start.
if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# At init (full CPU), not in the first invocation: the policy, the service, its DynamoDB client.
wiring.prepare(wiring.routing_service, clients=("dynamodb",))


@lambda_entry()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = RouteInput.model_validate(event)
    decision = wiring.routing_service().route(request.lead_id)
    logger.info(
        "lead routed by rules",
        lead_id=decision.lead_id,
        rule=decision.rule,
        action=decision.action,
        review=decision.needs_review,
    )
    metrics.add_metric(
        name="ReviewsNeeded" if decision.needs_review else "AutoRouted", unit=MetricUnit.Count, value=1
    )
    return RoutedLead(
        lead_id=decision.lead_id, evaluation=decision.evaluation, needs_review=decision.needs_review
    ).model_dump(mode="json")
