from datetime import UTC, datetime, timedelta

import pytest

from leadqual.domain.policy import PolicyError, load_policy, parse_policy
from leadqual.domain.qualification.context import QualificationContext
from leadqual.domain.qualification.decision import decide
from leadqual.domain.schemas.account import Account
from leadqual.domain.schemas.lead import Lead, LeadStatus
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.shared import Company
from leadqual.domain.schemas.vocabulary import FormType, PageCategory, RouteAction
from leadqual.domain.signals import StoredEvent

POLICY = load_policy()
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def _scores(p: float = 0.05, fit: int = 40, engagement: int = 40, intent: int = 40) -> Scores:
    return Scores(
        conversion_probability=p, fit=fit, engagement=engagement, intent=intent, grade="C", model_version="t"
    )


def _lead(
    email: str = "a@acme.io", form: FormType = FormType.CONTENT_DOWNLOAD, employees: int | None = 50
) -> Lead:
    return Lead(
        lead_id="ld_x", status=LeadStatus.SCORED, email=email, account=None if "gmail" in email else "acme.io",
        company=Company(employees=employees), form=form, submitted_at=NOW, received_at=NOW,
    )  # fmt: skip


def test_named_account_always_goes_to_review_whatever_the_score() -> None:
    account = Account(domain="acme.io", updated_at=NOW, named_account=True, owner="maria.lopez")
    decision = decide(QualificationContext(lead=_lead(), scores=_scores(p=0.01), account=account), POLICY)
    assert decision.needs_review and decision.rule == "named-account-review"
    assert decision.owner == "maria.lopez" and "named_account" in decision.triggers


def test_freemail_newsletter_with_no_engagement_goes_to_nurture_without_review() -> None:
    lead = _lead(email="bob@gmail.com", form=FormType.NEWSLETTER)
    decision = decide(
        QualificationContext(lead=lead, scores=_scores(p=0.01, fit=35, engagement=0), account=None), POLICY
    )
    assert decision.action is RouteAction.NURTURE and not decision.needs_review


def test_pricing_visit_flags_a_low_score_lead_for_sdr_attention() -> None:
    events = [
        StoredEvent(type="page_view", page_category=PageCategory.PRICING, occurred_at=NOW - timedelta(days=2))
    ]
    decision = decide(
        QualificationContext(lead=_lead(), scores=_scores(p=0.02), account=None, events=events), POLICY
    )
    assert decision.needs_review and "pricing_page_visit" in decision.triggers


def test_same_inputs_same_decision() -> None:
    context = QualificationContext(lead=_lead(), scores=_scores(p=0.5), account=None)
    assert decide(context, POLICY) == decide(context, POLICY)


def test_invalid_rule_file_names_the_rule_and_field() -> None:
    data = POLICY.model_dump(mode="json")
    data["rules"][1]["when"]["bands"] = ["sky-high"]
    with pytest.raises(PolicyError) as error:
        parse_policy(data, "policy.yaml")
    assert "rules[1] (id 'reactivated-review').when.bands" in str(error.value)


@pytest.mark.parametrize(
    ("employees", "account", "tier", "why"),
    [
        (1200, None, "enterprise", "1,200 employees, estimated deal $28,800/yr"),
        (300, None, "mid_market", "300 employees, estimated deal $7,200/yr"),
        (None, None, "smb", "size unknown"),
        (40, Account(domain="acme.io", updated_at=NOW, strategic=True), "strategic", "strategic account"),
        (
            None,
            Account(domain="acme.io", updated_at=NOW, annual_revenue=300_000_000),
            "enterprise",
            "revenue $300,000,000, estimated deal $36,000/yr",
        ),
    ],  # fmt: skip
)
def test_each_lead_gets_a_tier_with_its_reason(
    employees: int | None, account: Account | None, tier: str, why: str
) -> None:
    lead = _lead(employees=employees) if employees else _lead().model_copy(update={"company": Company()})
    decision = decide(QualificationContext(lead=lead, scores=_scores(), account=account), POLICY)
    assert decision.tier == tier and why in decision.tier_reason
    assert f"Tier {tier}: {decision.tier_reason}" in decision.reasons
