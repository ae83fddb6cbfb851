"""Scheduled (EventBridge, hourly): ends holds that waited longer than the policy's max_days."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from leadqual import wiring
from leadqual.domain.schemas.shared import utc_now
from leadqual.observability import lambda_entry, logger, metrics

# Powertools' own modules name the context for type checkers only: importing it costs a cold start.
if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@lambda_entry()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    expired = wiring.hold_sweeper().sweep(utc_now())
    logger.info("hold sweep", expired=len(expired))
    metrics.add_metric(name="HoldsExpired", unit=MetricUnit.Count, value=len(expired))
    return {"expired": expired}
