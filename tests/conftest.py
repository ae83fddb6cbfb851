from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leadqual import resources
from leadqual.adapters.aws_clients import client
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
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


def sent_to_sdr_outreach(lead_id: str, pump: Callable[[], object] | None = None) -> dict[str, Any]:
    """A lead waiting for its review, sent to SDR outreach by an SDR: the lead once routed, the rep
    fairness chose as its owner. `pump`: a cloud whose pollers do not run is pumped while waiting."""

    def read() -> dict[str, Any]:
        if pump is not None:
            pump()
        lead: dict[str, Any] = call_api("GET", f"/leads/{lead_id}").json()
        return lead

    review_id = wait_until(
        lambda: (read().get("review") or {}).get("review_id"), timeout=60, what="the review"
    )
    decided = call_api("POST", f"/reviews/{review_id}/decision",
                       {"decision": "reroute", "route": "sdr_outreach", "reviewer": "sam.sdr"})  # fmt: skip
    assert decided.status == 200, decided.body
    return wait_until(lambda: (lead := read()).get("route") and lead, timeout=60, what="the route")


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
