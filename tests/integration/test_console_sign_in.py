"""The console's signed-in routes as deployed (sign-in "cognito"): API Gateway's authorizer passes
the person's claims; the API lets each group do only its part and records the person as reviewer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from leadqual.api_routes import PEOPLE_PREFIX
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from tests.conftest import lead_body

SDR = {"email": "sam@team.example", "cognito:username": "sam", "cognito:groups": "sdr"}
REVOPS = {"email": "rae@team.example", "cognito:username": "rae", "cognito:groups": "[revops]"}
BOTH = {"email": "lee@team.example", "cognito:username": "lee", "cognito:groups": "[sdr, revops]"}
# The shipped policy's territory na (US, CA) has SDRs sam.sdr, jordan.sdr and priya.sdr; emea others.
NA_SDR = {"email": "priya@team.example", "cognito:username": "priya.sdr", "cognito:groups": "sdr"}
EMEA_SDR = {"email": "lena@team.example", "cognito:username": "lena.sdr", "cognito:groups": "sdr"}
OWNER = {"email": "maria.lopez@team.example", "cognito:username": "maria.lopez", "cognito:groups": "sdr"}
TEAM_LEAD = {"email": "tia@team.example", "cognito:username": "tia", "cognito:groups": "[lead]"}


@pytest.fixture(scope="module")
def deployed_sign_in() -> Iterator[LocalCloud]:
    with LocalCloud(
        review_timeout_seconds=600, visibility_timeout_seconds=1, console_sign_in="cognito"
    ) as cloud:
        cloud.run_pollers()
        yield cloud
        assert not cloud.iam.denials, "AccessDenied in AWS:\n" + cloud.iam.report()


def _pending_review(domain: str) -> tuple[str, str]:
    call_api("PUT", f"/accounts/{domain}", {"named_account": True, "owner": "maria.lopez"})
    body = lead_body(email=f"dana@{domain}")
    body["company"] = {**body["company"], "domain": domain}
    lead_id = call_api("POST", "/leads", body).json()["lead_id"]
    review = wait_until(
        lambda: (call_api("GET", f"/leads/{lead_id}").json().get("review") or {}).get("review_id"),
        timeout=30, what="the review",
    )  # fmt: skip
    return lead_id, str(review)


def test_each_group_may_do_its_part_and_no_more(deployed_sign_in: LocalCloud) -> None:
    lead_id, review_id = _pending_review("groups.example.io")
    # Both groups read the inbox and the lead
    for person in (SDR, REVOPS):
        assert call_api("GET", f"{PEOPLE_PREFIX}/reviews", claims=person).status == 200
        assert call_api("GET", f"{PEOPLE_PREFIX}/leads/{lead_id}", claims=person).status == 200
    # Only RevOps read the reports and the policy: an SDR's token is refused, saying who may
    for path in ("/reports", "/policy"):
        refused = call_api("GET", PEOPLE_PREFIX + path, claims=SDR)
        assert refused.status == 403 and "revops" in refused.json()["message"]
        assert call_api("GET", PEOPLE_PREFIX + path, claims=REVOPS).status == 200
    # Only SDRs decide: RevOps is refused and the review stays pending
    decide = f"{PEOPLE_PREFIX}/reviews/{review_id}/decision"
    body = {"decision": "approve", "reviewer": "whatever the page says"}
    assert call_api("POST", decide, body, claims=REVOPS).status == 403
    assert call_api("GET", f"{PEOPLE_PREFIX}/reviews/{review_id}", claims=SDR).json()["status"] == "pending"
    # A person with no group, or no token at all, gets nothing
    assert call_api("GET", f"{PEOPLE_PREFIX}/reviews", claims={"email": "x@team.example"}).status == 403
    assert call_api("GET", f"{PEOPLE_PREFIX}/reviews").status == 403


def test_the_reviewer_of_record_is_the_signed_in_person_not_the_body(deployed_sign_in: LocalCloud) -> None:
    lead_id, review_id = _pending_review("reviewer.example.io")
    body = {"decision": "approve", "reviewer": "someone.else", "note": "checked the account"}
    lee = {**BOTH, "cognito:username": "jordan.sdr"}  # an SDR of the lead's territory
    decided = call_api("POST", f"{PEOPLE_PREFIX}/reviews/{review_id}/decision", body, claims=lee)
    assert decided.status == 200 and decided.json()["decided_by"] == "lee@team.example"
    lead = wait_until(
        lambda: (found := call_api("GET", f"/leads/{lead_id}").json())["status"] == "routed" and found,
        timeout=30, what="the lead routed",
    )  # fmt: skip
    assert lead["route"]["decided_by"] == "lee@team.example"


def test_an_sdr_decides_their_own_queues_reviews_and_no_one_elses(deployed_sign_in: LocalCloud) -> None:
    # GIVEN a named account's review in territory na, its suggested owner the account's owner
    _, review_id = _pending_review("queue.example.io")
    decide = f"{PEOPLE_PREFIX}/reviews/{review_id}/decision"
    review = call_api("GET", f"{PEOPLE_PREFIX}/reviews/{review_id}", claims=NA_SDR).json()
    assert (review["suggested_owner"], review["territory"]) == ("maria.lopez", "na")
    # An SDR of another territory is refused, told who may decide, and nothing is saved
    refused = call_api("POST", decide, {"decision": "approve", "reviewer": "x"}, claims=EMEA_SDR)
    assert refused.status == 403
    message = refused.json()["message"]
    assert all(
        name in message for name in ("maria.lopez", "sam.sdr", "jordan.sdr", "priya.sdr", "lead", "manager")
    )
    assert "lena.sdr" not in message
    assert (
        call_api("GET", f"{PEOPLE_PREFIX}/reviews/{review_id}", claims=NA_SDR).json()["status"] == "pending"
    )
    # Its territory's SDR decides it
    decided = call_api("POST", decide, {"decision": "approve", "reviewer": "x"}, claims=NA_SDR)
    assert decided.status == 200 and decided.json()["decided_by"] == "priya@team.example"


def test_the_accounts_owner_and_a_team_lead_decide_reviews_outside_their_territory(
    deployed_sign_in: LocalCloud,
) -> None:
    for person in (OWNER, TEAM_LEAD):
        _, review_id = _pending_review(f"{person['cognito:username'].replace('.', '-')}.example.io")
        decided = call_api(
            "POST", f"{PEOPLE_PREFIX}/reviews/{review_id}/decision", {"decision": "reject", "reviewer": "x"},
            claims=person,
        )  # fmt: skip
        assert decided.status == 200, decided.body
        assert decided.json()["decided_by"] == person["email"]
