"""Holds end: an hourly EventBridge schedule runs the hold sweep, which re-queues leads held too long."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from leadqual import resources
from leadqual_infra.functions import FunctionFactory
from leadqual_infra.queues import dead_letter_queue


class HoldSweep(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, factory: FunctionFactory) -> None:
        super().__init__(scope, construct_id)
        # A sweep EventBridge could not deliver, or one that failed after Lambda's own retries of
        # the asynchronous invocation, lands here (alarmed with the other DLQs).
        self.dead_letter_queue = dead_letter_queue(self, "ScheduleDlq", name=resources.HOLD_SWEEP_DLQ)
        self.function: lambda_.Function = factory.create(
            self, resources.HOLD_SWEEP_FUNCTION, dead_letter_queue=self.dead_letter_queue
        )
        events.Rule(
            self,
            "Schedule",
            description="leadqual: end holds older than the policy's hold.max_days",
            schedule=events.Schedule.rate(Duration.minutes(resources.HOLD_SWEEP_EVERY_MINUTES)),
            targets=[
                targets.LambdaFunction(
                    self.function, retry_attempts=2, dead_letter_queue=self.dead_letter_queue
                )
            ],
        )
