"""The CRM writer's service with whole fakes: one write per change, people's owners kept, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime

from leadqual.domain.crm import ChangeSource
from leadqual.domain.ports import CrmRecordRefused
from leadqual.domain.schemas.crm import CrmPolicy, CrmUser
from leadqual.domain.schemas.crm_writes import OwnerVerdict
from leadqual.domain.schemas.lead import Lead, LeadStatus, Route
from leadqual.domain.schemas.messages import CrmChange, CrmSyncRequest
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.vocabulary import RouteAction
from leadqual.services.crm_sync import NO_CRM, CrmSyncService
from tests.fakes import InMemoryCrm, InMemoryCrmLedger, InMemoryLeads, a_lead

POLICY = CrmPolicy(users={"sam.sdr": CrmUser(hubspot="101"), "jordan.sdr": CrmUser(hubspot="102")})


def _routed(lead_id: str, owner: str = "sam.sdr", probability: float = 0.4) -> Lead:
    scores = Scores(
        conversion_probability=probability, fit=70, engagement=55, intent=61, grade="A", model_version="m1"
    )
    route = Route(action=RouteAction.SDR_OUTREACH, owner=owner, rule="high-band-sdr", decided_by="rules",
                  routed_at=datetime.now(UTC), dispatch_id=f"{lead_id}-e0")  # fmt: skip
    return a_lead(lead_id, status=LeadStatus.ROUTED, scores=scores, tier="smb", route=route, reasons=["why"])


def _change(lead_id: str, change_id: str | None = None) -> CrmSyncRequest:
    return CrmSyncRequest(change_id=change_id or f"{lead_id}-e0", lead_id=lead_id, change=CrmChange.ROUTED)


def test_a_routed_lead_is_written_with_its_owner_and_the_lead_shows_the_write() -> None:
    leads, crm = InMemoryLeads().add(_routed("ld_1")), InMemoryCrm()
    service = CrmSyncService(leads, crm, POLICY, InMemoryCrmLedger(), "https://c.example/console/")

    assert service.sync([_change("ld_1")]) == [None]

    record = crm.records["ld_1@northwind.io"]
    assert record.owner == "101" and record.values["leadqual_score"] == "40"
    lead = leads.leads["ld_1"][0]
    assert lead.crm is not None and lead.crm.record_id == record.record_id
    entry = lead.crm.writes[-1]
    assert entry.created and entry.owner is OwnerVerdict.WRITTEN and "leadqual_score" in entry.changed
    assert lead.history[-1].event == "crm_written"


def test_a_change_redelivered_three_times_is_written_once_and_asks_the_crm_nothing_more() -> None:
    leads, crm = InMemoryLeads().add(_routed("ld_1")), InMemoryCrm()
    service = CrmSyncService(leads, crm, POLICY, InMemoryCrmLedger())

    for _ in range(4):
        assert service.sync([_change("ld_1")]) == [None]

    assert (crm.reads, len(crm.writes)) == (1, 1)


def test_two_changes_of_one_lead_in_a_batch_make_one_write() -> None:
    leads, crm = InMemoryLeads().add(_routed("ld_1")), InMemoryCrm()
    service = CrmSyncService(leads, crm, POLICY, InMemoryCrmLedger())

    assert service.sync([_change("ld_1"), _change("ld_1", "ld_1-o-closed_won-1")]) == [None, None]
    assert len(crm.writes) == 1


def test_an_owner_a_person_set_is_kept_and_the_scores_still_go() -> None:
    leads, crm = InMemoryLeads().add(_routed("ld_1")), InMemoryCrm()
    service = CrmSyncService(leads, crm, POLICY, InMemoryCrmLedger())
    service.sync([_change("ld_1")])
    crm.person_sets_owner("ld_1@northwind.io", "909")
    rerouted = _routed("ld_1", owner="jordan.sdr", probability=0.6)
    leads.leads["ld_1"] = (
        rerouted.model_copy(update={"crm": leads.leads["ld_1"][0].crm}),
        leads.leads["ld_1"][1],
    )

    service.sync([_change("ld_1", "ld_1-e1")])

    record = crm.records["ld_1@northwind.io"]
    assert record.owner == "909" and record.values["leadqual_score"] == "60"
    assert (
        record.values["leadqual_owner"] == "jordan.sdr"
    )  # what leadqual would have chosen, in its own field
    lead = leads.leads["ld_1"][0]
    assert lead.crm is not None and lead.crm.writes[-1].owner is OwnerVerdict.KEPT
    assert lead.history[-1].event == "crm_owner_conflict" and "owner 909 kept" in (
        lead.history[-1].detail or ""
    )


def test_a_person_who_changes_the_owner_while_leadqual_writes_keeps_it() -> None:
    leads, crm = InMemoryLeads().add(_routed("ld_1")), InMemoryCrm()
    service = CrmSyncService(leads, crm, POLICY, InMemoryCrmLedger())
    service.sync([_change("ld_1")])
    crm.records["ld_1@northwind.io"].owner_changes.clear()  # as if the first owner came with the record
    rerouted = _routed("ld_1", owner="jordan.sdr")
    leads.leads["ld_1"] = (
        rerouted.model_copy(update={"crm": leads.leads["ld_1"][0].crm}),
        leads.leads["ld_1"][1],
    )
    crm.between_read_and_write.append(lambda: crm.person_sets_owner("ld_1@northwind.io", "909"))

    service.sync([_change("ld_1", "ld_1-e1")])

    record = crm.records["ld_1@northwind.io"]
    assert record.owner == "909"  # leadqual's write overwrote it for a moment, and wrote it back
    assert [c.source for c in record.owner_changes][-1] is ChangeSource.LEADQUAL
    lead = leads.leads["ld_1"][0]
    assert lead.crm is not None and lead.crm.writes[-1].owner is OwnerVerdict.KEPT
    assert "wrote it back" in (lead.crm.writes[-1].conflict or "")


def test_a_refused_record_fails_alone_and_the_rest_of_the_batch_is_written() -> None:
    leads, crm = InMemoryLeads().add(_routed("ld_1")).add(_routed("ld_2")), InMemoryCrm()
    crm.refuse["ld_2@northwind.io"] = CrmRecordRefused("validation_error:leadqual_tier", "not an option")
    service = CrmSyncService(leads, crm, POLICY, InMemoryCrmLedger())

    outcomes = service.sync([_change("ld_1"), _change("ld_2")])

    assert outcomes[0] is None
    assert (
        isinstance(outcomes[1], CrmRecordRefused) and outcomes[1].reason == "validation_error:leadqual_tier"
    )
    service.dead_lettered(_change("ld_2"), outcomes[1].reason, str(outcomes[1]))
    refused = leads.leads["ld_2"][0]
    assert refused.crm is not None and refused.crm.dead_letter == "validation_error:leadqual_tier"


def test_without_a_crm_nothing_is_written_and_the_timeline_says_so_once() -> None:
    leads = InMemoryLeads().add(_routed("ld_1"))
    service = CrmSyncService(leads, None, POLICY, InMemoryCrmLedger())

    assert service.sync([_change("ld_1")]) == [None]
    service.sync([_change("ld_1", "ld_1-e1")])

    said = [entry for entry in leads.leads["ld_1"][0].history if entry.event == "crm_not_connected"]
    assert [entry.detail for entry in said] == [NO_CRM]


def test_an_unknown_lead_is_not_found() -> None:
    outcome = CrmSyncService(InMemoryLeads(), InMemoryCrm(), POLICY, InMemoryCrmLedger()).sync(
        [_change("ld_none")]
    )[0]
    assert isinstance(outcome, CrmRecordRefused) and outcome.reason == "not_found"


def test_a_persons_owner_leadqual_could_not_write_back_at_once_is_written_back_with_the_next_write() -> None:
    leads, crm = InMemoryLeads().add(_routed("ld_1")), InMemoryCrm()
    service = CrmSyncService(leads, crm, POLICY, InMemoryCrmLedger())
    service.sync([_change("ld_1")])
    crm.records["ld_1@northwind.io"].owner_changes.clear()
    rerouted = _routed("ld_1", owner="jordan.sdr")
    leads.leads["ld_1"] = (
        rerouted.model_copy(update={"crm": leads.leads["ld_1"][0].crm}),
        leads.leads["ld_1"][1],
    )
    crm.between_read_and_write.append(lambda: crm.person_sets_owner("ld_1@northwind.io", "909"))
    crm.refuse_writes_from = 2  # the write goes; writing the person's owner back is refused, for now

    service.sync([_change("ld_1", "ld_1-e1")])

    lead = leads.leads["ld_1"][0]
    assert lead.crm is not None and lead.crm.restore_owner == "909"
    assert "could not write it back yet" in (lead.crm.writes[-1].conflict or "")
    crm.refuse_writes_from = None
    assert service.sync([_change("ld_1", "ld_1-e1")]) == [None]  # redelivered: not "written already"
    assert crm.records["ld_1@northwind.io"].owner == "909"
    assert leads.leads["ld_1"][0].crm.restore_owner is None  # type: ignore[union-attr]


def test_the_crm_unavailable_for_a_whole_call_fails_each_change_that_needed_a_write() -> None:
    from leadqual.domain.ports import CrmUnavailable

    leads = InMemoryLeads().add(_routed("ld_1")).add(_routed("ld_2"))
    crm = InMemoryCrm()
    service = CrmSyncService(leads, crm, POLICY, InMemoryCrmLedger())
    service.sync([_change("ld_1")])  # written already: the CRM is not needed for it again

    crm.down = True
    outcomes = service.sync([_change("ld_1"), _change("ld_2")])

    assert outcomes[0] is None and isinstance(outcomes[1], CrmUnavailable)
