"""The whole flow through moto's Step Functions interpreter, running the real handlers."""

from typing import Any

from leadqual import resources
from leadqual.adapters.aws_clients import client
from leadqual.domain.schemas.vocabulary import RouteAction
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from tests.conftest import lead_body


def _lead(lead_id: str) -> dict[str, Any]:
    body: dict[str, Any] = call_api("GET", f"/leads/{lead_id}").json()
    return body


def _settle(cloud: LocalCloud, lead_id: str, statuses: set[str], timeout: float = 30) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        cloud.pump()
        lead = _lead(lead_id)
        if lead["status"] not in statuses:
            return None
        # A route is stored before it is sent: routed means sent once both sends are marked.
        route = lead.get("route")
        if (
            lead["status"] in ("routed", "hold")
            and route
            and not (route["sent_to_queue"] and route["announced"])
        ):
            return None
        return lead

    return wait_until(reached, timeout=timeout, what=f"lead {lead_id} to reach {statuses}")


def _submit(**kwargs: Any) -> str:
    response = call_api("POST", "/leads", lead_body(**kwargs))
    assert response.status == 202, response.body
    lead_id: str = response.json()["lead_id"]
    return lead_id


def test_low_intent_newsletter_is_auto_routed_to_nurture(cloud: LocalCloud) -> None:
    lead_id = _submit(email="bob@gmail.com", form="newsletter", title=None, company={})
    lead = _settle(cloud, lead_id, {"routed"})
    assert lead["route"]["action"] == "nurture" and lead["route"]["decided_by"] == "rules"
    assert lead["sla"]["seconds_to_route"] > 0 and lead["sla"]["seconds_in_review"] is None
    assert [m["lead_id"] for m in cloud.drain_queue(resources.action_queue_name(RouteAction.NURTURE))] == [
        lead_id
    ]


def test_named_account_waits_for_review_then_approve_reject_reroute(cloud: LocalCloud) -> None:
    call_api("PUT", "/accounts/northwind.io", {"named_account": True, "owner": "maria.lopez"})
    leads = {kind: _submit(email=f"{kind}@northwind.io") for kind in ("approve", "reject", "reroute")}
    for lead_id in leads.values():
        lead = _settle(cloud, lead_id, {"pending_review"})
        assert lead["route"] is None and "named_account" in lead["review"]["triggers"]
    # Nothing is dispatched while the SDR has not decided.
    assert cloud.queue_depth(resources.action_queue_name(RouteAction.AE_NOTIFY)) == 0
    reviews = call_api("GET", "/reviews?status=pending&account=northwind.io").json()["reviews"]
    assert len(reviews) == 3 and all("task_token" not in str(r) for r in reviews)
    by_lead = {r["lead_id"]: r["review_id"] for r in reviews}
    bodies = {
        "approve": {"decision": "approve", "reviewer": "sam"},
        "reject": {"decision": "reject", "reviewer": "sam"},
        "reroute": {"decision": "reroute", "reviewer": "sam", "route": "sdr_outreach"},
    }
    for kind, lead_id in leads.items():
        assert call_api("POST", f"/reviews/{by_lead[lead_id]}/decision", bodies[kind]).status == 200
    expected = {
        "approve": ("ae_notify", "maria.lopez"),
        "reject": ("nurture", "marketing-nurture"),
        # No account owner for SDR outreach: a rep of the account's territory (a US account, na),
        # whoever fairness owes most and is at work (which depends on the hour the test runs).
        "reroute": ("sdr_outreach", "round_robin"),
    }
    for kind, lead_id in leads.items():
        lead = _settle(cloud, lead_id, {"routed"})
        route = lead["route"]
        action, owner = expected[kind]
        if kind == "reroute":
            chosen = [c["rep"] for c in route["candidates"] if c["chosen"]]
            assert chosen == [route["owner"]] and route["owner"] in {"sam.sdr", "jordan.sdr", "priya.sdr"}
            assert route["assignment"].startswith("fair share in pool na")
            owner = route["owner"]
        assert (route["action"], route["owner"], route["decided_by"]) == (action, owner, "sam")
        # Speed to lead is recorded per lead: the time to route includes the time the SDR took.
        assert 0 < lead["sla"]["seconds_in_review"] <= lead["sla"]["seconds_to_route"]
    # The same decision sent again (a retry) is answered the same; another one is a conflict naming it.
    again = call_api("POST", f"/reviews/{by_lead[leads['approve']]}/decision", bodies["approve"])
    assert again.status == 200 and again.json()["decision"] == "approve"
    other = call_api(
        "POST", f"/reviews/{by_lead[leads['approve']]}/decision", {"decision": "reject", "reviewer": "kim"}
    )
    assert other.status == 409 and "approve -> ae_notify by sam" in other.json()["message"]
    # and nothing went downstream twice
    sent = cloud.drain_queue(resources.action_queue_name(RouteAction.AE_NOTIFY))
    assert [m["lead_id"] for m in sent] == [leads["approve"]]


def test_review_timeout_escalates_instead_of_failing(cloud: LocalCloud) -> None:
    call_api("PUT", "/accounts/acme.io", {"named_account": True})
    lead_id = _submit(email="cto@acme.io")
    _settle(cloud, lead_id, {"pending_review"})
    lead = _settle(cloud, lead_id, {"routed"}, timeout=30)
    assert (
        lead["escalated"]
        and lead["route"]["action"] == "ae_notify"
        and lead["route"]["decided_by"] == "escalation"
    )
    assert lead["review"]["status"] == "expired"


def test_duplicate_submission_makes_one_lead_and_one_execution(cloud: LocalCloud) -> None:
    first, second = (
        _submit(email="x@gmail.com", form="newsletter"),
        _submit(email="x@gmail.com", form="newsletter"),
    )
    assert first == second
    _settle(cloud, first, {"routed", "hold", "pending_review"})
    assert [e["name"] for e in cloud.executions()] == [first]


def test_poison_message_ends_in_the_dlq(cloud: LocalCloud) -> None:
    client("sqs").send_message(
        QueueUrl=cloud.urls[resources.SCORING_QUEUE], MessageBody='{"lead_id": "ld_missing"}'
    )

    def in_dlq() -> bool:
        cloud.pump()
        return cloud.queue_depth(resources.SCORING_DLQ) == 1

    wait_until(in_dlq, timeout=30, what="the poison message to reach the scoring DLQ")


def test_in_aws_the_reviewer_is_the_authenticated_caller_not_the_body(cloud: LocalCloud) -> None:
    import json

    from leadqual_tools.local.api_gateway import API_FUNCTION, proxy_event
    from leadqual_tools.local.invoker import invoke_in_process

    call_api("PUT", "/accounts/hooli.io", {"named_account": True, "owner": "maria.lopez"})
    lead_id = _submit(email="gavin@hooli.io")
    _settle(cloud, lead_id, {"pending_review"})
    (review,) = call_api("GET", "/reviews?status=pending&account=hooli.io").json()["reviews"]
    # GIVEN a decision signed by an SDR's IAM identity, whose body claims to be someone else
    caller = "arn:aws:sts::123456789012:assumed-role/sdr-console/sam"
    event = proxy_event(
        "POST",
        f"/reviews/{review['review_id']}/decision",
        {"content-type": "application/json"},
        json.dumps({"decision": "approve", "reviewer": "the-ceo"}),
    )
    event["requestContext"]["identity"]["userArn"] = caller
    result, errored = invoke_in_process(API_FUNCTION, event)
    # THEN the decision, and the route it makes, name the caller API Gateway authenticated
    assert not errored and json.loads(result)["statusCode"] == 200
    assert json.loads(json.loads(result)["body"])["decided_by"] == caller
    assert _settle(cloud, lead_id, {"routed"})["route"]["decided_by"] == caller
