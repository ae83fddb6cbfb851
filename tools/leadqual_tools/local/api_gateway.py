"""Turns an HTTP request into the API Gateway REST proxy event the api handler receives in AWS."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from leadqual import resources
from leadqual.resources import function_name
from leadqual_tools.local.invoker import invoke_in_process

API_FUNCTION = function_name(resources.API_FUNCTION.name)


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def proxy_event(
    method: str,
    target: str,
    headers: dict[str, str],
    body: str | None,
    base64_body: bool = False,
    claims: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The event API Gateway sends; `claims` are a signed-in person's, as its Cognito authorizer
    passes them (every value text)."""
    url = urlsplit(target)
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    return {
        "resource": url.path,
        "path": url.path,
        "httpMethod": method.upper(),
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "stage": "local",
            "httpMethod": method.upper(),
            "path": url.path,
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1"},
            **({"authorizer": {"claims": claims}} if claims else {}),
        },
        "body": body,
        "isBase64Encoded": base64_body,
    }


def call_api(
    method: str,
    target: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    base64_body: bool = False,
    claims: dict[str, str] | None = None,
    content_type: str | None = "application/json",
) -> ApiResponse:
    """Calls the real api handler; `body` may be a dict (sent as JSON) or raw text. `content_type`
    is sent unless `headers` name one (None: only what `headers` say, as a real client's request)."""
    all_headers = {**({"content-type": content_type} if content_type else {}), **(headers or {})}
    text = body if body is None or isinstance(body, str) else json.dumps(body)
    event = proxy_event(method, target, all_headers, text, base64_body, claims)
    result, errored = invoke_in_process(API_FUNCTION, event)
    payload = json.loads(result)
    if errored:
        # What API Gateway answers when the integration itself fails: nothing of the error (its
        # message may name a server path), which the function's own log keeps.
        return ApiResponse(
            502, {"content-type": "application/json"}, json.dumps({"message": "Internal server error"})
        )
    # API Gateway sends both forms of a proxy answer's headers to the client.
    headers = {k: ", ".join(v) for k, v in (payload.get("multiValueHeaders") or {}).items()}
    headers.update(payload.get("headers") or {})
    return ApiResponse(payload["statusCode"], headers, payload.get("body") or "")
