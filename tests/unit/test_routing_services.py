"""Route and Dispatch on in-memory fakes and the shipped policy: the decision is stored beside the
lead, the route is stored before anything is sent, and a retried task sends nothing twice."""

from __future__ import annotations

import pytest

from leadqual.domain.policy import load_policy
from leadqual.domain.schemas.lead import Lead, LeadStatus, Reevaluation
from leadqual.domain.schemas.messages import CrmChange
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.shared import Company
from leadqual.domain.schemas.vocabulary import FormType, RouteAction
from leadqual.services.dispatch import AnnouncementPending, DispatchService
from leadqual.services.distribution import DistributionService
from leadqual.services.leads import LeadService
from leadqual.services.routing import RoutingService
from leadqual.workflow.definition import ANNOUNCEMENT_PENDING
from leadqual_tools.roster_simulation import MemoryRoster
from tests.fakes import (
    DownstreamUnavailable,
    InMemoryDecisions,
    InMemoryHolds,
    InMemoryLeads,
    InMemorySignals,
    RecordingCrmChanges,
    RecordingDispatcher,
    RecordingScoringQueue,
    a_lead,
)

POLICY = load_policy()


def _scored(lead_id: str, probability: float) -> Lead:
    scores = Scores(conversion_probability=probability, fit=45, engagement=45, intent=45, grade="C",
                    model_version="test")  # fmt: skip
    return a_lead(
        lead_id, status=LeadStatus.SCORED, form=FormType.CONTENT_DOWNLOAD, scores=scores,
        company=Company(name="Northwind", employees=80, country="US"),
    )  # fmt: skip


def _services(
    leads: InMemoryLeads, dispatcher: RecordingDispatcher
) -> tuple[RoutingService, DispatchService, InMemorySignals, InMemoryDecisions]:
    signals, decisions = InMemorySignals(), InMemoryDecisions()
    routing = RoutingService(leads, decisions, signals, POLICY)
    dispatch = DispatchService(
        leads, decisions, signals, POLICY,
        dispatcher, DistributionService(MemoryRoster(), POLICY), InMemoryHolds(), RecordingCrmChanges(),
    )  # fmt: skip
    return routing, dispatch, signals, decisions


def test_the_decision_is_stored_beside_the_lead_and_the_lead_says_which_rule_fired() -> None:
    leads = InMemoryLeads().add(_scored("ld_low", probability=0.02))
    routing, _, signals, decisions = _services(leads, RecordingDispatcher())

    decision = routing.route("ld_low")

    assert leads.reads["ld_low"] == 1  # read once, saved from that read

    assert (decision.rule, decision.action, decision.needs_review) == (
        "default-nurture",
        RouteAction.NURTURE,
        False,
    )
    assert decisions.decisions[("ld_low", 0)] == decision
    stored = leads.leads["ld_low"][0]
    assert (stored.tier, stored.policy_version) == (decision.tier, POLICY.version)
    assert stored.history[-1].event == "rules_evaluated" and "default-nurture" in (
        stored.history[-1].detail or ""
    )
    assert [t.lead_id for t in signals.touches] == ["ld_low"]  # later leads judge "went cold" by it


def test_a_route_is_stored_then_sent_once_and_announced_once_and_a_retry_sends_nothing() -> None:
    leads = InMemoryLeads().add(_scored("ld_hot", probability=0.9))
    dispatcher = RecordingDispatcher()
    routing, dispatch, _, _ = _services(leads, dispatcher)
    decision = routing.route("ld_hot")
    assert decision.action is RouteAction.SDR_OUTREACH and not decision.needs_review

    leads.reads.clear()
    first = dispatch.dispatch("ld_hot", 0, None)
    assert leads.reads["ld_hot"] == 1  # read once; the route and both marks saved from that read
    again = dispatch.dispatch("ld_hot", 0, None)

    assert first.first_time and not again.first_time
    # Given fairly in the lead's territory (US: na), with the table of why.
    assert first.route.owner in {"sam.sdr", "jordan.sdr", "priya.sdr"}
    assert [c.rep for c in first.route.candidates if c.chosen] == [first.route.owner]
    assert first.route.assignment is not None and first.route.assignment.startswith("fair share in pool na")
    assert dispatcher.sent == [(RouteAction.SDR_OUTREACH, "ld_hot-e0")]
    assert dispatcher.published == ["ld_hot-e0"]
    stored = leads.leads["ld_hot"][0]
    assert stored.status is LeadStatus.ROUTED and stored.route is not None
    assert (stored.route.sent_to_queue, stored.route.announced) == (True, True)


def test_when_the_announcement_fails_the_route_stands_and_the_retry_announces_without_resending() -> None:
    leads = InMemoryLeads().add(_scored("ld_hot", probability=0.9))
    dispatcher = RecordingDispatcher(failing={"publish_routed"})
    routing, dispatch, _, _ = _services(leads, dispatcher)
    routing.route("ld_hot")

    # The error the state machine retries for about ten minutes (not the one retry of other errors)
    with pytest.raises(AnnouncementPending) as raised:
        dispatch.dispatch("ld_hot", 0, None)
    assert type(raised.value).__name__ == ANNOUNCEMENT_PENDING
    assert isinstance(raised.value.__cause__, DownstreamUnavailable)
    stored = leads.leads["ld_hot"][0]
    assert stored.status is LeadStatus.ROUTED and stored.route is not None
    assert (stored.route.sent_to_queue, stored.route.announced) == (True, False)

    retried = dispatch.dispatch("ld_hot", 0, None)  # Step Functions retries the task

    assert not retried.first_time
    assert dispatcher.sent == [(RouteAction.SDR_OUTREACH, "ld_hot-e0")]
    assert dispatcher.published == ["ld_hot-e0"]


def test_a_workflow_that_fails_after_the_lead_was_queued_leaves_it_routed_not_failed() -> None:
    leads = InMemoryLeads().add(_scored("ld_hot", probability=0.9), _scored("ld_cold", probability=0.02))
    dispatcher = RecordingDispatcher(failing={"publish_routed"})
    routing, dispatch, _, _ = _services(leads, dispatcher)
    routing.route("ld_hot")
    with pytest.raises(AnnouncementPending):
        dispatch.dispatch("ld_hot", 0, None)
    lead_service = LeadService(leads, RecordingScoringQueue())
    error = {"Error": ANNOUNCEMENT_PENDING, "Cause": "EventBridge unavailable"}

    # After ten minutes of retries RecordFailure runs: the lead went downstream, so it stays routed
    assert lead_service.record_failure("ld_hot", error) is False
    hot = leads.leads["ld_hot"][0]
    assert hot.status is LeadStatus.ROUTED and hot.failure is None
    assert hot.history[-1].event == "announcement_failed"
    # A lead that never reached its queue is failed, with the reason
    assert lead_service.record_failure("ld_cold", {"Error": "States.TaskFailed", "Cause": "x"}) is True
    assert leads.leads["ld_cold"][0].status is LeadStatus.FAILED


def test_a_held_lead_rescored_and_still_held_sends_no_second_hold_but_tells_the_crm_once() -> None:
    leads = InMemoryLeads().add(_scored("ld_mid", probability=0.2))
    signals, decisions, crm = InMemorySignals(), InMemoryDecisions(), RecordingCrmChanges()
    routing = RoutingService(leads, decisions, signals, POLICY)
    dispatcher = RecordingDispatcher()
    dispatch = DispatchService(
        leads,
        decisions,
        signals,
        POLICY,
        dispatcher,
        DistributionService(MemoryRoster(), POLICY),
        InMemoryHolds(),
        crm,
    )
    assert routing.route("ld_mid").action is RouteAction.HOLD
    dispatch.dispatch("ld_mid", 0, None)
    held, version = leads.leads["ld_mid"]
    leads.leads["ld_mid"] = (
        held.model_copy(update={"evaluations": 1, "reevaluation": Reevaluation.NEW_SIGNALS}),
        version,
    )

    assert routing.route("ld_mid").action is RouteAction.HOLD  # new signals, still not enough
    dispatch.dispatch("ld_mid", 1, None)
    dispatch.dispatch("ld_mid", 1, None)  # a retried task

    assert [action for action, _ in dispatcher.sent] == [RouteAction.HOLD]  # one hold message
    assert [(r.change_id, r.change) for r in crm.sent] == [
        ("ld_mid-e0", CrmChange.ROUTED), ("ld_mid-e1", CrmChange.RESCORED),
    ]  # fmt: skip
