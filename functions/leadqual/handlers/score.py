"""Scoring queue consumer: each record scores one lead; failures go back to SQS one by one."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Json

from leadqual import wiring
from leadqual.observability import lambda_entry, logger, metrics, tracer


class ScoringMessage(BaseModel):
    lead_id: str


class ScoringRecord(SqsRecordModel):
    body: Json[ScoringMessage]


processor = BatchProcessor(event_type=EventType.SQS, model=ScoringRecord)


@tracer.capture_method
def score_record(record: ScoringRecord) -> None:
    scores = wiring.scoring_service().score_lead(record.body.lead_id)
    if scores is not None:
        logger.info(
            "lead scored",
            lead_id=record.body.lead_id,
            probability=scores.conversion_probability,
            grade=scores.grade,
        )
        metrics.add_metric(name="LeadsScored", unit=MetricUnit.Count, value=1)


@lambda_entry()
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=score_record, processor=processor, context=context
    )
