"""CRM-sync queue consumer: writes a batch of leads' changes to the CRM, within the API budget.

A full batch means a backlog: the writer takes more of it from the queue itself, up to one CRM
batch of 100 (`_backlog_top_up`). Each message's fate:
- written (or nothing to write): deleted;
- the CRM refused the record (a validation rule, a missing record): never retried; it goes to the
  DLQ at once with its reason (`validation_error:<field>`, `not_found`, ...) and the lead says so;
- the CRM was unavailable or refused the token: back to the queue (partial batch failure); after
  5 receives SQS moves it to the alarmed DLQ, and the lead says why;
- leadqual's share of today's API allocation is spent: back to the queue, out of sight until the
  share renews (ChangeMessageVisibility, at most 12 hours): it waits, it is never dropped.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from leadqual import resources, wiring
from leadqual.domain.ports import BudgetSpent, CrmSyncError
from leadqual.domain.schemas.crm_writes import CrmBudgetUsed
from leadqual.domain.schemas.messages import CrmSyncRequest
from leadqual.domain.schemas.shared import utc_now
from leadqual.handlers.sqs_batch import process_batch
from leadqual.observability import lambda_entry, logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

LONGEST_VISIBILITY_SECONDS = 12 * 3600  # SQS's most
CRM_BATCH = 100  # HubSpot's batch read and upsert take 100 records


@lambda_entry()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    service = wiring.crm_sync_service()
    postponed: dict[str, float] = {}  # change id -> seconds until the budget renews

    def sync_all(requests: list[CrmSyncRequest]) -> list[Exception | None]:
        outcomes = service.sync(requests)
        for request, outcome in zip(requests, outcomes, strict=True):
            if isinstance(outcome, BudgetSpent):
                postponed[request.change_id] = outcome.seconds_until_renewed
        refused = [
            (position, request, outcome)
            for position, (request, outcome) in enumerate(zip(requests, outcomes, strict=True))
            if isinstance(outcome, CrmSyncError) and not outcome.retryable
        ]
        for position, request, outcome in refused:
            wiring.crm_dead_letters().send(request, outcome.reason)
            service.dead_lettered(request, outcome.reason, str(outcome))
            logger.warning(
                "CRM refused a change: dead-lettered", lead_id=request.lead_id, reason=outcome.reason
            )
            outcomes[position] = None  # in the DLQ now: done with here
        written = sum(1 for outcome in outcomes if outcome is None)
        metrics.add_metric(name="CrmChangesWritten", unit=MetricUnit.Count, value=written)
        return outcomes

    def dead_lettered(request: CrmSyncRequest, error: Exception) -> None:
        service.dead_lettered(request, getattr(error, "reason", "unavailable"), str(error))

    queue = wiring.crm_sync_queue()
    own = {record["messageId"] for record in event.get("Records", [])}
    # A full batch means a backlog: take more of it now, up to one CRM batch (Lambda gives a FIFO
    # consumer 10 at most; a batch read and upsert cost the same for 100 records as for 10).
    more = queue.take_more(CRM_BATCH - len(own)) if len(own) >= resources.CRM_SYNC_BATCH_SIZE else []
    everything = {"Records": [*event.get("Records", []), *more]}
    answer = process_batch(everything, CrmSyncRequest, sync_all, dead_lettered)
    failed = {item["itemIdentifier"] for item in answer["batchItemFailures"]}
    queue.delete([record for record in more if record["messageId"] not in failed])
    for record in everything["Records"]:
        change_id = json.loads(record["body"]).get("change_id")
        if change_id in postponed:  # out of sight until the budget renews
            queue.postpone(record, min(LONGEST_VISIBILITY_SECONDS, max(1, int(postponed[change_id]))))
    _report_budget()
    # Lambda is told about its own messages; the ones taken here are deleted here, or left to
    # come back after the visibility timeout, as a failed one of Lambda's does.
    return {
        "batchItemFailures": [item for item in answer["batchItemFailures"] if item["itemIdentifier"] in own]
    }


def _report_budget() -> None:
    """The share of today's API allowance spent: a metric (alarmed at the connections file's
    alarm_at) and the console's CRM sync page."""
    used, system = wiring.crm_budget_spent(), wiring.connections().crm_system
    if used is None or system is None:
        return
    spent, share = used
    metrics.add_metric(name=resources.CRM_BUDGET_METRIC, unit=MetricUnit.Percent, value=100 * spent / share)
    wiring.crm_ledger().note_budget(CrmBudgetUsed(system=system, spent=spent, share=share, at=utc_now()))
