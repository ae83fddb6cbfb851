"""Alert queue consumer: tells a rep in Slack about their lead and reviewers about a review, and
carries out what follows a person's action there (the message updated, the timeline, the ledger).

Each message is safe to receive twice: an announcement is posted once (services/alerts.py), a
follow-up is marked done on its alert. A message that keeps failing goes to the alarmed DLQ after
5 receives; the lead's timeline says what was and was not told.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from leadqual import wiring
from leadqual.domain.schemas.messages import AlertWork
from leadqual.handlers.sqs_batch import process_messages
from leadqual.observability import lambda_entry, logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@lambda_entry()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    service = wiring.alert_service()

    def handle(work: AlertWork) -> None:
        service.handle(work)
        # Ids only: who was told and what they pressed stay on the alert and the lead.
        logger.info("alert work done", kind=work.kind, alert_id=work.alert_id, lead_id=work.lead_id)

    return process_messages(event, AlertWork, handle)
