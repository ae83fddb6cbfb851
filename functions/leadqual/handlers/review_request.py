"""Review-request queue consumer: the workflow's waitForTaskToken message becomes a stored review."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Json

from leadqual import wiring
from leadqual.domain.models import RoutingDecision
from leadqual.observability import lambda_entry, logger, metrics


class ReviewRequestMessage(BaseModel):
    task_token: str
    decision: RoutingDecision


class ReviewRequestRecord(SqsRecordModel):
    body: Json[ReviewRequestMessage]


processor = BatchProcessor(event_type=EventType.SQS, model=ReviewRequestRecord)


def request_review(record: ReviewRequestRecord) -> None:
    review = wiring.review_service().request(record.body.decision, record.body.task_token)
    logger.info(
        "review requested", lead_id=review.lead_id, review_id=review.review_id, triggers=review.triggers
    )
    metrics.add_metric(name="ReviewsRequested", unit=MetricUnit.Count, value=1)


@lambda_entry()
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=request_review, processor=processor, context=context
    )
