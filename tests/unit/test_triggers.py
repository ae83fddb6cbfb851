"""Each behavioural trigger, each review reason, reactivation and decay, on the shipped policy."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from leadqual.domain.features.model_input import behaviour_columns
from leadqual.domain.policy import Policy, load_policy
from leadqual.domain.qualification.context import QualificationContext
from leadqual.domain.qualification.decision import decide
from leadqual.domain.schemas.account import Account
from leadqual.domain.schemas.lead import Lead, LeadStatus
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.shared import Company
from leadqual.domain.schemas.vocabulary import FormType, OutcomeKind
from leadqual.domain.signals import BehaviourWindows, StoredEvent, StoredIntent

POLICY = load_policy()
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def _page(category: str, days: float) -> StoredEvent:
    return StoredEvent(type="page_view", page_category=category, occurred_at=NOW - timedelta(days=days))


def _context(
    form: FormType = FormType.CONTENT_DOWNLOAD,
    fit: int = 45,
    engagement: int = 45,
    intent: int = 45,
    p: float = 0.05,
    **extra: Any,
) -> QualificationContext:
    lead = Lead(
        lead_id="ld_t", status=LeadStatus.SCORED, email="dana@acme.io", account="acme.io",
        company=Company(employees=80), form=form, submitted_at=NOW, received_at=NOW,
    )  # fmt: skip
    scores = Scores(conversion_probability=p, fit=fit, engagement=engagement, intent=intent, grade="C",
                    model_version="t")  # fmt: skip
    return QualificationContext(lead=lead, scores=scores, account=extra.pop("account", None), **extra)


TRIGGERS = [
    ("pricing_page_visit", _context(events=[_page("pricing", 2)]), "Visited the pricing page 1 time in the last 30 days"),
    ("competitor_research", _context(events=[_page("competitor_comparison", 3)]), "read 1 competitor comparison page"),
    ("competitor_research",
     _context(intents=[StoredIntent(topic="lead routing", score=55, competitor="Acme Router",
                                    observed_at=NOW - timedelta(days=4))]),
     "account researched Acme Router"),
    ("repeat_engagement", _context(events=[_page("blog", h / 24) for h in (1, 10, 30)]), "3 engagements in the last 48 hours"),
    ("demo_request", _context(form=FormType.DEMO_REQUEST), "Asked for contact: demo request form"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("flag", "context", "reason"), TRIGGERS, ids=[f"{t[0]}-{i}" for i, t in enumerate(TRIGGERS)]
)
def test_each_behavioural_trigger_flags_a_low_score_lead_for_sdr_review(
    flag: str, context: QualificationContext, reason: str
) -> None:
    decision = decide(context, POLICY)
    assert flag in decision.triggers and decision.needs_review
    assert decision.rule == "behavioural-trigger-review" and decision.action.value == "sdr_outreach"
    assert any(reason in r for r in decision.review_reasons), decision.review_reasons


@pytest.mark.parametrize(
    "context",
    [
        _context(events=[_page("pricing", 31)]),  # outside the 30-day window
        _context(events=[_page("blog", h / 24) for h in (1, 30)]),  # 2 events, 3 needed
        _context(events=[_page("blog", h / 24) for h in (1, 30, 50)]),  # the 3rd is outside 48 h
    ],
    ids=["old-pricing-visit", "two-events", "third-event-too-old"],
)
def test_no_trigger_without_the_behaviour(context: QualificationContext) -> None:
    decision = decide(context, POLICY)
    assert not decision.needs_review and decision.triggers == []


def test_triggers_are_configurable() -> None:
    data = POLICY.model_dump(mode="json")
    data["signals"]["repeat_engagement_events"] = 2
    data["signals"]["pricing_window_days"] = 45
    policy = Policy.model_validate(data)
    assert (
        "repeat_engagement"
        in decide(_context(events=[_page("blog", h / 24) for h in (1, 30)]), policy).triggers
    )
    assert "pricing_page_visit" in decide(_context(events=[_page("pricing", 31)]), policy).triggers


def test_intent_surge_is_flagged_and_shown_to_the_sdr() -> None:
    surge = StoredIntent(topic="lead scoring", score=78, observed_at=NOW - timedelta(days=5))
    decision = decide(_context(form=FormType.DEMO_REQUEST, intents=[surge]), POLICY)
    assert "intent_surge" in decision.flags
    assert decision.intent_topics == ["lead scoring (provider score 78/100, 5 d ago)"]


REVIEWS = [
    ("named_account", _context(p=0.9, account=Account(domain="acme.io", updated_at=NOW, named_account=True, owner="maria.lopez")),
     "Named target account (owner maria.lopez)", "named-account-review"),
    ("ambiguous_intent", _context(fit=85, engagement=10), "strong fit (85) but little engagement (10)", "ambiguous-intent-review"),
    ("ambiguous_intent", _context(fit=20, engagement=90), "weak fit (20) but high engagement (90)", "ambiguous-intent-review"),
    ("reactivated", _context(last_outcome=OutcomeKind.CLOSED_LOST, prior_activity=[NOW - timedelta(days=30)]),
     "last outcome was closed lost", "reactivated-review"),
    ("reactivated", _context(prior_activity=[NOW - timedelta(days=200)], events=[_page("blog", 120)]),
     "no activity for 120 days", "reactivated-review"),
    ("reactivated", _context(prior_activity=[NOW - timedelta(days=100)], nurtured_since=NOW - timedelta(days=100)),
     "in nurture for 100 days", "reactivated-review"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("trigger", "context", "why", "rule"), REVIEWS, ids=[f"{r[0]}-{i}" for i, r in enumerate(REVIEWS)]
)
def test_each_review_reason_puts_a_human_first_and_says_why(
    trigger: str, context: QualificationContext, why: str, rule: str
) -> None:
    decision = decide(context, POLICY)
    assert decision.needs_review and trigger in decision.triggers and decision.rule == rule
    assert any(why in reason for reason in decision.review_reasons), decision.review_reasons


def test_activity_within_the_cold_window_is_not_a_reactivation() -> None:
    decision = decide(_context(prior_activity=[NOW - timedelta(days=60)]), POLICY)
    assert "reactivated" not in decision.flags


def test_named_account_review_holds_even_when_a_later_rule_would_auto_route() -> None:
    account = Account(domain="acme.io", updated_at=NOW, named_account=True)
    data = POLICY.model_dump(mode="json")
    data["rules"] = [r for r in data["rules"] if r["id"] != "named-account-review"]
    decision = decide(_context(p=0.9, account=account), Policy.model_validate(data))
    assert decision.rule == "high-band-sdr" and decision.needs_review and "named_account" in decision.triggers


def test_engagement_decays_with_the_configured_half_life() -> None:
    events = [_page("pricing", 14), _page("pricing", 0.5)]
    two_weeks = behaviour_columns(events, NOW, BehaviourWindows(half_life_days=14))
    one_week = behaviour_columns(events, NOW, BehaviourWindows(half_life_days=7))
    assert two_weeks["pricing_views"] == pytest.approx(0.5 + 0.5 ** (0.5 / 14))
    assert one_week["pricing_views"] == pytest.approx(0.25 + 0.5 ** (0.5 / 7))
    assert behaviour_columns([_page("pricing", 40)], NOW, BehaviourWindows())["pricing_views"] == 0.0


def test_every_flag_has_one_check_and_every_list_of_flags_comes_from_the_flags() -> None:
    from leadqual.domain.policy import KNOWN_FLAGS
    from leadqual.domain.qualification.flags import ALWAYS_REVIEWED, REVIEW_TRIGGERS, Checkpoint, Flag
    from leadqual.domain.qualification.triggers import TRIGGERS

    assert list(TRIGGERS) == list(Flag)  # checked in the order the lead lists them
    assert {flag.value for flag in Flag} == KNOWN_FLAGS
    assert set(ALWAYS_REVIEWED) == {f for f in Flag if f.checkpoint is Checkpoint.ALWAYS}
    assert set(ALWAYS_REVIEWED) < set(REVIEW_TRIGGERS)
    assert Flag.FREE_MAIL not in REVIEW_TRIGGERS
