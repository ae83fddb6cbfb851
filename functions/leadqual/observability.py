"""Powertools Logger and Metrics, set up once for every function.

Tracing comes from Lambda's active tracing (and API Gateway's and Step Functions'), which needs no
SDK in the function. The X-Ray SDK behind Powertools' Tracer builds two botocore clients for its
sampler at import: measured by `make bench`, that alone cost more than a bare `import boto3`, on
the cold start of a function whose point is to reach a lead fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics

from leadqual.cold_start import resume_collector
from leadqual.resources import METRICS_NAMESPACE, POWERTOOLS_SERVICE

logger = Logger(service=POWERTOOLS_SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=POWERTOOLS_SERVICE)

Handler = TypeVar("Handler", bound=Callable[..., Any])


def lambda_entry(correlation_id_path: str | None = None) -> Callable[[Handler], Handler]:
    """The same wrapping for every entry point: Lambda context in the logs, EMF metrics flushed.

    An entry module's handler is its last definition, so this is where its cold start's imports
    are done: the garbage collector, paused for them in Lambda, resumes (`leadqual.cold_start`).
    """
    resume_collector()

    def wrap(handler: Handler) -> Handler:
        measured = metrics.log_metrics(handler)
        return cast(Handler, logger.inject_lambda_context(measured, correlation_id_path=correlation_id_path))

    return wrap
