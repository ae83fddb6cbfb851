"""Telling people: the alert queue (a rep's lead, a review's reviewers, and what follows what they
pressed in Slack), its DLQ, and the function that drains it.

FIFO: an alert's work is done in order (its message group is the lead) and a resend within five
minutes is dropped (its deduplication id is the work's id). The function reads Slack's bot token,
and only that secret.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from constructs import Construct

from leadqual import resources
from leadqual.connections import Connections
from leadqual.resources import Env
from leadqual_infra.functions import FunctionFactory
from leadqual_infra.queues import queue_with_dlq


class AlertQueue(Construct):
    """Made before the functions, so its URL can go in every function's environment."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.queue, self.dead_letter_queue = queue_with_dlq(
            self,
            "Queue",
            name=resources.ALERT_QUEUE,
            visibility_timeout=Duration.seconds(6 * resources.ALERT_FUNCTION.timeout_seconds),
            # The SLA chain's schedules send with no deduplication id of their own.
            content_based_deduplication=True,
        )


class Alerts(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        factory: FunctionFactory,
        queue: AlertQueue,
        connections: Connections,
        alerts_from_email: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function: lambda_.Function = factory.create(
            self, resources.ALERT_FUNCTION, {Env.CREDENTIALS_FROM: "secretsmanager"}
        )
        self.function.add_event_source(
            sources.SqsEventSource(
                queue.queue, batch_size=resources.ALERT_BATCH_SIZE, report_batch_item_failures=True
            )
        )
        self.slack = SlackSecrets(self, "Slack", connections) if connections.slack is not None else None
        if self.slack is not None:
            self.slack.bot_token.grant_read(self.function)
        if connections.teams is not None:
            # The Teams channel's Workflows webhook URL (it carries its own signature): read only here.
            secretsmanager.Secret.from_secret_name_v2(
                self, "TeamsWebhook", connections.teams.webhook_url_secret
            ).grant_read(self.function)

        # The SLA chain: one-time schedules in their own group, each sending its step to the
        # alert queue as a role that may do only that; the alert function makes and deletes them.
        group = scheduler.CfnScheduleGroup(self, "SlaSchedules", name=resources.SLA_SCHEDULE_GROUP)
        self.scheduler_role = iam.Role(
            self, "SlaSchedulerRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com",
                                            conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}}),
            description="leadqual: EventBridge Scheduler sends an SLA step to the alert queue",
        )  # fmt: skip
        queue.queue.grant_send_messages(self.scheduler_role)
        schedules = Stack.of(self).format_arn(
            service="scheduler", resource="schedule", resource_name=f"{resources.SLA_SCHEDULE_GROUP}/*"
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["scheduler:CreateSchedule", "scheduler:DeleteSchedule"], resources=[schedules]
            )
        )
        self.scheduler_role.grant_pass_role(self.function.grant_principal)
        self.function.node.add_dependency(group)

        # E-mail: reminders carry a link that acknowledges, signed with a key only leadqual knows
        # (generated here, read by the alert function to sign and by the API to check).
        self.link_key = secretsmanager.Secret(
            self, "LinkKey",
            description="leadqual: signs the acknowledge links in alert e-mails",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=64, exclude_punctuation=True),
        )  # fmt: skip
        self.link_key.grant_read(self.function)
        self.function.add_environment(Env.LINK_KEY_SECRET, self.link_key.secret_arn)
        if alerts_from_email:
            sender = ses.EmailIdentity(self, "AlertsSender", identity=ses.Identity.email(alerts_from_email))
            self.function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["ses:SendEmail"],
                    resources=[
                        Stack.of(self).format_arn(
                            service="ses", resource="identity", resource_name=sender.email_identity_name
                        )
                    ],
                )  # fmt: skip
            )
            self.function.add_environment(Env.ALERTS_FROM_EMAIL, alerts_from_email)
        for name, value in (
            (Env.SLA_SCHEDULE_GROUP, resources.SLA_SCHEDULE_GROUP),
            (Env.ALERT_QUEUE_ARN, queue.queue.queue_arn),
            (Env.SLA_SCHEDULER_ROLE_ARN, self.scheduler_role.role_arn),
        ):
            self.function.add_environment(name, value)


class SlackSecrets(Construct):
    """The Slack app's bot token and signing secret, as the connections file names them."""

    def __init__(self, scope: Construct, construct_id: str, connections: Connections) -> None:
        super().__init__(scope, construct_id)
        slack = connections.slack
        assert slack is not None
        self.bot_token = secretsmanager.Secret.from_secret_name_v2(self, "BotToken", slack.token_secret)
        self.signing_secret = secretsmanager.Secret.from_secret_name_v2(
            self, "SigningSecret", slack.signing_secret_secret
        )
