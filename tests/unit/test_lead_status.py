"""Lead status moves only along the domain's table, and nothing outside it is ever saved."""

from __future__ import annotations

import pytest

from leadqual.domain.lead_status import TRANSITIONS, TransitionRefused, may_move, move
from leadqual.domain.schemas.lead import Lead, LeadStatus
from leadqual.services.leads import update_lead
from tests.fakes import InMemoryLeads, a_lead

ALL = list(LeadStatus)


def test_the_table_names_every_status_and_failed_ends_a_lead() -> None:
    assert set(TRANSITIONS) == set(LeadStatus)
    assert TRANSITIONS[LeadStatus.FAILED] == frozenset()
    # Nothing goes back to received, and a lead is scored before anything else happens to it
    assert not any(LeadStatus.RECEIVED in allowed for allowed in TRANSITIONS.values())
    assert TRANSITIONS[LeadStatus.RECEIVED] == {LeadStatus.SCORED, LeadStatus.FAILED}


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("to", ALL)
def test_no_transition_outside_the_table_can_be_saved(current: LeadStatus, to: LeadStatus) -> None:
    leads = InMemoryLeads().add(a_lead("ld_t", status=current))

    def set_status(lead: Lead) -> None:
        lead.status = to  # directly, not through `move`: the save path checks it all the same

    if to is current or to in TRANSITIONS[current]:
        assert update_lead(leads, "ld_t", set_status).status is to
        assert leads.leads["ld_t"][0].status is to
    else:
        with pytest.raises(TransitionRefused, match=f"from {current.value} to {to.value}"):
            update_lead(leads, "ld_t", set_status)
        assert leads.leads["ld_t"][0].status is current and leads.saves["ld_t"] == 0


def test_move_refuses_what_the_table_does_not_allow() -> None:
    routed = a_lead("ld_r", status=LeadStatus.ROUTED)
    with pytest.raises(TransitionRefused):
        move(routed, LeadStatus.SCORED)
    assert routed.status is LeadStatus.ROUTED
    assert may_move(LeadStatus.HOLD, LeadStatus.ROUTED) and not may_move(LeadStatus.FAILED, LeadStatus.ROUTED)
