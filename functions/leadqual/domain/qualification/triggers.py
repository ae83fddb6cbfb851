"""Flags and the triggers that put a human in front of the first outreach."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from leadqual.domain.identity import is_free_mail
from leadqual.domain.policy import Policy
from leadqual.domain.qualification.context import QualificationContext
from leadqual.domain.schemas.inputs import OutcomeKind, PageCategory

REVIEW_FLAGS_ALWAYS = ("named_account", "reactivated", "ambiguous_intent")
BEHAVIOURAL_TRIGGERS = ("pricing_page_visit", "competitor_research", "repeat_engagement", "demo_request")
COLD_OUTCOMES = (OutcomeKind.CLOSED_LOST, OutcomeKind.DISQUALIFIED)
NEW_INTENT_WINDOW = timedelta(days=30)


@dataclass
class Flagged:
    flags: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def add(self, flag: str, reason: str) -> None:
        if flag not in self.flags:
            self.flags.append(flag)
            self.reasons.append(reason)


def flags_for(context: QualificationContext, policy: Policy, tier: str) -> Flagged:
    settings = policy.signals
    as_of = context.as_of
    lead, scores, account = context.lead, context.scores, context.account
    past_events = [e for e in context.events if e.occurred_at <= as_of]
    flagged = Flagged()

    if account and account.named_account:
        owner = f" (owner {account.owner})" if account.owner else ""
        flagged.add("named_account", f"Named target account{owner}: human review before first outreach")

    pricing = [
        e for e in past_events
        if e.page_category is PageCategory.PRICING and as_of - e.occurred_at <= timedelta(days=settings.pricing_window_days)
    ]  # fmt: skip
    if pricing:
        flagged.add(
            "pricing_page_visit",
            f"Visited the pricing page {len(pricing)} time{'s' if len(pricing) > 1 else ''} "
            f"in the last {settings.pricing_window_days} days",
        )

    competitor_window = timedelta(days=settings.competitor_window_days)
    comparisons = [
        e for e in past_events
        if e.page_category is PageCategory.COMPETITOR_COMPARISON and as_of - e.occurred_at <= competitor_window
    ]  # fmt: skip
    competitors = sorted(
        {
            i.competitor
            for i in context.intents
            if i.competitor and timedelta(0) <= as_of - i.observed_at <= competitor_window
        }
    )
    if comparisons or competitors:
        parts = []
        if comparisons:
            parts.append(
                f"read {len(comparisons)} competitor comparison page{'s' if len(comparisons) > 1 else ''}"
            )
        if competitors:
            parts.append(f"account researched {', '.join(competitors)}")
        flagged.add("competitor_research", "Competitor research: " + "; ".join(parts))

    repeat_window = timedelta(hours=settings.repeat_engagement_window_hours)
    recent = [e for e in past_events if as_of - e.occurred_at <= repeat_window]
    if len(recent) >= settings.repeat_engagement_events:
        flagged.add(
            "repeat_engagement",
            f"{len(recent)} engagements in the last {settings.repeat_engagement_window_hours} hours",
        )

    if lead.form in settings.demo_forms:
        flagged.add("demo_request", f"Asked for contact: {lead.form.value.replace('_', ' ')} form")

    surge_window = timedelta(days=settings.surge_window_days)
    surging = sorted(
        {
            i.topic
            for i in context.intents
            if i.score > settings.surge_threshold and timedelta(0) <= as_of - i.observed_at <= surge_window
        }
    )
    if surging:
        flagged.add("intent_surge", f"Account intent surge on: {', '.join(surging)}")

    reactivation = _reactivation_reason(context, settings.cold_after_days)
    if reactivation:
        flagged.add("reactivated", reactivation)

    ambiguity = policy.ambiguity
    if scores.fit >= ambiguity.high_fit_min and scores.engagement <= ambiguity.low_engagement_max:
        flagged.add(
            "ambiguous_intent",
            f"Ambiguous intent: strong fit ({scores.fit}) but little engagement ({scores.engagement})",
        )
    elif (
        scores.fit <= ambiguity.low_fit_max
        and max(scores.engagement, scores.intent) >= ambiguity.high_engagement_or_intent_min
    ):
        strong = "engagement" if scores.engagement >= scores.intent else "intent"
        flagged.add(
            "ambiguous_intent",
            f"Ambiguous intent: weak fit ({scores.fit}) but high {strong} ({max(scores.engagement, scores.intent)})",
        )

    if tier == "enterprise":
        flagged.add("enterprise", "Enterprise-sized account")
    if is_free_mail(lead.email):
        flagged.add("free_mail", "Free-mail address, no company account")
    return flagged


def _reactivation_reason(context: QualificationContext, cold_after_days: int) -> str | None:
    as_of = context.as_of
    nurtured = context.nurtured_since
    if nurtured is not None and (as_of - nurtured).days >= cold_after_days:
        return (
            f"Reactivated: in nurture for {(as_of - nurtured).days} days since "
            f"{nurtured.date().isoformat()}, now asking again"
        )
    if context.last_outcome in COLD_OUTCOMES:
        return (
            f"Reactivated: last outcome was {context.last_outcome.value.replace('_', ' ')}, now active again"
        )
    activity = sorted(
        [e.occurred_at for e in context.events if e.occurred_at <= as_of]
        + [t for t in context.prior_activity if t < as_of]
    )
    new_activity = [t for t in activity if as_of - t <= NEW_INTENT_WINDOW] + [as_of]
    first_new = min(new_activity)
    earlier = [t for t in activity if t < first_new]
    if earlier and (first_new - earlier[-1]).days >= cold_after_days:
        gap = (first_new - earlier[-1]).days
        return (
            f"Reactivated: no activity for {gap} days before {first_new.date().isoformat()}, now active again"
        )
    return None
