"""Powertools Logger, Tracer and Metrics, set up once for every function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, Tracer

from leadqual.resources import METRICS_NAMESPACE, POWERTOOLS_SERVICE

logger = Logger(service=POWERTOOLS_SERVICE)
tracer = Tracer(service=POWERTOOLS_SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=POWERTOOLS_SERVICE)

Handler = TypeVar("Handler", bound=Callable[..., Any])


def lambda_entry(correlation_id_path: str | None = None) -> Callable[[Handler], Handler]:
    """The same wrapping for every entry point: Lambda context in the logs, an X-Ray segment, EMF flush."""

    def wrap(handler: Handler) -> Handler:
        traced = tracer.capture_lambda_handler(metrics.log_metrics(handler))
        return cast(Handler, logger.inject_lambda_context(traced, correlation_id_path=correlation_id_path))

    return wrap
