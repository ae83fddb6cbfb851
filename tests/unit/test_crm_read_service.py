"""Sales' outcomes read back from the CRM become leadqual outcomes: once each, never leadqual's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leadqual.domain.crm import CrmAccount, CrmOutcome, digest
from leadqual.domain.policy import load_policy
from leadqual.domain.schemas.account import Account
from leadqual.domain.schemas.crm import CrmPolicy, CrmUser
from leadqual.domain.schemas.crm_writes import CrmSyncState
from leadqual.domain.schemas.lead import LeadStatus, Route
from leadqual.domain.schemas.roster import Exclusion
from leadqual.domain.schemas.vocabulary import OutcomeKind, RouteAction
from leadqual.services.crm_read import CrmReadService
from leadqual.services.distribution import DistributionService
from leadqual.services.outcomes import OutcomeService
from leadqual_tools.roster_simulation import MemoryRoster
from tests.fakes import (
    InMemoryCrm,
    InMemoryLeads,
    InMemorySignals,
    InMemoryWatermarks,
    RecordingCrmChanges,
    a_lead,
)

NOW = datetime.now(UTC)


ROUTING_POLICY = load_policy()
POLICY = CrmPolicy(users={"sam.sdr": CrmUser(hubspot="101"), "ana.ae": CrmUser(hubspot="201")})


def _service(
    leads: InMemoryLeads,
    crm: InMemoryCrm,
    signals: InMemorySignals | None = None,
    roster: MemoryRoster | None = None,
) -> tuple[CrmReadService, InMemoryWatermarks]:
    signals = signals or InMemorySignals()
    distribution = DistributionService(roster or MemoryRoster(), ROUTING_POLICY)
    outcomes = OutcomeService(leads, signals, distribution, RecordingCrmChanges())
    watermarks = InMemoryWatermarks()
    return CrmReadService(leads, crm, outcomes, watermarks, signals, distribution, POLICY), watermarks


def _routed(lead_id: str) -> InMemoryLeads:
    route = Route(action=RouteAction.SDR_OUTREACH, owner="sam.sdr", rule="high-band-sdr", decided_by="rules",
                  routed_at=NOW - timedelta(days=3))  # fmt: skip
    return InMemoryLeads().add(a_lead(lead_id, status=LeadStatus.ROUTED, route=route))


def test_a_closed_won_deal_becomes_an_outcome_on_its_lead_once_however_often_it_is_read() -> None:
    leads, crm = _routed("ld_1"), InMemoryCrm()
    won = CrmOutcome(
        "ld_1", OutcomeKind.CLOSED_WON, NOW - timedelta(minutes=2), amount=24_000, note="HubSpot deal 7"
    )
    crm.outcomes.append(won)
    service, watermarks = _service(leads, crm)

    first = service.poll(NOW)
    again = service.poll(NOW + timedelta(minutes=5))
    nightly = service.poll(NOW + timedelta(hours=8), reconcile=True)

    (recorded,) = leads.leads["ld_1"][0].outcomes
    assert (recorded.outcome, recorded.amount, recorded.occurred_at) == (
        OutcomeKind.CLOSED_WON,
        24_000,
        won.occurred_at,
    )
    assert (first.recorded, again.already_known, nightly.already_known) == (1, 1, 1)
    # The watermark is the newest change read (the next poll reads from OVERLAP before it); the
    # nightly pass reads the last week again and leaves it where it is.
    assert watermarks.until["hubspot"] == won.occurred_at


def test_a_value_leadqual_wrote_itself_is_no_news_from_sales() -> None:
    leads, crm = _routed("ld_1"), InMemoryCrm()
    lead = leads.leads["ld_1"][0]
    lead.crm = CrmSyncState(
        system="hubspot", record_id="c1", written={"hs_lead_status": digest("UNQUALIFIED")}
    )
    crm.outcomes.append(CrmOutcome("ld_1", OutcomeKind.DISQUALIFIED, NOW, source_field="hs_lead_status",
                                   source_value="UNQUALIFIED"))  # fmt: skip

    read = _service(leads, crm)[0].poll(NOW)

    assert (read.own_writes, read.recorded) == (1, 0) and leads.leads["ld_1"][0].outcomes == []


def test_an_outcome_for_a_lead_leadqual_does_not_know_is_counted_not_recorded() -> None:
    crm = InMemoryCrm(outcomes=[CrmOutcome("ld_gone", OutcomeKind.CLOSED_LOST, NOW)])
    read = _service(InMemoryLeads(), crm)[0].poll(NOW)
    assert read.unknown_leads == ["ld_gone"] and read.recorded == 0


def test_a_close_date_planned_ahead_is_kept_as_now() -> None:
    leads, crm = _routed("ld_1"), InMemoryCrm()
    crm.outcomes.append(CrmOutcome("ld_1", OutcomeKind.CLOSED_WON, NOW + timedelta(days=30)))
    _service(leads, crm)[0].poll(NOW)
    assert leads.leads["ld_1"][0].outcomes[0].occurred_at == NOW


def test_without_a_crm_there_is_nothing_to_read() -> None:
    leads, signals = _routed("ld_1"), InMemorySignals()
    distribution = DistributionService(MemoryRoster(), ROUTING_POLICY)
    outcomes = OutcomeService(leads, signals, distribution, RecordingCrmChanges())
    service = CrmReadService(leads, None, outcomes, InMemoryWatermarks(), signals, distribution, POLICY)
    assert service.poll(NOW).read == 0


def test_account_owners_and_target_accounts_come_from_the_crm_and_reps_who_left_take_no_new_lead() -> None:
    signals, roster = InMemorySignals(), MemoryRoster()
    signals.put_account(Account(domain="northwind.io", updated_at=NOW, employees=1200, owner="omar.ae"))
    crm = InMemoryCrm(
        accounts=[CrmAccount("northwind.io", owner="201", target=True), CrmAccount("contoso.com", owner="999", target=None)],
        users={"101": False, "201": True},
    )  # fmt: skip

    read = _service(InMemoryLeads(), crm, signals, roster)[0].poll(NOW)

    northwind = signals.get_account("northwind.io")
    assert northwind is not None and (northwind.named_account, northwind.owner, northwind.employees) == (
        True,
        "ana.ae",
        1200,
    )
    assert signals.get_account("contoso.com") is None  # an owner leadqual does not know, nothing else said
    assert read.accounts_updated == 1 and read.reps_inactive == ["sam.sdr"]
    assert not roster.stored["sam.sdr"].active and roster.stored["jordan.sdr"].active
    given = DistributionService(roster, ROUTING_POLICY).assign("ld_9", "na", 0.5)
    assert given.rep != "sam.sdr" and ("sam.sdr", Exclusion.INACTIVE) in [
        (c.rep, c.excluded) for c in given.candidates
    ]


def test_an_owner_sales_changed_after_leadqual_routed_is_a_misroute_once_and_frees_the_sdr() -> None:
    from leadqual.domain.crm import CrmCorrection
    from leadqual.domain.report_rows import report_row

    leads, roster = _routed("ld_1"), MemoryRoster()
    distribution = DistributionService(roster, ROUTING_POLICY, clock=lambda: NOW - timedelta(days=3))
    assert distribution.assign("ld_1", "na", 0.4).rep is not None
    chosen = roster.claims[("ld_1", 0)].rep
    crm = InMemoryCrm(corrections=[
        CrmCorrection("ld_1", NOW - timedelta(minutes=1), owner="201", by="77"),  # to ana.ae
        CrmCorrection("ld_1", NOW - timedelta(days=5), owner="999", by="77"),  # before leadqual routed it
    ])  # fmt: skip
    service = _service(leads, crm, roster=roster)[0]

    first, again = service.poll(NOW), service.poll(NOW + timedelta(minutes=5))

    lead = leads.leads["ld_1"][0]
    assert lead.crm is not None and [(c.owner, c.by) for c in lead.crm.corrections] == [("ana.ae", "77")]
    assert (first.corrections, again.corrections) == (1, 0)
    assert lead.history[-1].event == "crm_owner_corrected" and "ana.ae" in (lead.history[-1].detail or "")
    assert report_row(lead).misrouted  # the reports count it, as a misroute sales reported
    assert roster.claims[("ld_1", 0)].released and roster.open[chosen] == 0  # the rep's slot is free again
    # The fairness ledger follows the person's choice: off the rep leadqual chose (ana.ae is no
    # member of the pool: nobody of it gains the lead).
    line = roster.lines[("na", roster.claims[("ld_1", 0)].cycle)][chosen]
    assert line.leads == 0 and roster.claims[("ld_1", 0)].credits == ("crm_reassigned",)
