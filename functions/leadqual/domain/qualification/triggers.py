"""The checks that raise each flag: one function per flag, registered in `TRIGGERS`.

Each reads the situation (the lead, its scores, account and signals, the policy) and gives the
flag's reason in a rep's words, or None. Which flags put a human first is `flags.Flag.checkpoint`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from leadqual.domain.identity import is_free_mail
from leadqual.domain.policy import Policy
from leadqual.domain.qualification.context import QualificationContext
from leadqual.domain.qualification.flags import Flag
from leadqual.domain.schemas.vocabulary import OutcomeKind, PageCategory
from leadqual.domain.signals import StoredEvent

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


@dataclass(frozen=True)
class Situation:
    """What every check reads: the context as of its evaluation, the policy and the lead's tier."""

    context: QualificationContext
    policy: Policy
    tier: str

    @cached_property
    def past_events(self) -> list[StoredEvent]:
        as_of = self.context.as_of
        return [e for e in self.context.events if e.occurred_at <= as_of]


Trigger = Callable[[Situation], str | None]


def named_account(seen: Situation) -> str | None:
    account = seen.context.account
    if not (account and account.named_account):
        return None
    owner = f" (owner {account.owner})" if account.owner else ""
    return f"Named target account{owner}: human review before first outreach"


def pricing_page_visit(seen: Situation) -> str | None:
    as_of, days = seen.context.as_of, seen.policy.signals.pricing_window_days
    pricing = [
        e for e in seen.past_events
        if e.page_category is PageCategory.PRICING and as_of - e.occurred_at <= timedelta(days=days)
    ]  # fmt: skip
    if not pricing:
        return None
    return f"Visited the pricing page {len(pricing)} time{'s' if len(pricing) > 1 else ''} in the last {days} days"


def competitor_research(seen: Situation) -> str | None:
    as_of = seen.context.as_of
    window = timedelta(days=seen.policy.signals.competitor_window_days)
    comparisons = [
        e for e in seen.past_events
        if e.page_category is PageCategory.COMPETITOR_COMPARISON and as_of - e.occurred_at <= window
    ]  # fmt: skip
    competitors = sorted(
        {
            i.competitor
            for i in seen.context.intents
            if i.competitor and timedelta(0) <= as_of - i.observed_at <= window
        }
    )
    if not (comparisons or competitors):
        return None
    parts = []
    if comparisons:
        parts.append(
            f"read {len(comparisons)} competitor comparison page{'s' if len(comparisons) > 1 else ''}"
        )
    if competitors:
        parts.append(f"account researched {', '.join(competitors)}")
    return "Competitor research: " + "; ".join(parts)


def repeat_engagement(seen: Situation) -> str | None:
    settings = seen.policy.signals
    window = timedelta(hours=settings.repeat_engagement_window_hours)
    recent = [e for e in seen.past_events if seen.context.as_of - e.occurred_at <= window]
    if len(recent) < settings.repeat_engagement_events:
        return None
    return f"{len(recent)} engagements in the last {settings.repeat_engagement_window_hours} hours"


def demo_request(seen: Situation) -> str | None:
    form = seen.context.lead.form
    if form not in seen.policy.signals.demo_forms:
        return None
    return f"Asked for contact: {form.value.replace('_', ' ')} form"


def intent_surge(seen: Situation) -> str | None:
    settings, as_of = seen.policy.signals, seen.context.as_of
    window = timedelta(days=settings.surge_window_days)
    surging = sorted(
        {
            i.topic
            for i in seen.context.intents
            if i.score > settings.surge_threshold and timedelta(0) <= as_of - i.observed_at <= window
        }
    )
    return f"Account intent surge on: {', '.join(surging)}" if surging else None


def reactivated(seen: Situation) -> str | None:
    return _reactivation_reason(seen.context, seen.policy.signals.cold_after_days)


def ambiguous_intent(seen: Situation) -> str | None:
    scores, ambiguity = seen.context.scores, seen.policy.ambiguity
    if scores.fit >= ambiguity.high_fit_min and scores.engagement <= ambiguity.low_engagement_max:
        return f"Ambiguous intent: strong fit ({scores.fit}) but little engagement ({scores.engagement})"
    strongest = max(scores.engagement, scores.intent)
    if scores.fit <= ambiguity.low_fit_max and strongest >= ambiguity.high_engagement_or_intent_min:
        strong = "engagement" if scores.engagement >= scores.intent else "intent"
        return f"Ambiguous intent: weak fit ({scores.fit}) but high {strong} ({strongest})"
    return None


def enterprise(seen: Situation) -> str | None:
    return "Enterprise-sized account" if seen.tier == "enterprise" else None


def free_mail(seen: Situation) -> str | None:
    return "Free-mail address, no company account" if is_free_mail(seen.context.lead.email) else None


TRIGGERS: dict[Flag, Trigger] = {
    Flag.NAMED_ACCOUNT: named_account,
    Flag.PRICING_PAGE_VISIT: pricing_page_visit,
    Flag.COMPETITOR_RESEARCH: competitor_research,
    Flag.REPEAT_ENGAGEMENT: repeat_engagement,
    Flag.DEMO_REQUEST: demo_request,
    Flag.INTENT_SURGE: intent_surge,
    Flag.REACTIVATED: reactivated,
    Flag.AMBIGUOUS_INTENT: ambiguous_intent,
    Flag.ENTERPRISE: enterprise,
    Flag.FREE_MAIL: free_mail,
}


def flags_for(context: QualificationContext, policy: Policy, tier: str) -> Flagged:
    """Every flag whose check holds, in `Flag`'s order, with its reason."""
    seen = Situation(context, policy, tier)
    flagged = Flagged()
    for flag in Flag:
        reason = TRIGGERS[flag](seen)
        if reason is not None:
            flagged.add(flag.value, reason)
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
