"""Alarms for the promise that no lead is lost: any message in a DLQ, any failed workflow."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dead_letter_queues: list[sqs.Queue],
        state_machine: sfn.StateMachine,
        alarm_topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        action = actions.SnsAction(alarm_topic)
        self.alarms: list[cloudwatch.Alarm] = []
        for index, dlq in enumerate(dead_letter_queues):
            alarm = dlq.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1)
            ).create_alarm(
                self,
                f"DlqNotEmpty{index}",
                alarm_description="A message reached a dead-letter queue: a lead or review request needs attention",
                threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            self.alarms.append(alarm)
        for name, metric in (
            ("WorkflowFailed", state_machine.metric_failed(period=Duration.minutes(1))),
            ("WorkflowTimedOut", state_machine.metric_timed_out(period=Duration.minutes(1))),
        ):
            self.alarms.append(
                metric.create_alarm(
                    self,
                    name,
                    alarm_description="A lead workflow ended without routing the lead; the lead records why",
                    threshold=0,
                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                    evaluation_periods=1,
                    treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                )
            )
        for alarm in self.alarms:
            alarm.add_alarm_action(action)
