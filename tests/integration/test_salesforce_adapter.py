"""The Salesforce adapter (simple-salesforce's client-credentials sign-in, composite and sObject
Collections) over real HTTP against the stand-in, which answers as Salesforce documents
(tools/leadqual_tools/standins/salesforce.py cites each shape). No live Salesforce org is reached."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from leadqual.adapters.salesforce import SalesforceGateway, api_name, salesforce_domain
from leadqual.domain.crm import ChangeSource, CrmIdentity, CrmKey, CrmWrite, CrmWritten
from leadqual.domain.ports import CrmAuthFailed, CrmRecordRefused
from leadqual.domain.schemas.vocabulary import OutcomeKind
from leadqual_tools.standins.salesforce import INTEGRATION_USER, SalesforceStandIn
from tests.fakes import CountingBudget

CLIENT = ("leadqual-client", "leadqual-secret")


@pytest.fixture
def salesforce() -> Iterator[SalesforceStandIn]:
    with SalesforceStandIn(*CLIENT) as stand_in:
        yield stand_in


def _gateway(stand_in: SalesforceStandIn, budget: CountingBudget | None = None) -> SalesforceGateway:
    return SalesforceGateway(stand_in.base_url, "66.0", lambda fresh: CLIENT, budget or CountingBudget(),
                             sleep=lambda seconds: None)  # fmt: skip


def _write(n: int, owner: str | None = None, **fields: str | int) -> CrmWrite:
    return CrmWrite(
        CrmKey(f"ld_{n}", f"person{n}@northwind.io"), {"leadqual_score": 40 + n, **fields}, owner=owner,
        new_record=CrmIdentity("Dana", f"Ng{n}", "Northwind"),
    )  # fmt: skip


def test_a_batch_is_one_read_and_one_write_and_owner_history_says_who_changed_it(
    salesforce: SalesforceStandIn,
) -> None:
    gateway = _gateway(salesforce)
    written = gateway.write([_write(n, owner="005000000000101") for n in range(100)])
    salesforce.person_sets_owner("ld_3", "005000000000909")

    records = gateway.read(
        [CrmKey(f"ld_{n}", f"person{n}@northwind.io") for n in range(100)], ["leadqual_score"]
    )

    assert all(isinstance(w, CrmWritten) and w.created for w in written.values())
    assert len(salesforce.data_calls()) == 2  # 100 leads: one sObject Collections upsert, one composite read
    lead = salesforce.lead("ld_0")
    assert lead is not None and (lead["LastName"], lead["Company"], lead["leadqual_score__c"]) == (
        "Ng0",
        "Northwind",
        40,
    )
    three = records["ld_3"]
    assert three.owner == "005000000000909" and three.values["leadqual_score"] == "43"
    assert [(c.value, c.source) for c in three.owner_changes] == [
        ("005000000000101", ChangeSource.LEADQUAL), ("005000000000909", ChangeSource.PERSON),
    ]  # fmt: skip


def test_a_validation_rule_refuses_one_record_naming_its_field_and_the_rest_are_written(
    salesforce: SalesforceStandIn,
) -> None:
    salesforce.validation_rules["leadqual_tier__c"] = {"smb", "enterprise"}
    outcomes = _gateway(salesforce).write(
        [_write(1, leadqual_tier="smb"), _write(2, leadqual_tier="galactic")]
    )

    refused = outcomes["ld_2"]
    assert isinstance(outcomes["ld_1"], CrmWritten)
    assert isinstance(refused, CrmRecordRefused) and refused.reason == "validation_error:leadqual_tier"
    assert salesforce.lead("ld_2") is None


def test_an_expired_session_signs_in_again_and_a_503_is_retried(salesforce: SalesforceStandIn) -> None:
    gateway = _gateway(salesforce)
    gateway.write([_write(1)])
    salesforce.expire_sessions()
    salesforce.fail_next(2)

    assert isinstance(gateway.write([_write(2)])["ld_2"], CrmWritten)
    assert [c.status for c in salesforce.calls if c.path == "/services/oauth2/token"] == [200, 200]


def test_a_wrong_client_is_an_auth_failure(salesforce: SalesforceStandIn) -> None:
    gateway = SalesforceGateway(salesforce.base_url, "66.0", lambda fresh: ("leadqual-client", "wrong"),
                                CountingBudget())  # fmt: skip
    with pytest.raises(CrmAuthFailed):
        gateway.write([_write(1)])


def test_the_org_s_limit_header_reaches_the_budget(salesforce: SalesforceStandIn) -> None:
    budget = CountingBudget()
    _gateway(salesforce, budget).write([_write(1)])
    assert budget.observed[-1].daily_limit == 100_000 and budget.observed[-1].daily_remaining == 99_999


def test_opportunities_closed_and_leads_closed_not_converted_are_read_with_their_lead_ids(
    salesforce: SalesforceStandIn,
) -> None:
    gateway = _gateway(salesforce)
    since = datetime.now(UTC) - timedelta(seconds=5)
    gateway.write([_write(n) for n in (1, 2, 3)])
    salesforce.close_opportunity("ld_1", won=True, amount=36_000)
    salesforce.close_opportunity("ld_2", won=False)
    salesforce.set_status("ld_3", "Closed - Not Converted")

    changes = gateway.changes_since(since)

    by_lead = {o.lead_id: o for o in changes.outcomes}
    assert (by_lead["ld_1"].outcome, by_lead["ld_1"].amount) == (OutcomeKind.CLOSED_WON, 36_000)
    assert by_lead["ld_2"].outcome is OutcomeKind.CLOSED_LOST
    assert by_lead["ld_3"].outcome is OutcomeKind.DISQUALIFIED


def test_names_and_domains() -> None:
    assert api_name("leadqual_score") == "leadqual_score__c" and api_name("hs_lead_status") == "Status"
    assert salesforce_domain("https://acme.my.salesforce.com") == "acme.my"
    assert INTEGRATION_USER.startswith("005")


def test_owners_people_reassigned_are_read_from_lead_history_and_leadqual_s_own_are_not(
    salesforce: SalesforceStandIn,
) -> None:
    gateway = _gateway(salesforce)
    since = datetime.now(UTC) - timedelta(seconds=5)
    gateway.write([_write(1, owner="005000000000101"), _write(2, owner="005000000000101")])
    salesforce.person_sets_owner("ld_1", "005000000000202", user="005000000000909")

    corrections = gateway.changes_since(since).corrections

    assert [(c.lead_id, c.owner, c.by) for c in corrections] == [
        ("ld_1", "005000000000202", "005000000000909")
    ]


def test_a_read_past_a_page_follows_next_records_url(salesforce: SalesforceStandIn) -> None:
    gateway = _gateway(salesforce)
    since = datetime.now(UTC) - timedelta(seconds=5)
    gateway.write([_write(n) for n in range(5)])
    for n in range(5):
        salesforce.close_opportunity(f"ld_{n}", won=True)
    salesforce.page_size = 2

    changes = gateway.changes_since(since)

    assert sorted(o.lead_id for o in changes.outcomes) == [f"ld_{n}" for n in range(5)]


def test_the_nightly_pass_over_a_week_reads_with_bulk_api_2_query_jobs(salesforce: SalesforceStandIn) -> None:
    gateway = _gateway(salesforce)
    gateway.write([_write(n, owner="005000000000101") for n in range(3)])
    salesforce.close_opportunity("ld_0", won=True, amount=12_000)
    salesforce.set_status("ld_1", "Unqualified")
    salesforce.person_sets_owner("ld_2", "005000000000202")
    salesforce.log_task("ld_2", "Call")

    changes = gateway.changes_since(datetime.now(UTC) - timedelta(days=7))

    jobs = [c for c in salesforce.calls if c.path.endswith("/jobs/query") and c.method == "POST"]
    assert len(jobs) == 4  # closed, disqualified, reassigned, and the tasks logged
    # The one composite call names the leads the tasks were logged on
    assert len([c for c in salesforce.calls if c.path.endswith("/composite")]) == 1
    assert [(a.lead_id, a.what) for a in changes.activities] == [("ld_2", "Salesforce task: Call")]
    by_lead = {o.lead_id: o for o in changes.outcomes}
    assert (by_lead["ld_0"].outcome, by_lead["ld_0"].amount) == (OutcomeKind.CLOSED_WON, 12_000)
    assert by_lead["ld_1"].outcome is OutcomeKind.DISQUALIFIED
    assert [(c.lead_id, c.owner) for c in changes.corrections] == [("ld_2", "005000000000202")]
