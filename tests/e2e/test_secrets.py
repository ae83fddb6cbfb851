"""No task token or personal data in logs, workflow history or API responses, after a whole review."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from leadqual import resources
from leadqual.adapters.aws_clients import client
from leadqual_tools.local.api_gateway import ApiResponse, call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from leadqual_tools.local.iam import Permission, allowed
from tests.conftest import lead_body

EMAIL = "priya.raman@northwind.io"


@pytest.fixture
def chatty_cloud() -> Iterator[LocalCloud]:
    """Every function logging at INFO, so that there is something to search."""
    with LocalCloud(review_timeout_seconds=30, visibility_timeout_seconds=1, log_level="INFO") as local:
        yield local


def _review_task_token() -> str:
    items = client("dynamodb").scan(
        TableName=resources.LEADS_TABLE,
        FilterExpression="attribute_exists(task_token)",
        ProjectionExpression="task_token",
    )["Items"]
    (item,) = items
    token: str = item["task_token"]["S"]
    return token


def test_a_reviewed_lead_leaves_no_token_or_email_in_logs_history_or_responses(
    chatty_cloud: LocalCloud, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    cloud = chatty_cloud
    caplog.set_level(logging.INFO)
    responses: list[ApiResponse] = []

    def api(method: str, path: str, body: Any = None) -> ApiResponse:
        response = call_api(method, path, body)
        responses.append(response)
        return response

    # GIVEN a named-account lead that waits for an SDR, who approves it
    api("PUT", "/accounts/northwind.io", {"named_account": True, "owner": "maria.lopez"})
    lead_id = api("POST", "/leads", lead_body(email=EMAIL, phone="+1 415 555 0100")).json()["lead_id"]

    def status(wanted: str) -> Any:
        def check() -> Any:
            cloud.pump()
            lead = api("GET", f"/leads/{lead_id}").json()
            return lead if lead["status"] == wanted else None

        return check

    wait_until(status("pending_review"), what="the review")
    token = _review_task_token()
    (review,) = api("GET", "/reviews?status=pending").json()["reviews"]
    api("GET", f"/leads/{lead_id}/rules")
    assert (
        api(
            "POST", f"/reviews/{review['review_id']}/decision", {"decision": "approve", "reviewer": "sam"}
        ).status
        == 200
    )
    wait_until(status("routed"), what="the route")
    (execution,) = cloud.executions()
    wait_until(lambda: cloud.executions("SUCCEEDED"), what="the execution to end")

    # THEN no API response holds the token
    assert all(token not in r.body for r in responses)
    # AND no log line holds the token or the e-mail
    logs = capfd.readouterr().out + "\n".join(r.getMessage() for r in caplog.records)
    assert "review requested" in logs and "lead dispatched" in logs, "the functions did log"
    assert token not in logs and EMAIL not in logs and "555 0100" not in logs
    # AND the state machine logs no execution data
    assert cloud.logging["IncludeExecutionData"] is False and cloud.logging["Level"] == "ERROR"
    # AND the execution history never holds the e-mail; the token only where every callback task
    # records it (the AwaitReview task's own parameters), never in a state's input or output
    history = client("stepfunctions").get_execution_history(executionArn=execution["executionArn"])["events"]
    assert EMAIL not in json.dumps(history, default=str)
    holding = [e for e in history if token in json.dumps(e, default=str)]
    assert [e["type"] for e in holding] == ["TaskScheduled"]
    assert "waitForTaskToken" in holding[0]["taskScheduledEventDetails"]["resource"]
    # AND no function may read execution histories
    for function, statements in cloud.iam.policies.items():
        permission = Permission("states:GetExecutionHistory", execution["executionArn"])
        assert not allowed(statements, permission), function
