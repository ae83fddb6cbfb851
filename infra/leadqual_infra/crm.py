"""CRM sync: the FIFO queue every lead's changes wait in, its DLQ, and the writer that drains it.

The queue is FIFO: its message group is the lead (one lead's changes are written in order) and its
deduplication id the change id (a resend within five minutes is dropped). The writer reads the
credentials the connections file names from Secrets Manager, and only those secrets.
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
            {
                Env.CRM_SYNC_DLQ_URL: queue.dead_letter_queue.queue_url,
                Env.CREDENTIALS_FROM: "secretsmanager",
            },
        )
        self.function.add_event_source(
            sources.SqsEventSource(
                queue.queue, batch_size=resources.CRM_SYNC_BATCH_SIZE, report_batch_item_failures=True
            )
        )
        # A change the CRM refused goes to the DLQ at once, with its reason (never retried).
        queue.dead_letter_queue.grant_send_messages(self.function)
        for index, name in enumerate(connections.crm_secrets()):
            secretsmanager.Secret.from_secret_name_v2(self, f"Credential{index}", name).grant_read(
                self.function
            )
