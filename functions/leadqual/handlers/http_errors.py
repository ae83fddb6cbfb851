"""Every 4xx in one shape: {"error", "message", "details": [{"field", "message"}]} (docs/api.md)."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

MAX_BODY_BYTES = 1_000_000
M = TypeVar("M", bound=BaseModel)


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, "details": self.details}


def _field_path(location: tuple[Any, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def validation_error(error: ValidationError, prefix: str = "") -> HttpError:
    details = []
    for item in error.errors():
        # Pydantic prefixes a validator's message with "Value error, "; the field says what it is about.
        message = str(item["msg"]).removeprefix("Value error, ")
        field = _field_path(tuple(item["loc"]))
        details.append({"field": f"{prefix}{field}" if prefix else field, "message": message})
    named = ", ".join(sorted({d["field"] for d in details}))
    return HttpError(422, "validation_failed", f"The request has invalid fields: {named}", details)


def parse_json_body(body: str | None, content_type: str | None) -> Any:
    if content_type and "json" not in content_type.lower():
        raise HttpError(
            415, "unsupported_media_type", f"Send JSON (Content-Type: application/json), not {content_type}"
        )
    if body is None or not body.strip():
        raise HttpError(
            400,
            "empty_body",
            "The request body is empty; send a JSON object",
            [{"field": "body", "message": "required"}],
        )
    if len(body.encode("utf-8")) > MAX_BODY_BYTES:
        raise HttpError(413, "body_too_large", "The request body is over 1 MB; nothing was stored")
    try:
        return json.loads(body)
    except json.JSONDecodeError as error:
        raise HttpError(
            400, "invalid_json", f"The body is not valid JSON: {error.msg} at position {error.pos}",
            [{"field": "body", "message": "not valid JSON"}],
        ) from None  # fmt: skip
    except (RecursionError, ValueError):
        # Nested deeper than the parser goes, or an integer longer than Python converts (4,300 digits).
        raise HttpError(
            400, "invalid_json", "The body is JSON nested too deeply or with a number too long to read",
            [{"field": "body", "message": "nesting or number too large"}],
        ) from None  # fmt: skip


def parse_model(model: type[M], data: Any) -> M:
    if not isinstance(data, dict):
        raise HttpError(
            422,
            "validation_failed",
            "The body must be a JSON object",
            [{"field": "body", "message": "must be an object"}],
        )
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise validation_error(error) from None


# Ids this API hands out (ld_..., rv_..., with -eN for a re-evaluation); anything else is unknown.
_ID = re.compile(r"^[a-z]{2}_[A-Za-z0-9]{1,64}(?:-e[0-9]{1,6})?$")


def known_id(value: str, what: str) -> str:
    """A path id that could exist; others get 404 before they reach a key (DynamoDB caps keys at 2 KB)."""
    if not _ID.match(value):
        raise HttpError(404, "not_found", f"No {what} {value[:80]}")
    return value
