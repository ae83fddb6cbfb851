"""Tiers, flags and the ordered routing rules: the explicit, predictable half of qualification.

Pure functions of their inputs: the same lead, signals and policy always give the same decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from leadqual.domain.identity import is_free_mail
from leadqual.domain.models import (
    Account,
    EventType,
    FormType,
    Lead,
    OutcomeKind,
    PageCategory,
    RoutingDecision,
    Scores,
)
from leadqual.domain.policy import Policy, RuleCondition, RuleDef
from leadqual.domain.signals import StoredEvent, StoredIntent
from leadqual.resources import RouteAction

REVIEW_FLAGS_ALWAYS = ("named_account", "reactivated", "ambiguous_intent")
BEHAVIOURAL_TRIGGERS = ("pricing_page_visit", "competitor_research", "repeat_engagement", "demo_request")
COLD_OUTCOMES = (OutcomeKind.CLOSED_LOST, OutcomeKind.DISQUALIFIED)
NEW_INTENT_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class QualificationContext:
    lead: Lead
    scores: Scores
    account: Account | None
    events: Sequence[StoredEvent] = ()
    intents: Sequence[StoredIntent] = ()
    # Earlier touches of this person or account (previous submissions, outcomes) beyond `events`.
    prior_activity: Sequence[datetime] = ()
    last_outcome: OutcomeKind | None = None
    # When the person's or account's latest earlier lead went to nurture (None if it went elsewhere).
    nurtured_since: datetime | None = None
    # A held lead is evaluated again later, on what is known then.
    evaluated_at: datetime | None = None

    @property
    def as_of(self) -> datetime:
        return self.evaluated_at or self.lead.submitted_at


@dataclass
class Flagged:
    flags: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def add(self, flag: str, reason: str) -> None:
        if flag not in self.flags:
            self.flags.append(flag)
            self.reasons.append(reason)


def tier_for(context: QualificationContext, policy: Policy) -> tuple[str, str]:
    """The first matching tier, and why, in a rep's words (with the deal-size estimate it used)."""
    account = context.account
    employees = (account.employees if account else None) or context.lead.company.employees
    revenue = (account.annual_revenue if account else None) or context.lead.company.annual_revenue
    deal = policy.deal_size.estimate(employees, revenue)
    known = [f"{employees:,} employees" if employees else "size unknown"]
    if revenue:
        known.append(f"revenue ${revenue:,.0f}")
    if deal is not None:
        known.append(f"estimated deal ${deal:,.0f}/yr")
    if account and account.tier:
        known.append(f"account type {account.tier}")
    if account and account.strategic:
        known.append("strategic account")
    for tier in policy.tiers:
        when = tier.when
        checks = []
        if when.named_account is not None:
            checks.append(bool(account and account.named_account) == when.named_account)
        if when.strategic is not None:
            checks.append(bool(account and account.strategic) == when.strategic)
        if when.min_employees is not None:
            checks.append((employees or 0) >= when.min_employees)
        if when.min_annual_revenue is not None:
            checks.append((revenue or 0) >= when.min_annual_revenue)
        if when.min_deal_size is not None:
            checks.append((deal or 0) >= when.min_deal_size)
        if when.account_tiers is not None:
            checks.append(bool(account and account.tier in when.account_tiers))
        matched = any(checks) if tier.match == "any" else all(checks)
        if matched or not checks:
            return tier.id, f"{tier.description} ({', '.join(known)})"
    raise AssertionError("the policy guarantees a catch-all last tier")


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


@dataclass(frozen=True)
class RuleFacts:
    """What routing rules look at; all of it is stored on the lead, so a decision can be re-explained."""

    tier: str
    band: str
    flags: tuple[str, ...]
    fit: int
    engagement: int
    intent: int
    form: FormType
    free_mail: bool

    @classmethod
    def of(cls, lead: Lead, scores: Scores, tier: str, band: str, flags: Sequence[str]) -> RuleFacts:
        return cls(tier=tier, band=band, flags=tuple(flags), fit=scores.fit, engagement=scores.engagement,
                   intent=scores.intent, form=lead.form, free_mail=is_free_mail(lead.email))  # fmt: skip


@dataclass(frozen=True)
class Check:
    condition: str  # how the rule reads, e.g. "score band is one of high"
    holds: bool
    actual: str  # what the lead had


def _listed(values: Sequence[object]) -> str:
    return ", ".join(str(v) for v in values)


def condition_checks(condition: RuleCondition, facts: RuleFacts) -> list[Check]:
    """Each condition a rule sets, in words, with whether it holds for these facts. No condition: always."""
    present = set(facts.flags)
    flags_text = _listed(sorted(present)) or "no flags"
    checks: list[Check] = []
    if condition.tiers is not None:
        checks.append(
            Check(f"tier is one of {_listed(condition.tiers)}", facts.tier in condition.tiers, facts.tier)
        )
    if condition.bands is not None:
        checks.append(
            Check(
                f"score band is one of {_listed(condition.bands)}", facts.band in condition.bands, facts.band
            )
        )
    flag_tests = (
        ("flags_any", "any of", lambda wanted: bool(present & wanted)),
        ("flags_all", "all of", lambda wanted: wanted <= present),
        ("flags_none", "none of", lambda wanted: not (present & wanted)),
    )
    for field_name, quantifier, holds in flag_tests:
        wanted = getattr(condition, field_name)
        if wanted is not None:
            checks.append(
                Check(f"flags include {quantifier} {_listed(wanted)}", holds(set(wanted)), flags_text)
            )
    if condition.forms is not None:
        checks.append(
            Check(
                f"form is one of {_listed([f.value for f in condition.forms])}",
                facts.form in condition.forms,
                facts.form.value,
            )
        )
    if condition.free_mail is not None:
        checks.append(
            Check(
                "e-mail is free-mail" if condition.free_mail else "e-mail is corporate",
                facts.free_mail == condition.free_mail,
                "free-mail" if facts.free_mail else "corporate",
            )
        )
    for name, value in (("fit", facts.fit), ("engagement", facts.engagement), ("intent", facts.intent)):
        low, high = getattr(condition, f"min_{name}"), getattr(condition, f"max_{name}")
        if low is not None:
            checks.append(Check(f"{name} >= {low}", value >= low, str(value)))
        if high is not None:
            checks.append(Check(f"{name} <= {high}", value <= high, str(value)))
    return checks  # fmt: skip


def rule_matches(condition: RuleCondition, facts: RuleFacts) -> bool:
    return all(check.holds for check in condition_checks(condition, facts))


def rule_in_words(rule: RuleDef) -> str:
    checks = condition_checks(rule.when, _ANY_FACTS)
    when = " and ".join(c.condition for c in checks) or "always (catch-all)"
    owner = {None: f"the default {rule.action.value} owner", "account_owner": "the account owner"}.get(
        rule.owner, rule.owner
    )
    review = ", after an SDR reviews it" if rule.review else ", no review"
    return f"IF {when} THEN {rule.action.value} to {owner}{review}"


# Facts for rendering a rule's conditions in words (their truth is not used).
_ANY_FACTS = RuleFacts(
    tier="", band="", flags=(), fit=0, engagement=0, intent=0, form=FormType.OTHER, free_mail=False
)


def owner_for(rule: RuleDef, action: RouteAction, account: Account | None, policy: Policy) -> str:
    if rule.owner == "account_owner":
        return (account.owner if account and account.owner else None) or policy.owners[action]
    return rule.owner or policy.owners[action]


def decide(context: QualificationContext, policy: Policy) -> RoutingDecision:
    tier, tier_reason = tier_for(context, policy)
    flagged = flags_for(context, policy, tier)
    band = policy.score_bands.band(context.scores.conversion_probability)
    facts = RuleFacts.of(context.lead, context.scores, tier, band, flagged.flags)
    rule = next(r for r in policy.rules if rule_matches(r.when, facts))
    # Whatever rule fired, these checkpoints always put a human in front of the first outreach.
    always_review = [f for f in REVIEW_FLAGS_ALWAYS if f in flagged.flags]
    needs_review = rule.review or bool(always_review)
    triggers = (
        [f for f in flagged.flags if f in (*REVIEW_FLAGS_ALWAYS, *BEHAVIOURAL_TRIGGERS)]
        if needs_review
        else []
    )
    probability = context.scores.conversion_probability
    review_reasons = [
        reason for flag, reason in zip(flagged.flags, flagged.reasons, strict=True) if flag in triggers
    ]
    if rule.review and not review_reasons:
        review_reasons = [f"Rule {rule.id} asks for a review: {rule.description}"]
    reasons = [
        *flagged.reasons,
        f"Tier {tier}: {tier_reason}",
        f"Score band {band} (conversion probability {probability:.0%}, grade {context.scores.grade})",
        f"Rule {rule.id}: {rule.description}",
    ]
    return RoutingDecision(
        lead_id=context.lead.lead_id,
        tier=tier,
        tier_reason=tier_reason,
        action=rule.action,
        owner=owner_for(rule, rule.action, context.account, policy),
        rule=rule.id,
        needs_review=needs_review,
        triggers=triggers,
        flags=[f for f in flagged.flags if f != "free_mail"],
        reasons=reasons,
        review_reasons=review_reasons if needs_review else [],
        country=_country(context),
        territory=policy.assignment.territory_for(_country(context)).id if policy.assignment else None,
        recent_behaviour=behaviour_summary(context, timedelta(days=policy.signals.pricing_window_days)),
        intent_topics=intent_summary(context, timedelta(days=policy.signals.surge_window_days)),
    )


def _country(context: QualificationContext) -> str | None:
    return (context.account.country if context.account else None) or context.lead.company.country


def _age(delta: timedelta) -> str:
    if delta < timedelta(hours=1):
        return "just now"
    if delta < timedelta(days=1):
        return f"{delta.seconds // 3600} h ago"
    return f"{delta.days} d ago"


def behaviour_summary(context: QualificationContext, window: timedelta) -> list[str]:
    """First-party behaviour in the window, by kind, most frequent first: '3 pricing page views, last 2 d ago'."""
    as_of = context.as_of
    by_kind: dict[str, list[datetime]] = {}
    for event in context.events:
        if timedelta(0) <= as_of - event.occurred_at <= window:
            kind = (
                f"{event.page_category.value.replace('_', ' ')} page view"
                if event.type is EventType.PAGE_VIEW and event.page_category
                else event.type.value.replace("_", " ")
            )
            by_kind.setdefault(kind, []).append(event.occurred_at)
    ranked = sorted(by_kind.items(), key=lambda item: (-len(item[1]), item[0]))
    return [f"{len(times)} x {kind}, last {_age(as_of - max(times))}" for kind, times in ranked]


def intent_summary(context: QualificationContext, window: timedelta) -> list[str]:
    """The account's third-party research topics in the window, strongest first."""
    as_of = context.as_of
    strongest: dict[str, StoredIntent] = {}
    for signal in context.intents:
        if timedelta(0) <= as_of - signal.observed_at <= window:
            best = strongest.get(signal.topic)
            if best is None or signal.score > best.score:
                strongest[signal.topic] = signal
    ranked = sorted(strongest.values(), key=lambda s: (-s.score, s.topic))
    return [
        f"{s.topic} (score {s.score:.0f}, {_age(as_of - s.observed_at)}"
        + (f", compared {s.competitor})" if s.competitor else ")")
        for s in ranked
    ]


@dataclass(frozen=True)
class RuleTrace:
    rule: str
    description: str
    matched: bool
    checks: list[Check]


def trace_rules(facts: RuleFacts, policy: Policy) -> list[RuleTrace]:
    """Every rule in order, up to the one that fires, with each condition and whether it held."""
    traces = []
    for rule in policy.rules:
        checks = condition_checks(rule.when, facts)
        traces.append(RuleTrace(rule.id, rule.description, all(c.holds for c in checks), checks))
        if traces[-1].matched:
            break
    return traces
