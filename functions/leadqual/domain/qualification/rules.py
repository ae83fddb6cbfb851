"""The policy's ordered routing rules: their conditions in words, and which one fires."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from leadqual.domain.identity import is_free_mail
from leadqual.domain.policy import Policy, RuleCondition, RuleDef
from leadqual.domain.schemas.account import Account
from leadqual.domain.schemas.lead import Lead
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.vocabulary import FormType, RouteAction


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


def reviewers_in_words(policy: Policy) -> str:
    """Whose queue a review is in, and who decides any, as the policy page and `rules check` say it."""
    return (
        "A review is in the queue of its suggested owner when that is a person (an account owner), of "
        "the team it names, and of the SDRs of the lead's territory. SDRs decide their own queue's "
        f"reviews; the {' and '.join(policy.reviewers.decide_any)} groups decide any."
    )


def owner_for(rule: RuleDef, action: RouteAction, account: Account | None, policy: Policy) -> str:
    if rule.owner == "account_owner":
        return (account.owner if account and account.owner else None) or policy.owners[action]
    return rule.owner or policy.owners[action]


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
