"""boto3 clients, created once per process (cold start) and shared by the adapters."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)
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
