"""Lambda runs many environments at once: the same submission arriving concurrently stays one lead."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from leadqual import resources
from leadqual_tools.local.api_gateway import ApiResponse, call_api
from leadqual_tools.local.cloud import LocalCloud
from tests.conftest import lead_body, lead_items

CONCURRENT = 20


def _at_once(send: Any, times: int = CONCURRENT) -> list[ApiResponse]:
    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(lambda _: send(), range(times)))


def test_concurrent_submissions_with_one_idempotency_key_give_one_answer_and_one_lead(
    cloud: LocalCloud,
) -> None:
    body = lead_body(email="kim@northwind.io")
    responses = _at_once(lambda: call_api("POST", "/leads", body, headers={"Idempotency-Key": "form-7f3a"}))
    assert {r.status for r in responses} == {202}
    assert len({r.body for r in responses}) == 1, "every request gets the first response"
    (lead,) = lead_items()
    lead_id = responses[0].json()["lead_id"]
    assert lead["pk"]["S"] == f"LEAD#{lead_id}"
    view = call_api("GET", f"/leads/{lead_id}").json()
    assert view["touches"] == 1 and not [h for h in view["history"] if h["event"] == "touch"]
    # the API's execution environments really ran side by side
    api = cloud._deployment.functions[resources.function_name(resources.API_FUNCTION.name)]
    assert api.cold_starts > 1


def test_concurrent_submissions_of_one_email_make_one_lead_with_every_touch(cloud: LocalCloud) -> None:
    body = lead_body(email="lee@northwind.io")
    responses = _at_once(lambda: call_api("POST", "/leads", body))
    assert [r.status for r in responses] == [202] * CONCURRENT
    assert len({r.json()["lead_id"] for r in responses}) == 1
    assert len(lead_items()) == 1
    lead = call_api("GET", f"/leads/{responses[0].json()['lead_id']}").json()
    assert lead["touches"] == CONCURRENT
    # Each was answered as a first submission: the answers say nothing of which came first
    assert all(r.json() == {"lead_id": lead["lead_id"], "status": "received"} for r in responses)


def test_five_thousand_submissions_of_one_email_are_counted_and_the_lead_still_takes_outcomes(
    cloud: LocalCloud,
) -> None:
    body = lead_body(email="max@northwind.io", form="content_download")
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: call_api("POST", "/leads", body).status, range(5000)))
    assert statuses == [202] * 5000
    (item,) = lead_items()
    lead_id = item["pk"]["S"].removeprefix("LEAD#")
    assert len(item["doc"]["S"]) < 50_000, "the lead item stays far below DynamoDB's 400 KB"
    view = call_api("GET", f"/leads/{lead_id}").json()
    assert view["touches"] == 5000
    outcome = call_api("POST", f"/leads/{lead_id}/outcome", {"outcome": "closed_won", "amount": 12000})
    assert outcome.status == 202, outcome.body


def test_each_api_environment_answers_from_its_own_request_while_another_runs(cloud: LocalCloud) -> None:
    import sys

    from leadqual_tools.local.api_gateway import proxy_event
    from leadqual_tools.local.invoker import DEPLOYED, LocalLambdaContext, load_handler

    function = DEPLOYED.functions[resources.function_name(resources.API_FUNCTION.name)]
    first = lead_body(email="first@northwind.io")
    # GIVEN one environment busy with a request (held open here), as Lambda runs many at once
    with function.environment() as busy:
        handler = load_handler(busy, function.handler)
        event = proxy_event("POST", "/leads", {"content-type": "application/json"}, json.dumps(first))
        assert handler(event, LocalLambdaContext(function_name=function.name))["statusCode"] == 202
        # WHEN another environment answers another request meanwhile
        assert call_api("POST", "/leads", lead_body(email="second@northwind.io")).status == 202
        # THEN the busy one still reads its own request, not the other's
        resolver = sys.modules[handler.__module__].app
        assert resolver.current_event.json_body["email"] == "first@northwind.io"
