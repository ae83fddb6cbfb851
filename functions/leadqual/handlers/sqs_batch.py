"""SQS partial batch responses: a message that fails goes back to its queue alone.

Lambda's event source mapping (with ReportBatchItemFailures) redelivers only the listed messages;
after maxReceiveCount a message moves to its DLQ, which is alarmed. Written out here rather than
with Powertools' BatchProcessor, whose imports cost the scoring function ~50 ms of cold start.
"""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from leadqual.observability import logger
from leadqual.resources import MAX_RECEIVES

Message = TypeVar("Message", bound=BaseModel)


def is_last_attempt(record: dict[str, Any]) -> bool:
    """This delivery is the last before SQS moves the message to its dead-letter queue."""
    return int(record.get("attributes", {}).get("ApproximateReceiveCount", "1")) >= MAX_RECEIVES


def process_batch(
    event: dict[str, Any],
    model: type[Message],
    handle_all: Callable[[list[Message]], Sequence[Exception | object]],
    dead_lettered: Callable[[Message, Exception], None] | None = None,
) -> dict[str, list[dict[str, str]]]:
    """Parses each record once and hands the messages that parse to `handle_all` together, which
    returns one outcome per message (an exception for one that failed); a record that does not
    parse or failed goes back to its queue alone. `dead_lettered` is told of a message that failed
    its last attempt, so the lead can say so."""
    records: list[dict[str, Any]] = event.get("Records", [])
    parsed: dict[int, Message] = {}
    failed: dict[int, tuple[Message | None, Exception]] = {}  # by position in the batch
    for position, record in enumerate(records):
        try:
            parsed[position] = model.model_validate_json(record["body"])
        except Exception as unreadable:
            failed[position] = (None, unreadable)
    outcomes = _outcomes(handle_all, list(parsed.values()))
    for (position, message), outcome in zip(parsed.items(), outcomes, strict=True):
        if isinstance(outcome, Exception):
            failed[position] = (message, outcome)
    for position, (failed_message, error) in sorted(failed.items()):
        record = records[position]
        logger.error(
            "message failed; SQS will deliver it again",
            message_id=record.get("messageId"),
            exc_info=(type(error), error, error.__traceback__),
        )
        if failed_message is not None and dead_lettered is not None and is_last_attempt(record):
            try:
                dead_lettered(failed_message, error)
            except Exception:
                logger.exception("could not record the dead-lettered message on its lead")
    return {"batchItemFailures": [{"itemIdentifier": records[p]["messageId"]} for p in sorted(failed)]}


def _outcomes(
    handle_all: Callable[[list[Message]], Sequence[Exception | object]], messages: list[Message]
) -> Sequence[Exception | object]:
    """What `handle_all` made of each message; when it raises before it can say (its setup failed:
    a missing or corrupt model, a settings error), that error is every message's outcome, so each
    goes back to its queue and, on its last attempt, its lead says why."""
    try:
        return handle_all(messages)
    except Exception as setup_failed:
        return [setup_failed] * len(messages)


def process_messages(
    event: dict[str, Any],
    model: type[Message],
    handle: Callable[[Message], None],
    dead_lettered: Callable[[Message, Exception], None] | None = None,
) -> dict[str, list[dict[str, str]]]:
    """`process_batch` for a handler of one message at a time."""

    def one_by_one(messages: list[Message]) -> list[Exception | None]:
        outcomes: list[Exception | None] = []
        for message in messages:
            try:
                handle(message)
                outcomes.append(None)
            except Exception as error:
                outcomes.append(error)
        return outcomes

    return process_batch(event, model, one_by_one, dead_lettered)
