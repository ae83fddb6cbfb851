"""The api handler against moto: bad input gets a 4xx naming the field and stores nothing."""

from leadqual import resources
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud
from tests.conftest import lead_body, lead_items


def _stored_items(cloud: LocalCloud) -> int:
    from leadqual.adapters.aws_clients import client

    return int(client("dynamodb").scan(TableName=resources.LEADS_TABLE, Select="COUNT")["Count"])


def test_malformed_lead_names_each_bad_field_and_stores_nothing(cloud: LocalCloud) -> None:
    response = call_api(
        "POST", "/leads", lead_body(email="not-an-email", form="fax", company={"employees": -3})
    )
    assert response.status == 422
    fields = {d["field"] for d in response.json()["details"]}
    assert fields == {"email", "form", "company.employees"}
    assert _stored_items(cloud) == 0
    assert cloud.queue_depth(resources.SCORING_QUEUE) == 0


def test_not_json_too_large_and_wrong_type_are_4xx(cloud: LocalCloud) -> None:
    assert call_api("POST", "/leads", "{not json").status == 400
    assert call_api("POST", "/leads", "{}", headers={"content-type": "text/plain"}).status == 415
    assert call_api("POST", "/leads", '{"email": "' + "a" * 1_100_000 + '"}').status == 413
    future = call_api("POST", "/leads", lead_body(submitted_at="2099-01-01T00:00:00Z"))
    assert future.status == 422 and future.json()["details"][0]["field"] == "submitted_at"
    assert _stored_items(cloud) == 0


def test_idempotency_key_and_same_email_make_one_lead(cloud: LocalCloud) -> None:
    first = call_api("POST", "/leads", lead_body(), headers={"Idempotency-Key": "k1"})
    again = call_api("POST", "/leads", lead_body(email="other@x.io"), headers={"Idempotency-Key": "k1"})
    assert first.status == again.status == 202 and first.json() == again.json()
    touch = call_api("POST", "/leads", lead_body())
    assert touch.json()["lead_id"] == first.json()["lead_id"]
    assert call_api("GET", f"/leads/{first.json()['lead_id']}").json()["touches"] == 2
    assert cloud.queue_depth(resources.SCORING_QUEUE) == 1


def test_a_repeat_submission_answers_as_the_first_and_says_nothing_of_the_lead(cloud: LocalCloud) -> None:
    first = call_api("POST", "/leads", lead_body(email="probe@northwind.io"))
    lead_id = first.json()["lead_id"]
    cloud.pump()  # the lead is scored and moves on; a repeat must not say so
    assert call_api("GET", f"/leads/{lead_id}").json()["status"] != "received"
    for _ in range(3):
        repeat = call_api("POST", "/leads", lead_body(email="probe@northwind.io", form="newsletter"))
        assert repeat.status == 202 and repeat.json() == first.json() == {
            "lead_id": lead_id,
            "status": "received",
        }
    # De-duplication is as it was: one lead, every submission a touch
    assert call_api("GET", f"/leads/{lead_id}").json()["touches"] == 4
    assert len(lead_items()) == 1


def test_unknown_ids_are_404(cloud: LocalCloud) -> None:
    assert call_api("GET", "/leads/ld_nope").status == 404
    decision = call_api("POST", "/reviews/rv_nope/decision", {"decision": "approve", "reviewer": "sam"})
    assert decision.status == 404
    reroute = call_api("POST", "/reviews/rv_nope/decision", {"decision": "reroute", "reviewer": "sam"})
    assert reroute.status == 422 and "route is required" in reroute.json()["details"][0]["message"]


def test_an_idempotency_key_older_than_24_hours_is_not_replayed(cloud: LocalCloud) -> None:
    from datetime import timedelta

    from leadqual.adapters.dynamo_leads import DynamoLeadStore
    from leadqual.domain.schemas.shared import utc_now

    # GIVEN a key answered 25 hours ago (DynamoDB's TTL may not have deleted it yet)
    store = DynamoLeadStore(resources.LEADS_TABLE)
    assert store.claim_idempotency_key("k-old", utc_now() - timedelta(hours=25)).claimed
    store.complete_idempotency_key("k-old", {"lead_id": "ld_old", "status": "received"})
    # WHEN the key is reused THEN a new lead is made, not the old answer replayed
    response = call_api("POST", "/leads", lead_body(), headers={"Idempotency-Key": "k-old"})
    assert response.status == 202 and response.json()["lead_id"] != "ld_old"


def test_a_console_file_name_of_any_length_or_shape_is_a_404_without_a_server_path(cloud: LocalCloud) -> None:
    assert call_api("GET", "/console/assets/inbox.js").status == 200
    for name in (
        "a" * 252 + ".js",
        "x" * 5000 + ".css",
        "nope.js",
        "..%2Fsettings.py",
        "inbox.js.map",
        "INBOX.JS",
    ):
        answer = call_api("GET", f"/console/assets/{name}")
        assert answer.status == 404, (name[:20], answer.status)
        assert answer.json()["message"] == "No such console file"
        assert "/" not in answer.body.replace("</", "")


def test_an_internationalised_domain_is_accepted_and_kept_in_its_idna_form(cloud: LocalCloud) -> None:
    accepted = call_api("POST", "/leads", lead_body(email="jurgen@müller.de", company={"name": "Müller"}))
    assert accepted.status == 202
    lead = call_api("GET", f"/leads/{accepted.json()['lead_id']}").json()
    assert (lead["email"], lead["account"]) == ("jurgen@xn--mller-kva.de", "xn--mller-kva.de")
    # Both spellings are one person: the IDNA form within 24 hours is the same lead
    again = call_api("POST", "/leads", lead_body(email="jurgen@xn--mller-kva.de"))
    assert again.json()["lead_id"] == accepted.json()["lead_id"]
    # A name before the @ that is not ASCII is refused, saying why
    refused = call_api("POST", "/leads", lead_body(email="jürgen@müller.de"))
    assert refused.status == 422 and refused.json()["details"] == [
        {
            "field": "email",
            "message": "has non-ASCII characters before the @, which most mail systems cannot deliver to",
        }
    ]
