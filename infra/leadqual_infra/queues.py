"""Encrypted SQS queues, each with its own dead-letter queue."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from leadqual import resources
from leadqual_infra.naming import name_resource


def _fifo(name: str) -> bool | None:
    return True if name.endswith(resources.FIFO_SUFFIX) else None


def dead_letter_queue(scope: Construct, construct_id: str, *, name: str) -> sqs.Queue:
    dlq = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=Duration.days(14),
        fifo=_fifo(name),
    )
    name_resource(dlq, name)
    return dlq


def queue_with_dlq(
    scope: Construct,
    construct_id: str,
    *,
    name: str,
    visibility_timeout: Duration,
    content_based_deduplication: bool | None = None,
) -> tuple[sqs.Queue, sqs.Queue]:
    """`content_based_deduplication`: for a FIFO queue that a sender without a deduplication id
    writes to (EventBridge Scheduler); a sender that gives one still decides."""
    dlq = dead_letter_queue(scope, f"{construct_id}Dlq", name=resources.dlq_name(name))
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        visibility_timeout=visibility_timeout,
        retention_period=Duration.days(4),
        dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=resources.MAX_RECEIVES),
        fifo=_fifo(name),
        content_based_deduplication=content_based_deduplication,
    )
    name_resource(queue, name)
    return queue, dlq
