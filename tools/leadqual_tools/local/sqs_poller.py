"""Polls an SQS queue and calls a handler the way Lambda's event source mapping does.

moto's own mapping runs one record per SendMessage and ignores batchItemFailures, so the local
mode creates its mappings disabled and drives them here: receive up to the batch size, build the
`Records` event, delete every message except the ones the handler reports as failed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from leadqual.adapters.aws_clients import client
from leadqual_tools.local.iam import IamEnforcer, Permission
from leadqual_tools.local.invoker import invoke_in_process
from leadqual_tools.local.stack_template import REGION

CONSUMER_ACTIONS = ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes")


@dataclass
class SqsPoller:
    queue_url: str
    queue_arn: str
    function: str
    batch_size: int = 10
    # Lambda polls with the function's own role, which must allow receiving and deleting.
    iam: IamEnforcer | None = None

    def poll_once(self) -> int:
        """Processes one batch; returns how many messages were received."""
        if self.iam is not None:
            self.iam.authorize(
                self.function,
                "event source mapping",
                [Permission(f"sqs:{action}", self.queue_arn) for action in CONSUMER_ACTIONS],
            )
        sqs = client("sqs")
        messages = sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [self._record(m) for m in messages]}
        result, errored = invoke_in_process(self.function, event)
        if errored:
            return len(messages)  # the whole batch becomes visible again, as in Lambda
        failed = {item["itemIdentifier"] for item in json.loads(result).get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done[start : start + 10])
                ],
            )
        return len(messages)

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = message.get("Attributes", {})
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {
                "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                "SentTimestamp": attributes.get("SentTimestamp", "0"),
                "SenderId": attributes.get("SenderId", "local"),
                "ApproximateFirstReceiveTimestamp": attributes.get("ApproximateFirstReceiveTimestamp", "0"),
            },
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": REGION,
        }
