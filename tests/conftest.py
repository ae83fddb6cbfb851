from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leadqual import resources
from leadqual.adapters.aws_clients import client
from leadqual_tools.local.cloud import LocalCloud
from leadqual_tools.local.server import serve


def lead_body(
    email: str = "dana.ng@northwind.io", form: str = "demo_request", **extra: Any
) -> dict[str, Any]:
    """A valid POST /leads body; override any field."""
    body: dict[str, Any] = {
        "email": email,
        "form": form,
        "first_name": "Dana",
        "title": "VP of Operations",
        "company": {"name": "Northwind", "employees": 1200, "industry": "Logistics", "country": "US"},
        "submitted_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
    }
    body.update(extra)
    return body


def lead_items() -> list[dict[str, Any]]:
    """Every lead item in the leads table (not its touches, decisions, reviews or markers)."""
    items: list[dict[str, Any]] = client("dynamodb").scan(
        TableName=resources.LEADS_TABLE,
        FilterExpression="sk = :lead",
        ExpressionAttributeValues={":lead": {"S": "LEAD"}},
    )["Items"]
    return items


def run_cli(*args: str) -> int:
    """`leadqual ARGS` in this process: its exit status (a refusal's SystemExit included)."""
    from leadqual_tools.cli import main

    try:
        return main(list(args))
    except SystemExit as ended:
        return int(ended.code or 0)


@pytest.fixture
def cloud() -> Iterator[LocalCloud]:
    """The whole local cloud; queues are pumped by the test (no background poller)."""
    with LocalCloud(review_timeout_seconds=4, visibility_timeout_seconds=1) as local:
        yield local
        # Every call each function made was checked against its synthesized role: none may be denied.
        assert not local.iam.denials, "AccessDenied in AWS:\n" + local.iam.report()


@contextmanager
def serving(cloud: LocalCloud) -> Iterator[str]:
    """`leadqual serve` on a free loopback port, with the cloud's queues polled in the background."""
    cloud.run_pollers()
    server = serve("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def api_url(cloud: LocalCloud) -> Iterator[str]:
    with serving(cloud) as url:
        yield url
