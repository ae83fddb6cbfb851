"""The Route task: decide tier, route and whether a human reviews first; explain a routed lead's rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from leadqual.domain.identity import is_free_mail
from leadqual.domain.policy import Policy
from leadqual.domain.ports import DecisionStore, LeadStore, SignalStore
from leadqual.domain.qualification.context import QualificationContext
from leadqual.domain.qualification.decision import decide
from leadqual.domain.qualification.rules import RuleFacts, RuleTrace, trace_rules
from leadqual.domain.schemas.decision import RoutingDecision
from leadqual.domain.schemas.lead import Lead, Reevaluation
from leadqual.domain.schemas.shared import utc_now
from leadqual.domain.schemas.vocabulary import RouteAction
from leadqual.services.context import gather_signals, past_touches, record_touch
from leadqual.services.leads import add_history, read_lead, update_lead_versioned


@dataclass
class RoutingService:
    leads: LeadStore
    decisions: DecisionStore
    signals: SignalStore
    policy: Policy

    def route(self, lead_id: str) -> RoutingDecision:
        lead, version = read_lead(self.leads, lead_id)
        if lead.scores is None:
            raise ValueError(f"lead {lead_id} has no scores yet; it cannot be routed")
        context = gather_signals(lead, self.signals)
        touches = past_touches(lead, self.signals)
        outcomes = [t.outcome for t in touches if t.outcome is not None]
        earlier_leads = [t for t in touches if t.outcome is None]
        latest = earlier_leads[-1] if earlier_leads else None
        decision = decide(
            QualificationContext(
                lead=lead,
                scores=lead.scores,
                account=context.account,
                events=context.events,
                intents=context.intents,
                prior_activity=[t.at for t in touches],
                last_outcome=outcomes[-1] if outcomes else None,
                nurtured_since=latest.at if latest and latest.route is RouteAction.NURTURE else None,
                evaluated_at=utc_now() if lead.reevaluation else None,
            ),
            self.policy,
        ).model_copy(update={"evaluation": lead.evaluations})
        if lead.reevaluation is Reevaluation.HOLD_EXPIRED and decision.action is RouteAction.HOLD:
            decision = self._end_hold(lead, decision)
        # Later leads of this person or account judge "went cold" against this one.
        record_touch(lead, self.signals)

        def store_decision(current: Lead) -> None:
            current.tier = decision.tier
            current.policy_version = self.policy.version
            current.flags = decision.flags
            current.reasons = decision.reasons
            detail = f"rule {decision.rule}: {decision.action.value}" + (
                " after review" if decision.needs_review else ""
            )
            add_history(current, "rules_evaluated", detail)

        update_lead_versioned(self.leads, lead_id, store_decision, read=(lead, version))
        # Kept beside the lead: the workflow carries only ids, so its history holds no personal data.
        self.decisions.save_decision(decision)
        return decision

    def _end_hold(self, lead: Lead, decision: RoutingDecision) -> RoutingDecision:
        held = lead.held_since or lead.received_at
        days = (utc_now() - held).total_seconds() / 86400
        then = self.policy.hold.then
        return decision.model_copy(
            update={
                "action": then,
                "owner": self.policy.owners[then],
                "rule": "hold-expired",
                "reasons": [
                    *decision.reasons,
                    f"Held {days:.1f} days (at most {self.policy.hold.max_days:g}) without signals that "
                    f"change the route: {then.value}",
                ],
            }
        )


@dataclass(frozen=True)
class RulesExplanation:
    """Each rule tried for a lead, in order, with the facts it was tried on; `traces` is None
    until the rules have routed the lead."""

    lead: Lead
    policy_version: int
    band: str | None = None
    flags: list[str] = field(default_factory=list)
    traces: list[RuleTrace] | None = None


def explain_rules(lead: Lead, policy: Policy) -> RulesExplanation:
    """`leadqual rules explain`: each rule tried for this lead, in order, and why it did or did not match.

    Rules only read what the lead stores (tier, flags, scores, form, e-mail), so the trace is exact
    for the policy version that routed the lead.
    """
    if lead.scores is None or lead.tier is None:
        return RulesExplanation(lead, policy.version)
    flags = [*lead.flags, *(["free_mail"] if is_free_mail(lead.email) else [])]
    band = policy.score_bands.band(lead.scores.conversion_probability)
    traces = trace_rules(RuleFacts.of(lead, lead.scores, lead.tier, band, flags), policy)
    return RulesExplanation(lead, policy.version, band, flags, traces)
