"""SQS, SNS, EventBridge and Step Functions behind the application's ports."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from leadqual.adapters.aws_clients import client
from leadqual.domain.ports import TaskTokenExpired
from leadqual.domain.schemas.lead import Reevaluation
from leadqual.domain.schemas.messages import AlertWork, CrmSyncRequest, LeadRouted, RouteInput, ScoringRequest
from leadqual.domain.schemas.vocabulary import RouteAction

EVENT_SOURCE = "leadqual"


class SqsScoringQueue:
    def __init__(self, queue_url: str):
        self.queue_url = queue_url

    def enqueue(self, lead_id: str, reevaluation: Reevaluation | None = None) -> None:
        request = ScoringRequest(lead_id=lead_id, reevaluation=reevaluation)
        client("sqs").send_message(
            QueueUrl=self.queue_url, MessageBody=request.model_dump_json(exclude_none=True)
        )


class StepFunctionsWorkflow:
    def __init__(self, state_machine_arn: str):
        self.arn = state_machine_arn

    def start(self, lead_id: str, execution_name: str | None = None) -> bool:
        """Starts a workflow for the lead; False when one of that name exists (default name: the lead id)."""
        try:
            client("stepfunctions").start_execution(
                stateMachineArn=self.arn,
                name=execution_name or lead_id,
                input=RouteInput(lead_id=lead_id).model_dump_json(),
            )
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return False
            raise

    def resume(self, task_token: str, output: dict[str, Any]) -> None:
        try:
            client("stepfunctions").send_task_success(taskToken=task_token, output=json.dumps(output))
        except ClientError as error:
            if error.response["Error"]["Code"] in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
                raise TaskTokenExpired(error.response["Error"]["Code"]) from error
            raise


class SnsNotifier:
    def __init__(self, topic_arn: str):
        self.topic_arn = topic_arn

    def notify(self, subject: str, message: str, attributes: dict[str, str]) -> None:
        client("sns").publish(
            TopicArn=self.topic_arn,
            Subject=subject[:100],
            Message=message,
            MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
        )


class QueueDispatcher:
    """One FIFO queue per action, and a `lead.routed` event on the bus for everyone else.

    The queues deduplicate by `dedupe_id` (SQS drops a resend within five minutes); the event
    carries it too, for consumers to drop a resend themselves (EventBridge has no such id).
    """

    def __init__(self, queue_urls: dict[RouteAction, str], event_bus_name: str):
        self.queue_urls = queue_urls
        self.event_bus_name = event_bus_name

    def send(self, action: RouteAction, message: LeadRouted) -> None:
        client("sqs").send_message(
            QueueUrl=self.queue_urls[action],
            MessageBody=message.model_dump_json(),
            MessageGroupId=message.lead_id,
            MessageDeduplicationId=message.dedupe_id,
            MessageAttributes={"dedupe_id": {"DataType": "String", "StringValue": message.dedupe_id}},
        )

    def publish_routed(self, message: LeadRouted) -> None:
        response = client("events").put_events(
            Entries=[
                {
                    "Source": EVENT_SOURCE,
                    "DetailType": "lead.routed",
                    "Detail": message.model_dump_json(),
                    "EventBusName": self.event_bus_name,
                }
            ]
        )
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"EventBridge rejected lead.routed: {response['Entries']}")


class SqsCrmChangeQueue:
    def __init__(self, queue_url: str):
        self.queue_url = queue_url

    def send(self, request: CrmSyncRequest) -> None:
        client("sqs").send_message(
            QueueUrl=self.queue_url,
            MessageBody=request.model_dump_json(),
            MessageGroupId=request.lead_id,
            MessageDeduplicationId=request.change_id,
        )


class SqsCrmDeadLetters:
    """The CRM-sync DLQ, for a change the CRM refused (never retried): its reason beside it."""

    def __init__(self, queue_url: str):
        self.queue_url = queue_url

    def send(self, request: CrmSyncRequest, reason: str) -> None:
        client("sqs").send_message(
            QueueUrl=self.queue_url,
            MessageBody=request.model_dump_json(),
            MessageGroupId=request.lead_id,
            MessageDeduplicationId=request.change_id,
            MessageAttributes={"reason": {"DataType": "String", "StringValue": reason}},
        )


class SqsCrmQueueAdmin:
    """The CRM-sync queue's backlog, and its DLQ's redrive (the console's retry button)."""

    REDRIVE_MOST = 500  # a click moves at most this many; the console says how many are left

    def __init__(self, queue_url: str, dead_letter_queue_url: str):
        self.queue_url = queue_url
        self.dead_letter_queue_url = dead_letter_queue_url

    def backlog(self) -> tuple[int, int]:
        attributes = self._attributes(self.queue_url)
        return attributes[0], attributes[1]

    def dead_lettered(self) -> int:
        waiting, in_flight = self._attributes(self.dead_letter_queue_url)
        return waiting + in_flight

    def redrive(self) -> list[str]:
        sqs = client("sqs")
        moved: list[str] = []
        while len(moved) < self.REDRIVE_MOST:
            messages = sqs.receive_message(
                QueueUrl=self.dead_letter_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                break
            for message in messages:
                request = CrmSyncRequest.model_validate_json(message["Body"])
                # A new deduplication id: the queue may have seen this change's own within five minutes.
                sqs.send_message(
                    QueueUrl=self.queue_url,
                    MessageBody=message["Body"],
                    MessageGroupId=request.lead_id,
                    MessageDeduplicationId=f"{request.change_id}-retry-{message['MessageId']}"[:128],
                )
                sqs.delete_message(
                    QueueUrl=self.dead_letter_queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
                moved.append(request.lead_id)
        return moved

    def _attributes(self, url: str) -> tuple[int, int]:
        found = client("sqs").get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(found["ApproximateNumberOfMessages"]), int(found["ApproximateNumberOfMessagesNotVisible"])


class LambdaCrmReadTrigger:
    """Runs the CRM reader now (asynchronously), as its schedule does every few minutes."""

    def __init__(self, function_name: str):
        self.function_name = function_name

    def now(self) -> None:
        client("lambda").invoke(
            FunctionName=self.function_name, InvocationType="Event", Payload=b'{"reconcile": false}'
        )


class SqsCrmSyncQueue:
    """The CRM-sync queue as its writer consumes it beyond Lambda's batch: more of a backlog taken
    at once, those written deleted, and a change postponed until the API budget renews."""

    def __init__(self, queue_url: str):
        self.queue_url = queue_url

    def take_more(self, most: int) -> list[dict[str, Any]]:
        """Up to `most` more messages, as Lambda's SQS records. SQS hands out no message of a
        group another writer holds, so each lead's changes still go in order."""
        taken: list[dict[str, Any]] = []
        while len(taken) < most:
            messages = client("sqs").receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=min(10, most - len(taken)), WaitTimeSeconds=0,
                MessageSystemAttributeNames=["ApproximateReceiveCount"],
            ).get("Messages", [])  # fmt: skip
            if not messages:
                break
            taken += [
                {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                 "attributes": {"ApproximateReceiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", "1")}}
                for m in messages
            ]  # fmt: skip
        return taken

    def delete(self, records: list[dict[str, Any]]) -> None:
        for start in range(0, len(records), 10):
            client("sqs").delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["receiptHandle"]}
                    for i, r in enumerate(records[start : start + 10])
                ],
            )

    def postpone(self, record: dict[str, Any], seconds: int) -> None:
        client("sqs").change_message_visibility(
            QueueUrl=self.queue_url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=seconds
        )


class SqsAlertQueue:
    """The alert FIFO queue: one lead's alert work in order, a resend dropped by its work id."""

    def __init__(self, queue_url: str):
        self.queue_url = queue_url

    def send(self, work: AlertWork) -> None:
        client("sqs").send_message(
            QueueUrl=self.queue_url,
            MessageBody=work.model_dump_json(),
            MessageGroupId=work.lead_id,
            MessageDeduplicationId=work.work_id,
        )
