"""The SLA chain's steps as EventBridge Scheduler one-time schedules (`at(...)`), each sending its
step to the alert queue when due and deleting itself (ActionAfterCompletion DELETE).

A schedule is named by its alert and step, so scheduling one twice is a conflict that changes
nothing, and an acknowledgement deletes exactly the alert's schedules. Scheduler puts the step on
the FIFO alert queue with the lead as its message group; the queue deduplicates by content.
"""

from __future__ import annotations

from datetime import UTC, datetime

from botocore.exceptions import ClientError

from leadqual.adapters.aws_clients import client
from leadqual.domain.schemas.messages import AlertWork


def schedule_name(alert_id: str, step: int) -> str:
    return f"sla-{alert_id}-{step}"


class EventBridgeSlaScheduler:
    def __init__(self, group: str, queue_arn: str, role_arn: str):
        self.group = group
        self.queue_arn = queue_arn
        self.role_arn = role_arn

    def schedule(self, work: AlertWork, at: datetime) -> None:
        assert work.step is not None
        try:
            client("scheduler").create_schedule(
                Name=schedule_name(work.alert_id, work.step),
                GroupName=self.group,
                ScheduleExpression=f"at({at.astimezone(UTC):%Y-%m-%dT%H:%M:%S})",
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target={
                    "Arn": self.queue_arn,
                    "RoleArn": self.role_arn,
                    "Input": work.model_dump_json(),
                    "SqsParameters": {"MessageGroupId": work.lead_id},
                    # A step that cannot be delivered is retried for an hour, then dropped: the
                    # next step (or the lead's timeline) still shows nobody acknowledged.
                    "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConflictException":
                raise  # ConflictException: scheduled by an earlier delivery of the same alert

    def cancel(self, alert_id: str, steps: int) -> None:
        for step in range(steps):
            try:
                client("scheduler").delete_schedule(Name=schedule_name(alert_id, step), GroupName=self.group)
            except ClientError as error:
                if error.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise  # not found: that step ran already (and deleted itself), or was never set
