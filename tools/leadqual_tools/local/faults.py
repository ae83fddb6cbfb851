"""AWS faults on demand, injected where moto answers botocore: the code under test is untouched.

A fault makes moto answer a call with an AWS error (throttling, unavailable, ...) instead of
running it. botocore then parses and retries it under the client's retry policy, exactly as it
would an error from AWS, so the SDK's retries, the Lambda and Step Functions retries and the SQS
redeliveries all run for real. Pinned to moto 5.2.5's `BotocoreStubber` (see pyproject.toml).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

# botocore's service ids (as in its `before-send.<service>.<operation>` events) that speak XML.
XML_SERVICES = {"sns"}
FOREVER = -1


@dataclass
class Fault:
    """`times` calls of `service.operation` (botocore service id, e.g. "sfn", "dynamodb") fail."""

    service: str
    operation: str
    code: str
    times: int = 1
    status: int = 400
    # Only requests whose body this accepts fail (e.g. one lead's id); None: every request.
    when: Callable[[bytes], bool] | None = None
    injected: int = 0

    def matches(self, service: str, operation: str, body: bytes) -> bool:
        return (
            self.times != 0
            and (self.service, self.operation) == (service, operation)
            and (self.when is None or self.when(body))
        )

    def response(self, request: AWSPreparedRequest, service: str) -> AWSResponse:
        message = f"injected fault: {self.code}"
        if service in XML_SERVICES:
            body = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{self.code}</Code><Message>{message}"
                "</Message></Error><RequestId>injected</RequestId></ErrorResponse>"
            ).encode()
            headers = {"Content-Type": "text/xml"}
        else:
            body = json.dumps({"__type": self.code, "message": message}).encode()
            headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": self.code}
        return AWSResponse(request.url, self.status, headers, MockRawResponse(body))


@dataclass
class FaultInjector:
    faults: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def answer(self, event_name: str, request: AWSPreparedRequest) -> AWSResponse | None:
        _, service, operation = event_name.split(".", 2)
        body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
        with self._lock:
            fault = next((f for f in self.faults if f.matches(service, operation, body)), None)
            if fault is None:
                return None
            fault.injected += 1
            if fault.times > 0:
                fault.times -= 1
        return fault.response(request, service)


INJECTOR = FaultInjector()
_original_call = BotocoreStubber.__call__


def _call_with_faults(
    self: BotocoreStubber, event_name: str, request: AWSPreparedRequest, **kwargs: Any
) -> Any:
    if self.enabled and (injected := INJECTOR.answer(event_name, request)) is not None:
        return injected
    return _original_call(self, event_name, request, **kwargs)


def install() -> None:
    BotocoreStubber.__call__ = _call_with_faults  # type: ignore[method-assign]


def uninstall() -> None:
    INJECTOR.clear()
    BotocoreStubber.__call__ = _original_call  # type: ignore[method-assign]
