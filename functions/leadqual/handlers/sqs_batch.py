"""SQS partial batch responses: a message that fails goes back to its queue alone.

Lambda's event source mapping (with ReportBatchItemFailures) redelivers only the listed messages;
after maxReceiveCount a message moves to its DLQ, which is alarmed. Written out here rather than
with Powertools' BatchProcessor, whose imports cost the scoring function ~50 ms of cold start.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from leadqual.observability import logger

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


def process_messages(
    event: dict[str, Any], model: type[Message], handle: Callable[[Message], None]
) -> dict[str, list[dict[str, str]]]:
    failures = []
    for record in event.get("Records", []):
        try:
            handle(model.model_validate_json(record["body"]))
        except Exception:
            logger.exception("message failed; SQS will deliver it again", message_id=record.get("messageId"))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
