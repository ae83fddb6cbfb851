"""Scheduled: sales' outcomes read back from the CRM (every few minutes; nightly, the last week)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from leadqual import wiring
from leadqual.domain.schemas.shared import utc_now
from leadqual.observability import lambda_entry, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@lambda_entry()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    reconcile = bool(event.get("reconcile"))
    read = wiring.crm_read_service().poll(utc_now(), reconcile=reconcile)
    # Lead ids and counts only: the outcomes themselves are on the leads.
    logger.info(
        "CRM changes read", reconcile=reconcile, read=read.read, recorded=read.recorded,
        already_known=read.already_known, own_writes=read.own_writes, unknown_leads=read.unknown_leads[:20],
        accounts_updated=read.accounts_updated, reps_inactive=read.reps_inactive, corrections=read.corrections,
        activities=read.activities,
    )  # fmt: skip
    metrics.add_metric(name="CrmOutcomesRecorded", unit=MetricUnit.Count, value=read.recorded)
    return {"read": read.read, "recorded": read.recorded, "already_known": read.already_known,
            "own_writes": read.own_writes, "unknown_leads": len(read.unknown_leads),
            "accounts_updated": read.accounts_updated, "reps_inactive": len(read.reps_inactive),
            "corrections": read.corrections, "activities": read.activities}  # fmt: skip
