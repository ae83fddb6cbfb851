"""Scoring pipeline: the scoring queue, the ONNX scoring function, and review requests from the workflow."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from leadqual import resources
from leadqual_infra.functions import FunctionFactory
from leadqual_infra.queues import queue_with_dlq


class ScoringQueues(Construct):
    """Created before the functions that send to them, so their URLs can go in every environment."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        # Visibility timeout at six times the consumer's timeout, as AWS recommends for Lambda.
        self.scoring, self.scoring_dlq = queue_with_dlq(
            self,
            "ScoringQueue",
            name=resources.SCORING_QUEUE,
            visibility_timeout=Duration.seconds(6 * resources.SCORE_FUNCTION.timeout_seconds),
        )
        self.review_requests, self.review_requests_dlq = queue_with_dlq(
            self,
            "ReviewRequestQueue",
            name=resources.REVIEW_QUEUE,
            visibility_timeout=Duration.seconds(6 * resources.REVIEW_REQUEST_FUNCTION.timeout_seconds),
        )

    @property
    def dead_letter_queues(self) -> list[sqs.Queue]:
        return [self.scoring_dlq, self.review_requests_dlq]


class ScoringPipeline(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, queues: ScoringQueues, factory: FunctionFactory
    ) -> None:
        super().__init__(scope, construct_id)
        self.score_function = factory.create(self, resources.SCORE_FUNCTION)
        # No batching window: with one, Lambda holds a lead until the window closes (1 s was 62% of
        # the warm path), and at low traffic "might wait for up to 20 seconds" (AWS's SQS event
        # source docs). Without one, a poll still hands over every message waiting, up to the batch
        # size, so leads that arrive together are still scored in one inference.
        self.score_function.add_event_source(
            sources.SqsEventSource(
                queues.scoring, batch_size=resources.SCORING_BATCH_SIZE, report_batch_item_failures=True,
            )
        )  # fmt: skip
        self.review_request_function = factory.create(self, resources.REVIEW_REQUEST_FUNCTION)
        self.review_request_function.add_event_source(
            sources.SqsEventSource(
                queues.review_requests,
                batch_size=resources.REVIEW_BATCH_SIZE,
                report_batch_item_failures=True,
            )
        )

    @property
    def functions(self) -> list[lambda_.Function]:
        return [self.score_function, self.review_request_function]
