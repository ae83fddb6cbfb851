"""Review-request queue consumer: the workflow's waitForTaskToken message becomes a stored review."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from leadqual import resources, wiring
from leadqual.domain.schemas.messages import ReviewRequest
from leadqual.handlers.sqs_batch import process_messages
from leadqual.observability import lambda_entry, logger, metrics
from leadqual.services.reviews import ReviewTooLate

# Powertools' own modules name the context for type checkers only: importing it costs a cold start.
if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def request_review(message: ReviewRequest) -> None:
    try:
        review = wiring.review_service().request(message.lead_id, message.evaluation, message.task_token)
    except ReviewTooLate as late:
        logger.warning(
            "review request dropped: the workflow already moved on", lead_id=message.lead_id, why=str(late)
        )
        return
    logger.info(
        "review requested", lead_id=review.lead_id, review_id=review.review_id, triggers=review.triggers
    )
    metrics.add_metric(name="ReviewsRequested", unit=MetricUnit.Count, value=1)


@lambda_entry()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    def dead_lettered(message: ReviewRequest, error: Exception) -> None:
        wiring.lead_service().record_dead_letter(
            message.lead_id, resources.REVIEW_DLQ, error, still="the review escalates at its deadline"
        )

    return process_messages(event, ReviewRequest, request_review, dead_lettered)
