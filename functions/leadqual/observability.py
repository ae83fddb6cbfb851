"""Powertools Logger, Tracer and Metrics, set up once for every function."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

from leadqual.resources import METRICS_NAMESPACE, POWERTOOLS_SERVICE

logger = Logger(service=POWERTOOLS_SERVICE)
tracer = Tracer(service=POWERTOOLS_SERVICE)
metrics = Metrics(namespace=METRICS_NAMESPACE, service=POWERTOOLS_SERVICE)
