"""CRM sync: the FIFO queue every lead's changes wait in, its DLQ, and the writer that drains it.

The queue is FIFO: its message group is the lead (one lead's changes are written in order) and its
deduplication id the change id (a resend within five minutes is dropped). The writer reads the
credentials the connections file names from Secrets Manager, and only those secrets.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from leadqual import resources
from leadqual.connections import Connections
from leadqual.resources import Env
from leadqual_infra.functions import FunctionFactory
from leadqual_infra.queues import dead_letter_queue, queue_with_dlq


class CrmSyncQueue(Construct):
    """Made before the functions, so its URL can go in every function's environment."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.queue, self.dead_letter_queue = queue_with_dlq(
            self,
            "Queue",
            name=resources.CRM_SYNC_QUEUE,
            visibility_timeout=Duration.seconds(6 * resources.CRM_SYNC_FUNCTION.timeout_seconds),
        )


class CrmSync(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        factory: FunctionFactory,
        queue: CrmSyncQueue,
        connections: Connections,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function: lambda_.Function = factory.create(
            self,
            resources.CRM_SYNC_FUNCTION,
            {Env.CREDENTIALS_FROM: "secretsmanager"},
        )
        self.function.add_event_source(
            sources.SqsEventSource(
                queue.queue, batch_size=resources.CRM_SYNC_BATCH_SIZE, report_batch_item_failures=True
            )
        )
        # A change the CRM refused goes to the DLQ at once, with its reason (never retried).
        queue.dead_letter_queue.grant_send_messages(self.function)

        # The read side: sales' outcomes back from the CRM, every few minutes and nightly over the
        # last week. A run EventBridge could not deliver, or that failed after Lambda's own retries
        # of the asynchronous invocation, lands in this DLQ (alarmed with the others).
        self.read_dead_letter_queue = dead_letter_queue(self, "ReadScheduleDlq", name=resources.CRM_READ_DLQ)
        self.read_function: lambda_.Function = factory.create(
            self,
            resources.CRM_READ_FUNCTION,
            {Env.CREDENTIALS_FROM: "secretsmanager"},
            dead_letter_queue=self.read_dead_letter_queue,
        )
        for rule_id, schedule, payload, description in (
            ("ReadSchedule", events.Schedule.rate(Duration.minutes(resources.CRM_READ_EVERY_MINUTES)),
             {"reconcile": False}, "leadqual: read sales' outcomes from the CRM since the last read"),
            ("ReconcileSchedule", events.Schedule.cron(minute="30", hour="3"),
             {"reconcile": True}, "leadqual: nightly, read the last week's outcomes from the CRM again"),
        ):  # fmt: skip
            events.Rule(
                self, rule_id, description=description, schedule=schedule,
                targets=[targets.LambdaFunction(
                    self.read_function, event=events.RuleTargetInput.from_object(payload),
                    retry_attempts=2, dead_letter_queue=self.read_dead_letter_queue,
                )],
            )  # fmt: skip
        for index, name in enumerate(connections.crm_secrets()):
            secret = secretsmanager.Secret.from_secret_name_v2(self, f"Credential{index}", name)
            secret.grant_read(self.function)
            secret.grant_read(self.read_function)

    @property
    def functions(self) -> list[lambda_.Function]:
        return [self.function, self.read_function]
