"""Runs Lambda code in-process for moto, which otherwise needs Docker to run a function.

moto routes every Lambda invocation (the Invoke API and Step Functions' lambda:invoke) through
`LambdaFunction._invoke_lambda`; replacing that one method with a call into the real handler
makes every path run the code that ships. Pinned to moto 5.2.5 (see pyproject.toml); the other
fixes to moto are in `leadqual_tools.local.moto_fixes`.

Lambda runs one invocation at a time per process, and Powertools' resolver relies on it: it keeps
the request being answered on a class (`BaseRouter.current_event`), shared by the whole process.
Here the API's invocations run at once, so each resolver keeps its own request instead (each
environment has its own resolver). Before this, 3 of 20,000 requests under `make loadtest` were
answered with another request's body.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import json
import sys
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from moto.awslambda.models import LambdaFunction

from leadqual.observability import logger, metrics
from leadqual.resources import function_name
from leadqual.settings import ExecutionEnvironment, enter_environment, leave_environment
from leadqual_tools.local.iam import IamEnforcer, Permission, calling_function

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


@dataclass
class LocalFunction:
    """A function as the synthesized template defines it, with its warm execution environments.

    Lambda runs as many environments of a function as there are concurrent invocations, each one
    invocation at a time, each with its own module state. Locally an environment is an
    `ExecutionEnvironment` (settings and services built once) plus its own copy of the handler
    module, so that module-level state such as the API's resolver is not shared between threads.
    """

    name: str
    arn: str
    handler: str
    memory_mb: int
    timeout_seconds: int
    variables: dict[str, str]
    _idle: list[ExecutionEnvironment] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    cold_starts: int = 0
    # Invocations running now (one per busy environment).
    running: int = 0

    @contextmanager
    def environment(self) -> Iterator[ExecutionEnvironment]:
        """A warm execution environment (or a cold start), current in this thread for the block."""
        with self._lock:
            warm = self._idle.pop() if self._idle else None
            if warm is None:
                self.cold_starts += 1
            self.running += 1
        environment = warm or ExecutionEnvironment(self.name, dict(self.variables))
        token = enter_environment(environment)
        try:
            yield environment
        finally:
            leave_environment(token)
            with self._lock:
                self._idle.append(environment)
                self.running -= 1


@dataclass
class Deployment:
    """What the local cloud stood up: the functions, and the IAM each call is checked against."""

    functions: dict[str, LocalFunction] = field(default_factory=dict)
    iam: IamEnforcer | None = None
    state_machine_principal: str = ""


DEPLOYED = Deployment()
__all__ = ["DEPLOYED", "LocalFunction", "function_name", "install", "invoke_in_process", "uninstall"]
_HANDLER = "leadqual_tools.local.handler"
_ENVIRONMENT_NUMBERS = itertools.count(1)


def load_handler(environment: ExecutionEnvironment, path: str) -> Handler:
    """The handler, from this environment's own copy of its module (loaded at its cold start)."""
    if _HANDLER not in environment.built:
        module_name, attribute = path.rsplit(".", 1)
        source = importlib.util.find_spec(module_name)
        assert source is not None and source.origin is not None, module_name
        # Registered under a name of its own: pydantic resolves a model's annotations through
        # sys.modules[its module], which must be this copy.
        copy_name = f"{module_name}__environment_{next(_ENVIRONMENT_NUMBERS)}"
        spec = importlib.util.spec_from_file_location(copy_name, source.origin)
        assert spec is not None and spec.loader is not None, module_name
        module = importlib.util.module_from_spec(spec)
        sys.modules[copy_name] = module
        spec.loader.exec_module(module)
        environment.built[_HANDLER] = getattr(module, attribute)
    handler: Handler = environment.built[_HANDLER]
    return handler


def invoke_in_process(name: str, event: Any) -> tuple[str, bool]:
    """(JSON result, errored). Errors come back as Lambda reports them, so Catch matches by name.

    Invocations run concurrently, each in an execution environment of its own, as in Lambda.
    """
    payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
    function = DEPLOYED.functions[name]
    context = LocalLambdaContext(
        function_name=name, memory_limit_in_mb=function.memory_mb, invoked_function_arn=function.arn
    )
    principal = calling_function.set(name)
    # Powertools' Lambda-context keys are process-wide; here several functions share the process,
    # so this thread's own keys (which win when a line is formatted) say which one is logging.
    logger.thread_safe_append_keys(
        function_name=name, function_arn=function.arn, function_memory_size=function.memory_mb,
        function_request_id=context.aws_request_id,
    )  # fmt: skip
    try:
        with function.environment() as environment:
            result = load_handler(environment, function.handler)(payload, context)
        return json.dumps(result, default=str), False
    except Exception as error:
        return json.dumps(
            {
                "errorType": type(error).__name__,
                "errorMessage": str(error),
                "stackTrace": traceback.format_exception(error)[-3:],
            }
        ), True
    finally:
        logger.thread_safe_clear_keys()
        calling_function.reset(principal)
        # Nothing publishes EMF locally; without this Powertools flushes to stdout at 100 values.
        metrics.clear_metrics()


def _patched_invoke(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    # moto reaches here from Step Functions' lambda:invoke tasks: the state machine's role must allow it.
    if DEPLOYED.iam is not None and calling_function.get() is None:
        DEPLOYED.iam.authorize(
            DEPLOYED.state_machine_principal,
            "lambda.Invoke",
            [Permission("lambda:InvokeFunction", self.function_arn)],
        )
    result, errored = invoke_in_process(self.function_name, event)
    return result, errored, ""


_original_invoke = LambdaFunction._invoke_lambda
_original_resolve = ApiGatewayResolver.resolve


def _resolve_its_own_request(self: ApiGatewayResolver, event: Any, context: Any) -> dict[str, Any]:
    # An attribute of the resolver shadows the class's, which Powertools' resolve still sets.
    self.current_event = self._to_proxy_event(event)
    self.lambda_context = context
    return _original_resolve(self, event, context)


def install() -> None:
    LambdaFunction._invoke_lambda = _patched_invoke  # type: ignore[method-assign]
    ApiGatewayResolver.resolve = _resolve_its_own_request  # type: ignore[method-assign]


def uninstall() -> None:
    LambdaFunction._invoke_lambda = _original_invoke  # type: ignore[method-assign]
    ApiGatewayResolver.resolve = _original_resolve  # type: ignore[method-assign]
