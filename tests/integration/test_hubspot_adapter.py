"""The HubSpot adapter over real HTTP against the stand-in, which answers as HubSpot documents
(tools/leadqual_tools/standins/hubspot.py cites each shape): batch read with owner history, batch
upsert, 429 with Retry-After, 401 then a new token, 400 VALIDATION_ERROR, 5xx. No live HubSpot."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from leadqual.adapters.hubspot import HubSpotGateway
from leadqual.domain.crm import ChangeSource, CrmKey, CrmWrite, CrmWritten
from leadqual.domain.ports import BudgetSpent, CrmAuthFailed, CrmRecordRefused, CrmUnavailable
from leadqual_tools.standins.hubspot import HubSpotStandIn
from tests.fakes import CountingBudget

TOKEN = "local-hubspot-token"


@pytest.fixture
def hubspot() -> Iterator[HubSpotStandIn]:
    with HubSpotStandIn(tokens={TOKEN}) as stand_in:
        stand_in.define("leadqual_score", "leadqual_tier", "leadqual_owner")
        yield stand_in


def _gateway(
    stand_in: HubSpotStandIn, budget: CountingBudget | None = None, token: str = TOKEN
) -> HubSpotGateway:
    return HubSpotGateway(stand_in.base_url, "2026-03", lambda fresh: token, budget or CountingBudget())


def _write(n: int, **properties: str | int) -> CrmWrite:
    return CrmWrite(CrmKey(f"ld_{n}", f"Person{n}@Northwind.io"), {"leadqual_score": 40 + n, **properties})


def test_upsert_creates_then_updates_and_the_read_gives_the_owner_and_who_set_it(
    hubspot: HubSpotStandIn,
) -> None:
    gateway = _gateway(hubspot)

    first = gateway.write(
        [_write(1), CrmWrite(CrmKey("ld_2", "person2@northwind.io"), {"leadqual_score": 7}, owner="101")]
    )
    again = gateway.write([_write(1, leadqual_tier="smb")])
    hubspot.person_sets_owner("person2@northwind.io", "909", user_id="77")
    records = gateway.read([CrmKey("ld_1", "person1@northwind.io"), CrmKey("ld_2", "person2@northwind.io"),
                            CrmKey("ld_3", "nobody@northwind.io")], properties=["leadqual_score"])  # fmt: skip

    assert isinstance(first["ld_1"], CrmWritten) and first["ld_1"].created
    assert isinstance(again["ld_1"], CrmWritten) and not again["ld_1"].created
    assert again["ld_1"].record_id == first["ld_1"].record_id
    assert set(records) == {"ld_1", "ld_2"}  # 207: the one not found is simply absent
    assert records["ld_1"].values["leadqual_score"] == "41"
    two = records["ld_2"]
    assert two.owner == "909"
    assert [(c.value, c.source, c.by) for c in two.owner_changes] == [
        ("909", ChangeSource.PERSON, "77"), ("101", ChangeSource.INTEGRATION, "4242"),
    ]  # fmt: skip
    assert gateway.requests_made == 3


def test_every_answer_s_limit_headers_reach_the_budget(hubspot: HubSpotStandIn) -> None:
    budget = CountingBudget()
    _gateway(hubspot, budget).write([_write(1)])
    assert budget.observed[-1].daily_limit == 250_000 and budget.observed[-1].burst_limit == 100


def test_a_429_is_waited_out_as_retry_after_says_and_nothing_is_lost() -> None:
    with HubSpotStandIn(tokens={TOKEN}, burst_limit=2, burst_window_seconds=1.0) as hubspot:
        hubspot.define("leadqual_score")
        slept: list[float] = []

        def sleep(seconds: float) -> None:  # as the adapter would, noting how long
            slept.append(seconds)
            time.sleep(seconds)

        gateway = HubSpotGateway(
            hubspot.base_url, "2026-03", lambda fresh: TOKEN, CountingBudget(), sleep=sleep
        )

        for n in range(5):
            assert isinstance(gateway.write([_write(n)])[f"ld_{n}"], CrmWritten)

        assert hubspot.requests("/batch/upsert", status=429), "the stand-in said 429"
        assert slept and all(wait >= 1.0 for wait in slept)  # Retry-After: 1
        assert len(hubspot.contacts) == 5


class RotatedSecret:
    """A secret read once and kept, as the credentials adapter does; read again when asked fresh."""

    def __init__(self, value: str):
        self.value, self.kept, self.reads = value, "", 0

    def __call__(self, fresh: bool) -> str:
        if fresh or not self.kept:
            self.kept, self.reads = self.value, self.reads + 1
        return self.kept


def test_a_401_reads_the_token_again_once_and_goes_on(hubspot: HubSpotStandIn) -> None:
    secret = RotatedSecret("old-token")
    hubspot.tokens.add("old-token")
    gateway = HubSpotGateway(hubspot.base_url, "2026-03", secret, CountingBudget())
    gateway.write([_write(1)])
    hubspot.expire("old-token", replacement="rotated-token")
    secret.value = "rotated-token"  # rotated in Secrets Manager; the writer still holds the old one

    assert isinstance(gateway.write([_write(2)])["ld_2"], CrmWritten)
    assert [c.status for c in hubspot.requests("/batch/upsert")] == [200, 401, 200]
    assert secret.reads == 2


def test_a_token_that_stays_refused_is_an_auth_failure(hubspot: HubSpotStandIn) -> None:
    with pytest.raises(CrmAuthFailed) as refused:
        _gateway(hubspot, token="wrong").write([_write(1)])
    assert refused.value.reason == "auth" and "wrong" not in str(refused.value)


def test_a_validation_error_names_the_field_and_only_that_record_is_refused(hubspot: HubSpotStandIn) -> None:
    hubspot.validation_rules["leadqual_tier"] = {"smb", "mid_market", "enterprise"}
    writes = [
        _write(1, leadqual_tier="smb"),
        _write(2, leadqual_tier="galactic"),
        _write(3, leadqual_tier="smb"),
    ]

    outcomes = _gateway(hubspot).write(writes)

    refused = outcomes["ld_2"]
    assert isinstance(refused, CrmRecordRefused) and refused.reason == "validation_error:leadqual_tier"
    assert not refused.retryable
    assert isinstance(outcomes["ld_1"], CrmWritten) and isinstance(outcomes["ld_3"], CrmWritten)
    # Never the same refused request twice: each retry sends fewer inputs, down to the one refused.
    sizes = [c.inputs for c in hubspot.requests("/batch/upsert", status=400)]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == len(sizes) and sizes[-1] == 1


def test_server_errors_are_retried_and_a_long_outage_leaves_the_write_in_its_queue(
    hubspot: HubSpotStandIn,
) -> None:
    gateway = HubSpotGateway(
        hubspot.base_url, "2026-03", lambda fresh: TOKEN, CountingBudget(), sleep=lambda s: None
    )
    hubspot.fail_next(2, status=502)
    assert isinstance(gateway.write([_write(1)])["ld_1"], CrmWritten)

    hubspot.fail_next(10, status=503)
    with pytest.raises(CrmUnavailable):
        gateway.write([_write(2)])
    assert hubspot.contact("person2@northwind.io") is None


def test_a_spent_budget_stops_before_any_request(hubspot: HubSpotStandIn) -> None:
    with pytest.raises(BudgetSpent):
        _gateway(hubspot, CountingBudget(share=0)).write([_write(1)])
    assert hubspot.calls == []


def test_deals_closed_and_leads_disqualified_are_read_with_their_lead_ids(hubspot: HubSpotStandIn) -> None:
    from datetime import UTC, datetime, timedelta

    from leadqual.domain.schemas.vocabulary import OutcomeKind

    hubspot.define("leadqual_lead_id")
    gateway = _gateway(hubspot)
    since = datetime.now(UTC) - timedelta(seconds=5)
    gateway.write([_write(n, leadqual_lead_id=f"ld_{n}") for n in (1, 2, 3)])
    hubspot.add_contact("stranger@northwind.io")  # never written by leadqual: its deal is not leadqual's
    hubspot.close_deal("person1@northwind.io", won=True, amount=36_000)
    hubspot.close_deal("person2@northwind.io", won=False)
    hubspot.close_deal("stranger@northwind.io", won=True)
    hubspot.person_sets("person3@northwind.io", "hs_lead_status", "UNQUALIFIED")

    changes = gateway.changes_since(since)

    by_lead = {o.lead_id: o for o in changes.outcomes}
    assert set(by_lead) == {"ld_1", "ld_2", "ld_3"}
    assert (by_lead["ld_1"].outcome, by_lead["ld_1"].amount) == (OutcomeKind.CLOSED_WON, 36_000)
    assert by_lead["ld_2"].outcome is OutcomeKind.CLOSED_LOST
    assert (by_lead["ld_3"].outcome, by_lead["ld_3"].source_value) == (
        OutcomeKind.DISQUALIFIED,
        "UNQUALIFIED",
    )
    assert changes.until > since
    # a few searches, never one request per lead
    assert len(hubspot.requests("/search")) == 2 and len(hubspot.requests("/deals/contacts/batch/read")) == 1


def test_companies_changed_and_every_owner_s_active_flag_are_read(hubspot: HubSpotStandIn) -> None:
    from datetime import UTC, datetime, timedelta

    since = datetime.now(UTC) - timedelta(seconds=5)
    hubspot.company("northwind.io", owner_id="201", target=True)
    hubspot.company("contoso.com", owner_id="102")
    hubspot.owners["103"] = False  # a rep who left: HubSpot archives their owner

    directory = _gateway(hubspot).directory(since)

    by_domain = {a.domain: a for a in directory.accounts}
    assert (by_domain["northwind.io"].owner, by_domain["northwind.io"].target) == ("201", True)
    assert (by_domain["contoso.com"].owner, by_domain["contoso.com"].target) == ("102", None)
    assert directory.active_users["103"] is False and directory.active_users["101"] is True


def test_owners_people_reassigned_are_read_as_corrections(hubspot: HubSpotStandIn) -> None:
    from datetime import UTC, datetime, timedelta

    hubspot.define("leadqual_lead_id")
    gateway = _gateway(hubspot)
    gateway.write(
        [CrmWrite(CrmKey("ld_1", "person1@northwind.io"), {"leadqual_lead_id": "ld_1"}, owner="101")]
    )
    since = datetime.now(UTC) - timedelta(seconds=1)
    hubspot.person_sets_owner("person1@northwind.io", "202", user_id="77")

    (correction,) = gateway.changes_since(since).corrections

    assert (correction.lead_id, correction.owner, correction.by) == ("ld_1", "202", "77")
