"""Telling people: the alert queue (a rep's lead, a review's reviewers, and what follows what they
pressed in Slack), its DLQ, and the function that drains it.

FIFO: an alert's work is done in order (its message group is the lead) and a resend within five
minutes is dropped (its deduplication id is the work's id). The function reads Slack's bot token,
and only that secret.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
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
