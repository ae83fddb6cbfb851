"""SQS partial batch responses: a message that fails goes back to its queue alone.

Lambda's event source mapping (with ReportBatchItemFailures) redelivers only the listed messages;
after maxReceiveCount a message moves to its DLQ, which is alarmed. Written out here rather than
with Powertools' BatchProcessor, whose imports cost the scoring function ~50 ms of cold start.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from leadqual.observability import logger
from leadqual.resources import MAX_RECEIVES

Message = TypeVar("Message", bound=BaseModel)


def message_bodies(event: dict[str, Any], model: type[Message]) -> list[Message]:
    """The batch's messages that parse; the others fail on their own in `process_messages`."""
    parsed = []
    for record in event.get("Records", []):
        try:
            parsed.append(model.model_validate_json(record.get("body", "")))
        except ValueError:
            continue
    return parsed


def is_last_attempt(record: dict[str, Any]) -> bool:
    """This delivery is the last before SQS moves the message to its dead-letter queue."""
    return int(record.get("attributes", {}).get("ApproximateReceiveCount", "1")) >= MAX_RECEIVES


def process_messages(
    event: dict[str, Any],
    model: type[Message],
    handle: Callable[[Message], None],
    dead_lettered: Callable[[Message, Exception], None] | None = None,
) -> dict[str, list[dict[str, str]]]:
    """`dead_lettered` is told of a message that failed its last attempt, so the lead can say so."""
    failures = []
    for record in event.get("Records", []):
        message = None
        try:
            message = model.model_validate_json(record["body"])
            handle(message)
        except Exception as error:
            logger.exception("message failed; SQS will deliver it again", message_id=record.get("messageId"))
            failures.append({"itemIdentifier": record["messageId"]})
            if message is not None and dead_lettered is not None and is_last_attempt(record):
                try:
                    dead_lettered(message, error)
                except Exception:
                    logger.exception("could not record the dead-lettered message on its lead")
    return {"batchItemFailures": failures}
