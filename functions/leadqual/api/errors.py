"""Every refusal in one shape: {"error", "message", "details": [{"field", "message"}]} (docs/api.md).

Every exception a route may raise is mapped to it here (`answer_in_the_error_shape`).

What Powertools' validation finds is turned into that shape here, with each field named as the
caller wrote it (`company.country`, `events[0].type`, `Idempotency-Key`); what the resolver cannot
read at all (a body that is not JSON, too deep or too large) is refused here before it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestValidationError,
    ResponseValidationError,
)

from leadqual.api_routes import body_type, methods_at, takes_body
from leadqual.observability import logger
from leadqual.services.leads import IdempotencyKeyInUse, IngestUnavailable
from leadqual.services.reviews import DecisionNotDelivered, NotYourReview

MAX_BODY_BYTES = 1_000_000
# Ids this API hands out (ld_..., rv_..., with -eN for a re-evaluation); anything else is unknown.
ID_PATTERN = r"^[a-z]{2}_[A-Za-z0-9]{1,64}(?:-e[0-9]{1,6})?$"


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, "details": self.details}


def proxy_response(error: HttpError) -> dict[str, Any]:
    """The API Gateway proxy answer for a refusal made before the resolver runs."""
    return {
        "statusCode": error.status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(error.body()),
        "isBase64Encoded": False,
    }


def _field_path(location: Sequence[Any]) -> str:
    path = ""
    for part in location:
        if isinstance(part, str) and part.startswith("<"):
            continue  # a tagged union's member (`<batch>`): not something the caller wrote
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def _status_for(place: str, location: Sequence[Any]) -> int:
    """docs/api.md: a bad header is a 400; a path id this API never hands out names nothing, 404;
    any other field (a body's, a query's, a domain in a path) that fails validation, 422."""
    if place == "header":
        return 400
    if place == "path" and location and str(location[0]).endswith("_id"):
        return 404
    return 422


def validation_failed(errors: Sequence[Mapping[str, Any]]) -> HttpError:
    """Powertools' validation errors (loc = (place, field, ...)) as one refusal naming each field."""
    details, statuses = [], set()
    for item in errors:
        place, *location = item.get("loc") or ("body",)
        statuses.add(_status_for(str(place), location))
        # Pydantic prefixes a validator's message with "Value error, "; the field says what it is about.
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        details.append({"field": _field_path(location) if location else str(place), "message": message})
    status = min(statuses, default=422)
    if status == 404:
        return HttpError(404, "not_found", "No such resource", details)
    named = ", ".join(sorted({d["field"] for d in details}))
    code = "invalid_header" if status == 400 else "validation_failed"
    return HttpError(status, code, f"The request has invalid fields: {named}", details)


def read_json(text: str) -> dict[str, Any]:
    """The resolver's JSON reader: anything unreadable is a 400 naming the body, never a 5xx, and
    anything but an object a 422 (the resolver would read a list as its first item)."""
    try:
        value = json.loads(text)
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
    if not isinstance(value, dict):
        raise HttpError(
            422, "validation_failed", "The body must be a JSON object",
            [{"field": "body", "message": "must be an object"}],
        )  # fmt: skip
    return value


def _header(event: Mapping[str, Any], name: str) -> str | None:
    headers = event.get("headers") or {}
    return next((v for k, v in headers.items() if k.lower() == name), None)


def body_refused(event: Mapping[str, Any]) -> HttpError | None:
    """415, 400 or 413 for a body the resolver would misread (a form post parsed as fields, an empty
    body reported as a missing one) or should never read (over 1 MB, not UTF-8); else None."""
    if not takes_body(str(event.get("httpMethod", "")).upper(), str(event.get("path", ""))):
        return None  # no body to read: the resolver answers (404, 405, or the route itself)
    content_type = _header(event, "content-type")
    expected = body_type(str(event.get("httpMethod", "")).upper(), str(event.get("path", "")))
    if not content_type or expected.split("/")[-1] not in content_type.lower():
        # None at all is refused too: it is what a page of another origin sends without a preflight.
        what = "JSON" if expected == "application/json" else "a form"
        return HttpError(
            415,
            "unsupported_media_type",
            f"Send {what} (Content-Type: {expected}), not {(content_type or 'no Content-Type')[:100]}",
            [{"field": "Content-Type", "message": f"must be {expected}"}],
        )
    body = event.get("body")
    if body is not None and event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return HttpError(
                400, "invalid_body", "The body is not UTF-8 text", [{"field": "body", "message": "not UTF-8"}]
            )
    if not isinstance(body, str) or not body.strip():
        return HttpError(
            400, "empty_body", "The request body is empty; send a JSON object",
            [{"field": "body", "message": "required"}],
        )  # fmt: skip
    if len(body.encode("utf-8", errors="surrogatepass")) > MAX_BODY_BYTES:
        return HttpError(413, "body_too_large", "The request body is over 1 MB; nothing was stored")
    return None


def answer_in_the_error_shape(app: APIGatewayRestResolver) -> None:
    """Maps every exception a route may raise, and every unknown route, to the one error shape."""

    def handles(
        exception: type[Exception],
    ) -> Callable[[Callable[[Any], Response[Any]]], Callable[[Any], Response[Any]]]:
        # Powertools' exception_handler is untyped; this is the type it has.
        registered: Callable[[Callable[[Any], Response[Any]]], Callable[[Any], Response[Any]]]
        registered = app.exception_handler(exception)
        return registered

    def answer(status: int, error: HttpError, headers: dict[str, str] | None = None) -> Response[Any]:
        return Response(
            status_code=status,
            content_type=content_types.APPLICATION_JSON,
            body=error.body(),
            headers=headers,
        )

    @handles(HttpError)
    def http_error(error: HttpError) -> Response[Any]:
        return answer(error.status, error)

    @handles(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response[Any]:
        refused = validation_failed(error.errors())
        return answer(refused.status, refused)

    @handles(ResponseValidationError)
    def answer_off_contract(error: ResponseValidationError) -> Response[Any]:
        # An answer that does not match its own model is leadqual's bug, not the caller's: a 5xx, logged.
        logger.error("an answer failed its response model", errors=str(error.errors())[:2000])
        return answer(500, HttpError(500, "internal", "The answer did not match the contract"))

    @handles(NotYourReview)
    def not_your_review(error: NotYourReview) -> Response[Any]:
        return answer(403, HttpError(403, "forbidden", str(error)))

    @handles(DecisionNotDelivered)
    def decision_not_delivered(error: DecisionNotDelivered) -> Response[Any]:
        logger.exception("review decision saved but not delivered")
        return answer(503, HttpError(503, "unavailable", str(error)), {"Retry-After": "2"})

    @handles(IdempotencyKeyInUse)
    def key_in_use(error: IdempotencyKeyInUse) -> Response[Any]:
        return answer(
            409, HttpError(409, "conflict", str(error), [{"field": "Idempotency-Key", "message": "in use"}])
        )

    @handles(IngestUnavailable)
    def unavailable(error: IngestUnavailable) -> Response[Any]:
        logger.exception("ingest unavailable")
        return answer(503, HttpError(503, "unavailable", str(error)))

    @app.not_found
    def not_found(_: Exception) -> Response[Any]:
        event = app.current_event
        allowed = methods_at(event.path)
        if allowed:
            # API Gateway never forwards a method it has no integration for (it answers 403); under
            # `leadqual serve` the path exists, so the answer says which methods it takes.
            refused = HttpError(405, "method_not_allowed", f"{event.path[:200]} takes {', '.join(allowed)}")
            return answer(405, refused, {"Allow": ", ".join(allowed)})
        return answer(404, HttpError(404, "not_found", f"No route {event.http_method} {event.path[:200]}"))
