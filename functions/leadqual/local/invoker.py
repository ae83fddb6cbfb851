"""Runs Lambda code in-process for moto, which otherwise needs Docker to run a function.

moto routes every Lambda invocation (the Invoke API and Step Functions' lambda:invoke) through
`LambdaFunction._invoke_lambda`; replacing that one method with a call into the real handler
makes every path run the code that ships. It also makes each DynamoDB request atomic, as
DynamoDB's are (see `_atomic_dynamodb_call`). Pinned to moto 5.2.5 (see pyproject.toml).
"""

from __future__ import annotations

import importlib
import json
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.dynamodb.responses import DynamoHandler

from leadqual.observability import metrics
from leadqual.resources import ALL_FUNCTIONS

FUNCTION_PREFIX = "leadqual-"
Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LocalLambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def function_name(spec_name: str) -> str:
    return f"{FUNCTION_PREFIX}{spec_name}"


def load_handler(path: str) -> Handler:
    module, attribute = path.rsplit(".", 1)
    handler: Handler = getattr(importlib.import_module(module), attribute)
    return handler


HANDLERS: dict[str, str] = {function_name(spec.name): spec.handler for spec in ALL_FUNCTIONS}
# A Lambda execution environment runs one invocation at a time, and Powertools' Logger and
# Metrics rely on that; in one local process the same holds only if invocations take turns.
_ONE_AT_A_TIME = threading.Lock()


def invoke_in_process(name: str, event: Any) -> tuple[str, bool]:
    """(JSON result, errored). Errors come back as Lambda reports them, so Catch matches by name."""
    payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
    context = LocalLambdaContext(
        function_name=name, invoked_function_arn=f"arn:aws:lambda:local:000000000000:function:{name}"
    )
    try:
        with _ONE_AT_A_TIME:
            try:
                result = load_handler(HANDLERS[name])(payload, context)
            finally:
                # Nothing publishes EMF locally; without this Powertools flushes to stdout at 100 values.
                metrics.clear_metrics()
        return json.dumps(result, default=str), False
    except Exception as error:
        return json.dumps(
            {
                "errorType": type(error).__name__,
                "errorMessage": str(error),
                "stackTrace": traceback.format_exception(error)[-3:],
            }
        ), True


def _patched_invoke(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    result, errored = invoke_in_process(self.function_name, event)
    return result, errored, ""


_original_invoke = LambdaFunction._invoke_lambda
_original_dynamodb_call = DynamoHandler.call_action
_dynamodb_lock = threading.RLock()


def _atomic_dynamodb_call(self: DynamoHandler) -> Any:
    # DynamoDB applies each request atomically; moto 5.2.5 does not across threads (a transaction
    # deep-copies a table another thread is writing). One request at a time restores what
    # DynamoDB guarantees, while leadqual's own multi-request logic still interleaves freely.
    with _dynamodb_lock:
        return _original_dynamodb_call(self)


def install() -> None:
    LambdaFunction._invoke_lambda = _patched_invoke  # type: ignore[method-assign]
    DynamoHandler.call_action = _atomic_dynamodb_call  # type: ignore[method-assign]


def uninstall() -> None:
    LambdaFunction._invoke_lambda = _original_invoke  # type: ignore[method-assign]
    DynamoHandler.call_action = _original_dynamodb_call  # type: ignore[method-assign]
