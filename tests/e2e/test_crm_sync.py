"""Routed leads reach HubSpot through the deployed path: Dispatch -> the CRM-sync FIFO queue -> the
CRM writer (its role checked on every call, its token read from Secrets Manager) -> the HubSpot
stand-in over HTTP. No live HubSpot is reached."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leadqual import resources
from leadqual.domain.crm import fields_to_install
from leadqual.domain.policy import load_policy
from leadqual.domain.schemas.messages import CrmChange, CrmSyncRequest
from leadqual_tools.crm_admin import install_quietly
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from leadqual_tools.standins.hubspot import HubSpotStandIn
from tests.conftest import lead_body, sent_to_sdr_outreach

TOKEN = "local-hubspot-token"
# What `leadqual crm install --apply` creates: every field the policy writes.
LEADQUAL_PROPERTIES = list(fields_to_install(load_policy().crm))


@pytest.fixture
def hubspot() -> Iterator[HubSpotStandIn]:
    with HubSpotStandIn(tokens={TOKEN}) as stand_in:
        yield stand_in


def hubspot_connected(
    hubspot: HubSpotStandIn, folder: Path, monkeypatch: pytest.MonkeyPatch, more: str = ""
) -> Path:
    """A connections file naming the stand-in (plus `more` of its block), the token in its variable,
    and leadqual's properties installed as `leadqual crm install --apply` does."""
    connections = folder / "connections.yaml"
    connections.write_text(
        f"hubspot:\n  base_url: {hubspot.base_url}\n  token_env: LEADQUAL_HUBSPOT_TOKEN\n{more}"
    )
    monkeypatch.setenv("LEADQUAL_HUBSPOT_TOKEN", TOKEN)
    assert install_quietly(connections) == len(LEADQUAL_PROPERTIES)
    return connections


@pytest.fixture
def crm_cloud(
    hubspot: HubSpotStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalCloud]:
    connections = hubspot_connected(hubspot, tmp_path, monkeypatch)
    with LocalCloud(
        review_timeout_seconds=4, visibility_timeout_seconds=1, connections_file=connections
    ) as local:
        yield local
        assert not local.iam.denials, "AccessDenied in AWS:\n" + local.iam.report()


def _submit(email: str, **extra: Any) -> str:
    response = call_api("POST", "/leads", lead_body(email=email, **extra))
    assert response.status == 202, response.body
    lead_id: str = response.json()["lead_id"]
    return lead_id


def _written(cloud: LocalCloud, lead_id: str, writes: int = 1) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        cloud.pump()
        lead: dict[str, Any] = call_api("GET", f"/leads/{lead_id}").json()
        crm = lead.get("crm") or {}
        return lead if len(crm.get("writes", [])) >= writes else None

    return wait_until(done, timeout=60, what=f"lead {lead_id}'s CRM write")


def test_a_routed_lead_is_written_to_hubspot_with_its_scores_route_and_owner(
    crm_cloud: LocalCloud, hubspot: HubSpotStandIn
) -> None:
    lead_id = _submit("casey.cho@contoso.com", form="newsletter", title=None, company={})

    lead = _written(crm_cloud, lead_id)

    contact = hubspot.contact("casey.cho@contoso.com")
    assert contact is not None
    write = lead["crm"]["writes"][-1]
    assert lead["crm"]["system"] == "hubspot" and lead["crm"]["record_id"] == contact.record_id
    assert write["created"] and write["change"] == "routed"
    properties = contact.properties
    assert properties["leadqual_route"] == lead["route"]["action"]
    assert properties["leadqual_score"] == str(round(lead["scores"]["conversion_probability"] * 100))
    assert properties["leadqual_rule"] == lead["route"]["rule"]
    assert properties["leadqual_console_link"].endswith(f"/console/leads/{lead_id}")
    assert "hs_lead_status" not in properties  # a standard field: never written unless RevOps opts in
    assert any(entry["event"] == "crm_written" for entry in lead["history"])
    # The messages carry ids only: nothing personal on the queue or the bus.
    assert crm_cloud.queue_depth(resources.CRM_SYNC_QUEUE) == 0


def test_the_writer_reads_its_token_from_secrets_manager_and_only_its_own_secret(
    crm_cloud: LocalCloud, hubspot: HubSpotStandIn
) -> None:
    lead_id = _submit("casey.cho@contoso.com", form="newsletter", title=None, company={})
    _written(crm_cloud, lead_id)

    writer = resources.function_name(resources.CRM_SYNC_FUNCTION.name)
    secret_reads = {
        p.resource for p in crm_cloud.iam.calls[writer] if p.action == "secretsmanager:GetSecretValue"
    }
    assert len(secret_reads) == 1 and ":secret:leadqual/hubspot-" in secret_reads.pop()


def test_without_a_connections_file_nothing_is_written_and_the_timeline_says_so(cloud: LocalCloud) -> None:
    lead_id = _submit("casey.cho@contoso.com", form="newsletter", title=None, company={})

    def said() -> dict[str, Any] | None:
        cloud.pump()
        lead: dict[str, Any] = call_api("GET", f"/leads/{lead_id}").json()
        return lead if any(e["event"] == "crm_not_connected" for e in lead["history"]) else None

    lead = wait_until(said, timeout=60, what="the timeline to say no CRM is connected")
    assert lead["crm"]["writes"] == [] and lead["crm"]["system"] is None


def _reviewed_to_ana(cloud: LocalCloud, email: str) -> str:
    """A named account's lead, approved by its SDR: routed to the account owner, ana.ae (HubSpot 201)."""
    call_api("PUT", f"/accounts/{email.split('@')[1]}", {"named_account": True, "owner": "ana.ae"})
    lead_id = _submit(email)

    def review_id() -> str | None:
        cloud.pump()
        reviews = call_api("GET", f"/reviews?status=pending&account={email.split('@')[1]}").json()["reviews"]
        return next((r["review_id"] for r in reviews if r["lead_id"] == lead_id), None)

    review = wait_until(review_id, timeout=60, what="the lead's review")
    answer = call_api("POST", f"/reviews/{review}/decision", {"decision": "approve", "reviewer": "sam.sdr"})
    assert answer.status == 200, answer.body
    return lead_id


def test_the_owner_is_set_to_the_reps_crm_user_and_the_review_is_on_the_record(
    crm_cloud: LocalCloud, hubspot: HubSpotStandIn
) -> None:
    lead_id = _reviewed_to_ana(crm_cloud, "dana.ng@northwind.io")

    lead = _written(crm_cloud, lead_id)

    contact = hubspot.contact("dana.ng@northwind.io")
    assert contact is not None and contact.properties["hubspot_owner_id"] == "201"
    assert contact.properties["leadqual_owner"] == "ana.ae"
    assert contact.properties["leadqual_review_status"] == "approved"
    assert lead["crm"]["writes"][-1]["owner"] == "written"


def test_an_owner_a_person_set_in_hubspot_is_kept_and_the_conflict_is_on_the_timeline(
    crm_cloud: LocalCloud, hubspot: HubSpotStandIn
) -> None:
    hubspot.add_contact("dana.ng@northwind.io", owner_id="909", by_person=True)
    lead_id = _reviewed_to_ana(crm_cloud, "dana.ng@northwind.io")

    lead = _written(crm_cloud, lead_id)

    contact = hubspot.contact("dana.ng@northwind.io")
    assert contact is not None and contact.properties["hubspot_owner_id"] == "909"
    assert contact.properties["leadqual_owner"] == "ana.ae" and "leadqual_score" in contact.properties
    write = lead["crm"]["writes"][-1]
    assert write["owner"] == "kept" and "owner 909 kept, not ana.ae" in write["conflict"]
    assert any(e["event"] == "crm_owner_conflict" for e in lead["history"])


def test_a_person_who_changes_the_owner_between_leadqual_s_read_and_write_keeps_it(
    crm_cloud: LocalCloud, hubspot: HubSpotStandIn
) -> None:
    hubspot.add_contact("dana.ng@northwind.io")  # known to HubSpot already, owned by no one
    hubspot.between_read_and_write.append(lambda: hubspot.person_sets_owner("dana.ng@northwind.io", "909"))
    lead_id = _reviewed_to_ana(crm_cloud, "dana.ng@northwind.io")

    lead = _written(crm_cloud, lead_id)

    contact = hubspot.contact("dana.ng@northwind.io")
    assert contact is not None and contact.properties["hubspot_owner_id"] == "909"
    assert "wrote it back" in lead["crm"]["writes"][-1]["conflict"]


def test_a_change_delivered_three_more_times_is_written_once(
    crm_cloud: LocalCloud, hubspot: HubSpotStandIn
) -> None:
    from leadqual.adapters.aws_clients import client

    lead_id = _submit("casey.cho@contoso.com", form="newsletter", title=None, company={})
    _written(crm_cloud, lead_id)
    before = len(hubspot.calls)
    body = CrmSyncRequest(
        change_id=f"{lead_id}-e0", lead_id=lead_id, change=CrmChange.ROUTED
    ).model_dump_json()
    for again in range(3):  # as SQS redelivers, past the FIFO queue's five-minute deduplication
        client("sqs").send_message(
            QueueUrl=crm_cloud.urls[resources.CRM_SYNC_QUEUE], MessageBody=body,
            MessageGroupId=lead_id, MessageDeduplicationId=f"redelivered-{again}",
        )  # fmt: skip
    wait_until(lambda: crm_cloud.pump() == 0 and crm_cloud.queue_depth(resources.CRM_SYNC_QUEUE) == 0,
               timeout=30, what="the redeliveries to be handled")  # fmt: skip

    assert len(hubspot.calls) == before  # nothing changed: HubSpot was not even asked
    lead = call_api("GET", f"/leads/{lead_id}").json()
    assert len(lead["crm"]["writes"]) == 1


def test_hubspot_down_for_a_while_the_backlog_drains_when_it_returns(
    crm_cloud: LocalCloud, hubspot: HubSpotStandIn
) -> None:
    hubspot.go_down(6.0)
    lead_ids = [
        _submit(f"person{n}@contoso.com", form="newsletter", title=None, company={}) for n in range(4)
    ]

    for lead_id in lead_ids:
        _written(crm_cloud, lead_id)

    assert len(hubspot.contacts) == 4
    assert hubspot.requests(status=503), "HubSpot was down when the first writes came"
    assert crm_cloud.queue_depth(resources.dlq_name(resources.CRM_SYNC_QUEUE)) == 0


def test_a_deal_won_in_hubspot_becomes_the_lead_s_outcome_once(
    crm_cloud: LocalCloud, hubspot: HubSpotStandIn
) -> None:
    lead_id = _submit("casey.cho@contoso.com", form="newsletter", title=None, company={})
    _written(crm_cloud, lead_id)
    hubspot.close_deal("casey.cho@contoso.com", won=True, amount=48_000)

    first = crm_cloud.read_crm()
    again = crm_cloud.read_crm()  # the next scheduled read sees the same deal
    nightly = crm_cloud.read_crm(reconcile=True)

    lead = call_api("GET", f"/leads/{lead_id}").json()
    (outcome,) = lead["outcomes"]
    assert (outcome["outcome"], outcome["amount"]) == ("closed_won", 48_000)
    assert "HubSpot deal" in outcome["note"]
    assert (first["recorded"], again["recorded"], nightly["recorded"]) == (1, 0, 0)
    assert [e["detail"] for e in lead["history"] if e["event"] == "outcome_reported"] == ["closed_won"]


def test_a_call_logged_in_hubspot_acknowledges_the_reps_lead_stops_its_chain_and_times_the_first_activity(
    crm_cloud: LocalCloud, hubspot: HubSpotStandIn
) -> None:
    from leadqual.adapters.aws_clients import client

    # GIVEN a lead an SDR sent to SDR outreach: fairness gives it to a rep, whose alert starts its
    # SLA chain (one-time schedules), and HubSpot has the record
    email = "ravi.rao@contoso.io"
    lead_id = _submit(email, form="contact_sales", title="CTO",
                      company={"name": "Contoso", "employees": 40, "country": "US"})  # fmt: skip
    sent_to_sdr_outreach(lead_id, crm_cloud.pump)
    _written(crm_cloud, lead_id)

    def chain() -> list[str]:
        listed = client("scheduler").list_schedules(GroupName=resources.SLA_SCHEDULE_GROUP)["Schedules"]
        return [s["Name"] for s in listed if lead_id in s["Name"]]

    wait_until(lambda: crm_cloud.pump() >= 0 and chain(), timeout=30, what="the SLA chain")
    # WHEN the rep logs a call on the contact in HubSpot, and leadqual reads the CRM (twice: a poll
    # reads a little before its watermark)
    hubspot.log_activity(email, "CALL")
    first, again = crm_cloud.read_crm(), crm_cloud.read_crm()
    # THEN it is the lead's first activity, timed from the route, once
    assert (first["activities"], again["activities"]) == (1, 0)

    def acknowledged() -> dict[str, Any] | None:
        crm_cloud.pump()
        lead: dict[str, Any] = call_api("GET", f"/leads/{lead_id}").json()
        return lead if any(e["event"] == "acknowledged" for e in lead["history"]) else None

    lead = wait_until(acknowledged, timeout=30, what="the CRM activity to acknowledge")
    # AND it acknowledged the rep's alert (via the CRM), which stopped the chain
    (said,) = [e["detail"] for e in lead["history"] if e["event"] == "acknowledged"]
    assert f"by {lead['route']['owner']} via crm" in said
    assert (
        lead["sla"]["seconds_to_first_activity"] is not None
        and lead["sla"]["seconds_to_acknowledge"] is not None
    )
    assert next(e for e in lead["history"] if e["event"] == "crm_activity")["detail"].startswith(
        "first activity on the CRM record (HubSpot call logged)"
    )
    assert chain() == []
    # AND the reports time it per rep
    flow = call_api("GET", "/reports").json()["flow"]
    by_rep = {row["key"]: row for row in flow["acknowledgement_by_rep"]}
    assert by_rep[lead["route"]["owner"]]["with_activity"] == 1


def test_a_backlog_is_written_a_hundred_at_a_time_not_ten(
    crm_cloud: LocalCloud, hubspot: HubSpotStandIn
) -> None:
    crm_cloud.hold_event_source(resources.CRM_SYNC_QUEUE)  # as if the writer were disabled a while
    lead_ids = [
        _submit(f"person{n}@contoso.com", form="newsletter", title=None, company={}) for n in range(15)
    ]
    wait_until(lambda: crm_cloud.pump() >= 0 and crm_cloud.queue_depth(resources.CRM_SYNC_QUEUE) == 15,
               timeout=60, what="15 changes waiting")  # fmt: skip
    crm_cloud.release_event_source(resources.CRM_SYNC_QUEUE)

    for lead_id in lead_ids:
        _written(crm_cloud, lead_id)

    # Lambda hands a FIFO consumer 10 at most; the writer took the other 5 itself: one upsert for all.
    assert [call.inputs for call in hubspot.requests("/batch/upsert")] == [15]
    assert crm_cloud.queue_depth(resources.CRM_SYNC_QUEUE) == 0


def test_a_spent_daily_share_makes_writes_wait_in_the_queue_never_dropped(
    hubspot: HubSpotStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 0.001 % of HubSpot's 250,000 a day: a share of 2 requests, one lead's read and upsert.
    budget = "  budget: {daily_share: 0.00001, assumed_daily_allocation: 250000}\n"
    connections = hubspot_connected(hubspot, tmp_path, monkeypatch, budget)
    with LocalCloud(
        review_timeout_seconds=4, visibility_timeout_seconds=1, connections_file=connections
    ) as cloud:
        first = _submit("first@contoso.com", form="newsletter", title=None, company={})
        _written(cloud, first)
        second = _submit("second@contoso.com", form="newsletter", title=None, company={})

        def waiting() -> bool:
            cloud.pump()
            lead = call_api("GET", f"/leads/{second}").json()
            return lead["status"] == "routed" and call_api("GET", "/crm").json()["budget"]["spent"] == 2

        wait_until(waiting, timeout=60, what="the second lead's change to meet the spent share")
        for _ in range(3):
            cloud.pump()  # the change is out of sight until the share renews (UTC midnight)
        overview = call_api("GET", "/crm").json()
        assert (overview["budget"]["spent"], overview["budget"]["share"]) == (2, 2)
        assert (overview["waiting"], overview["writing"], overview["dead_lettered"]) == (0, 1, 0)
        lead = call_api("GET", f"/leads/{second}").json()
        assert not (lead.get("crm") or {}).get("writes") and hubspot.contact("second@contoso.com") is None
        assert not cloud.iam.denials, cloud.iam.report()


def test_a_target_account_in_hubspot_makes_its_next_lead_a_named_account_review_for_its_owner(
    crm_cloud: LocalCloud, hubspot: HubSpotStandIn
) -> None:
    hubspot.company("tailspin.io", owner_id="202", target=True)  # omar.ae's, on sales' target list

    read = crm_cloud.read_crm()
    lead_id = _submit("kim@tailspin.io")

    def reviewed() -> dict[str, Any] | None:
        crm_cloud.pump()
        lead: dict[str, Any] = call_api("GET", f"/leads/{lead_id}").json()
        return lead if lead["status"] == "pending_review" else None

    lead = wait_until(reviewed, timeout=60, what="the lead's review")
    assert read["accounts_updated"] == 1
    assert "named_account" in lead["review"]["triggers"]
    review = call_api("GET", f"/reviews/{lead['review']['review_id']}").json()
    assert review["suggested_owner"] == "omar.ae"


def test_salesforce_a_reviewed_lead_is_upserted_on_its_external_id_with_its_owner_and_a_rep_s_owner_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from leadqual_tools.standins.salesforce import SalesforceStandIn

    with SalesforceStandIn("acme-client", "acme-secret") as salesforce:
        connections = tmp_path / "connections.yaml"
        connections.write_text(
            f"salesforce:\n  login_url: {salesforce.base_url}\n  client_id_env: ACME_SF_ID\n"
            "  client_secret_env: ACME_SF_SECRET\n"
        )
        monkeypatch.setenv("ACME_SF_ID", "acme-client")
        monkeypatch.setenv("ACME_SF_SECRET", "acme-secret")
        with LocalCloud(
            review_timeout_seconds=600, visibility_timeout_seconds=1, connections_file=connections
        ) as cloud:
            lead_id = _reviewed_to_ana(cloud, "dana.ng@northwind.io")
            lead = _written(cloud, lead_id)
            record = salesforce.lead(lead_id)
            assert record is not None and record["OwnerId"] == "005000000000201"  # ana.ae's Salesforce user
            assert record["leadqual_route__c"] == "ae_notify" and record["Company"] == "Northwind"
            assert lead["crm"]["system"] == "salesforce" and lead["crm"]["writes"][-1]["owner"] == "written"
            # the writer read its client's id and secret from the one JSON secret the file names
            writer = resources.function_name(resources.CRM_SYNC_FUNCTION.name)
            assert {p.resource.rsplit(":", 1)[-1][:-7] for p in cloud.iam.calls[writer]
                    if p.action == "secretsmanager:GetSecretValue"} == {"leadqual/salesforce"}  # fmt: skip
            assert not cloud.iam.denials, cloud.iam.report()


def test_a_429_storm_loses_nothing_and_stays_inside_the_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # HubSpot answers 429 past 3 requests in any rolling second, far below leadqual's own pace of 8.
    with HubSpotStandIn(tokens={TOKEN}, burst_limit=3, burst_window_seconds=1.0) as hubspot:
        connections = hubspot_connected(hubspot, tmp_path, monkeypatch)
        with LocalCloud(
            review_timeout_seconds=4, visibility_timeout_seconds=1, connections_file=connections
        ) as cloud:
            cloud.run_pollers()
            lead_ids = [
                _submit(f"storm{n}@contoso.com", form="newsletter", title=None, company={}) for n in range(30)
            ]

            def all_written() -> bool:
                return all(
                    (call_api("GET", f"/leads/{i}").json().get("crm") or {}).get("writes") for i in lead_ids
                )

            wait_until(all_written, timeout=120, interval=0.5, what="every lead's write")

            assert hubspot.requests(status=429), "the stand-in answered 429s"
            assert sum(1 for c in hubspot.contacts.values() if c.properties.get("leadqual_lead_id")) == 30
            overview = call_api("GET", "/crm").json()
            assert overview["dead_lettered"] == 0 and overview["refused"] == []
            assert (
                overview["budget"]["spent"] <= overview["budget"]["share"]
            )  # every try counted, within the share
            assert not cloud.iam.denials, cloud.iam.report()


def test_hubspot_s_signed_webhook_reads_a_won_deal_at_once_and_a_forged_or_replayed_one_is_refused(
    hubspot: HubSpotStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import serving

    webhook = "  webhook_secret_env: LEADQUAL_HUBSPOT_CLIENT_SECRET\n  webhook_secret_secret: leadqual/hubspot-client-secret\n"
    connections = hubspot_connected(hubspot, tmp_path, monkeypatch, webhook)
    monkeypatch.setenv("LEADQUAL_HUBSPOT_CLIENT_SECRET", "app-client-secret")
    with LocalCloud(
        review_timeout_seconds=4, visibility_timeout_seconds=1, connections_file=connections
    ) as cloud:
        with serving(cloud) as url:
            hubspot.subscribe(f"{url}/crm/hubspot/events", "app-client-secret")
            lead_id = _submit("casey.cho@contoso.com", form="newsletter", title=None, company={})
            wait_until(lambda: (call_api("GET", f"/leads/{lead_id}").json().get("crm") or {}).get("writes"),
                       timeout=60, what="the lead's write")  # fmt: skip

            hubspot.close_deal("casey.cho@contoso.com", won=True, amount=30_000)  # HubSpot posts the change

            # No scheduled read ran (every 5 minutes): the webhook made the reader read at once.
            lead = call_api("GET", f"/leads/{lead_id}").json()
            assert hubspot.webhook_answers == [202]
            assert [(o["outcome"], o["amount"]) for o in lead["outcomes"]] == [("closed_won", 30_000)]
            forged = hubspot.send_webhook(
                [{"subscriptionType": "deal.creation", "objectId": 1}], secret="guessed"
            )
            replayed = hubspot.send_webhook(
                [{"subscriptionType": "deal.creation", "objectId": 1}], age_seconds=600
            )
            assert (forged, replayed) == (401, 401)
        assert not cloud.iam.denials, cloud.iam.report()
