"""The routing decision: tier, flags and the first matching rule, with every reason.

Pure functions of their inputs: the same lead, signals and policy always give the same decision."""

from __future__ import annotations

from datetime import timedelta

from leadqual.domain.policy import Policy
from leadqual.domain.qualification.context import QualificationContext, behaviour_summary, intent_summary
from leadqual.domain.qualification.flags import ALWAYS_REVIEWED, REVIEW_TRIGGERS, Flag
from leadqual.domain.qualification.rules import RuleFacts, owner_for, rule_matches
from leadqual.domain.qualification.tiers import tier_for
from leadqual.domain.qualification.triggers import flags_for
from leadqual.domain.schemas.decision import RoutingDecision


def decide(context: QualificationContext, policy: Policy) -> RoutingDecision:
    tier, tier_reason = tier_for(context, policy)
    flagged = flags_for(context, policy, tier)
    band = policy.score_bands.band(context.scores.conversion_probability)
    facts = RuleFacts.of(context.lead, context.scores, tier, band, flagged.flags)
    rule = next(r for r in policy.rules if rule_matches(r.when, facts))
    # Whatever rule fired, these checkpoints always put a human in front of the first outreach.
    always_review = [f for f in ALWAYS_REVIEWED if f in flagged.flags]
    needs_review = rule.review or bool(always_review)
    triggers = [f for f in flagged.flags if f in REVIEW_TRIGGERS] if needs_review else []
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
        flags=[f for f in flagged.flags if f != Flag.FREE_MAIL],
        reasons=reasons,
        review_reasons=review_reasons if needs_review else [],
        country=_country(context),
        territory=policy.assignment.territory_for(_country(context)).id if policy.assignment else None,
        recent_behaviour=behaviour_summary(context, timedelta(days=policy.signals.pricing_window_days)),
        intent_topics=intent_summary(context, timedelta(days=policy.signals.surge_window_days)),
    )


def _country(context: QualificationContext) -> str | None:
    return (context.account.country if context.account else None) or context.lead.company.country
