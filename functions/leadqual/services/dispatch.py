"""The Dispatch task: store the route once, then send it to its action queue and announce it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from leadqual.domain.lead_status import move
from leadqual.domain.policy import ROUND_ROBIN, Policy
from leadqual.domain.ports import (
    AlertQueue,
    CrmChangeQueue,
    DecisionStore,
    Dispatcher,
    HoldIndex,
    LeadStore,
    SignalStore,
)
from leadqual.domain.schemas.alerts import ALERTED_ROUTES, alert_id_for
from leadqual.domain.schemas.decision import RoutingDecision
from leadqual.domain.schemas.lead import Lead, LeadStatus, Route, Sla
from leadqual.domain.schemas.messages import (
    AlertWork,
    AlertWorkKind,
    CrmChange,
    CrmSyncRequest,
    LeadRouted,
    ReviewOutcome,
)
from leadqual.domain.schemas.shared import utc_now
from leadqual.domain.schemas.vocabulary import RouteAction
from leadqual.services.context import person_keys, record_touch
from leadqual.services.distribution import Assigned, DistributionService
from leadqual.services.leads import add_history, read_decision, read_lead, update_lead, update_lead_versioned


class AnnouncementPending(RuntimeError):
    """The lead is routed and handed to its action queue; only `lead.routed` could not be published.

    The class name is the error the state machine retries for about ten minutes
    (`workflow.definition.ANNOUNCEMENT_PENDING`): a retried task sends nothing twice, and publishes.
    """


@dataclass(frozen=True)
class Dispatched:
    route: Route
    sla: Sla | None
    first_time: bool  # False when a retried task found the lead already routed


@dataclass
class DispatchService:
    leads: LeadStore
    decisions: DecisionStore
    signals: SignalStore
    policy: Policy
    dispatcher: Dispatcher
    distribution: DistributionService
    holds: HoldIndex
    crm_changes: CrmChangeQueue
    alerts: AlertQueue | None = None  # None: nobody is told in Slack

    def dispatch(self, lead_id: str, evaluation: int, review: ReviewOutcome | None) -> Dispatched:
        """Stores the route, then sends it: once, whatever is retried.

        The route is stored (conditionally) before anything is sent, with a dispatch id (lead and
        evaluation). Each send is then marked on the route; a retried task sends only what is not
        marked, and every message carries the dispatch id, so consumers can drop a resend of one
        that was sent but not yet marked.
        """
        decision = read_decision(self.decisions, lead_id, evaluation)
        dispatch_id = f"{lead_id}-e{evaluation}"
        lead, version = read_lead(self.leads, lead_id)
        if lead.route is not None and lead.route.dispatch_id == dispatch_id:
            # A retry: finish what was not sent, never send twice.
            self._send(lead.model_copy(deep=True), version, decision)
            return Dispatched(lead.route, lead.sla, first_time=False)
        action = review.action if review else decision.action
        held = lead.route is not None and lead.route.action is RouteAction.HOLD
        if lead.route is not None and not held:
            return Dispatched(lead.route, lead.sla, first_time=False)  # routed already: never route twice
        if held and action is RouteAction.HOLD:
            assert lead.route is not None
            # Re-scored, still held: no second hold message, but the CRM learns the new scores
            # (sent first: a retried task sends it again with the same id, which the queue drops).
            self.crm_changes.send(
                CrmSyncRequest(change_id=dispatch_id, lead_id=lead_id, change=CrmChange.RESCORED)
            )
            self._stay_held(lead.lead_id)
            return Dispatched(lead.route, lead.sla, first_time=False)
        owner = decision.owner if action is decision.action else self.policy.owners[action]
        assigned = None
        if owner == ROUND_ROBIN:
            assigned = self._distribute(lead, decision)
            owner = assigned.owner
        route = Route(
            action=action,
            owner=owner,
            rule=decision.rule,
            decided_by=_decided_by(review, lead),
            routed_at=utc_now(),
            assignment=assigned.reason if assigned else None,
            candidates=assigned.candidates if assigned else [],
            dispatch_id=dispatch_id,
        )
        sla = Sla(
            seconds_to_route=(route.routed_at - lead.received_at).total_seconds(),
            seconds_in_review=_seconds_in_review(review, route.routed_at),
        )

        def store_route(current: Lead) -> bool:
            if current.route is not None and current.route.action is not RouteAction.HOLD:
                return False
            current.route = route
            current.sla = sla
            current.reevaluation = None
            move(current, LeadStatus.HOLD if action is RouteAction.HOLD else LeadStatus.ROUTED)
            current.held_since = route.routed_at if action is RouteAction.HOLD else None
            add_history(
                current, "routed", f"{action.value} to {owner} (rule {route.rule}, by {route.decided_by})"
            )
            return True

        # A copy is saved: `lead` stays as read (where it was held, and since when).
        stored, version = update_lead_versioned(
            self.leads, decision.lead_id, store_route, read=(lead.model_copy(deep=True), version)
        )
        if stored.route is None or stored.route.dispatch_id != dispatch_id:
            return Dispatched(stored.route or route, stored.sla, first_time=False)  # another won the race
        # The lead's touch now says where it went: a later lead judges "long in nurture" by it.
        record_touch(stored, self.signals, route=action)
        if held:
            self.holds.remove(
                lead.lead_id, person_keys(lead), lead.account, lead.held_since or lead.received_at
            )
        if action is RouteAction.HOLD:
            self.holds.add(
                lead.lead_id, person_keys(lead), lead.account, stored.held_since or route.routed_at
            )
        self._send(stored, version, decision)
        return Dispatched(route, sla, first_time=True)

    def _send(self, lead: Lead, version: int | None, decision: RoutingDecision) -> None:
        """Sends what is not marked sent, marking each send; `version` is the lead's as saved (each
        mark then saves without reading the lead again), or None to read it."""
        message = LeadRouted.of(lead, decision)
        route, dispatch_id = lead.route, message.dedupe_id
        assert route is not None
        saved = (lead, version) if version is not None else None
        if not route.sent_to_queue:
            self.dispatcher.send(route.action, message)
            saved = self._mark_sent(lead.lead_id, dispatch_id, "sent_to_queue", saved)
        # Telling the CRM writer, the owner and the bus is retried apart from the route
        # (AnnouncementPending): the lead is routed and handed down already, whatever happens to these.
        crm = CrmSyncRequest(change_id=dispatch_id, lead_id=lead.lead_id, change=CrmChange.ROUTED)
        saved = self._once(lead, route, dispatch_id, saved, "sent_to_crm", "its CRM write is not queued",
                           lambda: self.crm_changes.send(crm))  # fmt: skip
        if self.alerts is not None and route.action in ALERTED_ROUTES:
            alerts = self.alerts
            work = AlertWork(work_id=f"{dispatch_id}-alert", kind=AlertWorkKind.ANNOUNCE_ASSIGNMENT,
                             alert_id=alert_id_for(lead.lead_id, 0), lead_id=lead.lead_id)  # fmt: skip
            saved = self._once(lead, route, dispatch_id, saved, "alerted", "its owner's alert is not queued",
                               lambda: alerts.send(work))  # fmt: skip
        self._once(lead, route, dispatch_id, saved, "announced", "lead.routed is not published",
                   lambda: self.dispatcher.publish_routed(message))  # fmt: skip

    def _once(
        self,
        lead: Lead,
        route: Route,
        dispatch_id: str,
        saved: tuple[Lead, int] | None,
        step: str,
        not_done: str,
        send: Callable[[], None],
    ) -> tuple[Lead, int] | None:
        """Sends one announcement of the route unless it is marked sent, then marks it."""
        if getattr(route, step):
            return saved
        try:
            send()
        except Exception as error:
            raise AnnouncementPending(
                f"lead {lead.lead_id} is routed and queued; {not_done} yet: {error}"
            ) from error
        return self._mark_sent(lead.lead_id, dispatch_id, step, saved)

    def _mark_sent(
        self, lead_id: str, dispatch_id: str, step: str, saved: tuple[Lead, int] | None
    ) -> tuple[Lead, int]:
        def mark(current: Lead) -> bool:
            if current.route is None or current.route.dispatch_id != dispatch_id:
                return False
            setattr(current.route, step, True)
            return True

        return update_lead_versioned(self.leads, lead_id, mark, read=saved)

    def _stay_held(self, lead_id: str) -> None:
        def settle(current: Lead) -> None:
            current.reevaluation = None
            move(current, LeadStatus.HOLD)
            add_history(current, "still_held", "re-evaluated: the rules still say hold")

        update_lead(self.leads, lead_id, settle)

    def _distribute(self, lead: Lead, decision: RoutingDecision) -> Assigned:
        """The rep of the lead's territory whom fairness owes most; the territory's queue if nobody can."""
        assignment = self.policy.assignment
        assert assignment is not None, "the policy validator requires it for round_robin"
        # The decision named the territory; if the policy changed since, the catch-all takes it.
        territory = next(
            (t for t in assignment.territories if t.id == decision.territory), assignment.territories[-1]
        )
        probability = lead.scores.conversion_probability if lead.scores else 0.0
        return self.distribution.assign(lead.lead_id, territory.id, probability)


def _decided_by(review: ReviewOutcome | None, lead: Lead) -> str:
    if review is None:
        return "rules"
    if review.escalated:
        return "escalation"
    summary = lead.review
    # Noted on the lead before the decision resumed the workflow (a review decided before that
    # was kept names no one there).
    noted = summary.decided_by if summary is not None and summary.review_id == review.review_id else None
    return noted or "an SDR"


def _seconds_in_review(review: ReviewOutcome | None, until: datetime) -> float | None:
    if review is None or review.requested_at is None:
        return None
    return ((review.decided_at or until) - review.requested_at).total_seconds()
