"""boto3 clients, created once per process (cold start) and shared by the adapters."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Each call is tried this many times in all (standard mode: throttling and 5xx, with backoff).
ATTEMPTS_PER_CALL = 6
_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": ATTEMPTS_PER_CALL}, connect_timeout=3, read_timeout=10
)
# botocore event hooks put on every client made here (the local mode checks IAM with one).
CLIENT_HOOKS: list[tuple[str, Callable[..., Any]]] = []


@cache
def client(service: str) -> Any:
    made = boto3.client(service, config=_CONFIG)
    for event, hook in CLIENT_HOOKS:
        made.meta.events.register(event, hook)
    return made


def reset_clients() -> None:
    """Forget cached clients (the local mode and tests re-create them inside moto)."""
    client.cache_clear()
