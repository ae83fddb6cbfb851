"""The review-request e-mail: enough for an SDR to act from a phone, and nothing an inbox should keep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leadqual.domain.schemas.decision import RoutingDecision
from leadqual.domain.schemas.review import Review
from leadqual.domain.schemas.shared import Company
from leadqual.domain.schemas.vocabulary import ReviewStatus, RouteAction
from leadqual.services.reviews import review_notification
from tests.fakes import a_lead

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_the_email_names_the_lead_company_triggers_and_time_left_and_links_to_the_review() -> None:
    # GIVEN a named-account lead with a phone and an address, waiting for review for 90 minutes more
    lead = a_lead(
        "ld_n1", first_name="Dana", last_name="Ng", title="VP of Operations", phone="+1 555 0100",
        email="dana.ng@northwind.io", company=Company(name="Northwind", domain="northwind.io"),
    )  # fmt: skip
    decision = RoutingDecision(
        lead_id="ld_n1", tier="named_account", tier_reason="On RevOps' list", action=RouteAction.AE_NOTIFY,
        owner="maria.lopez", rule="named-account-review", needs_review=True, triggers=["named_account"],
        flags=["named_account"], reasons=[], review_reasons=["Named target account (owner maria.lopez)"],
    )  # fmt: skip
    review = Review(
        review_id="rv_n1-e0", lead_id="ld_n1", account="northwind.io", status=ReviewStatus.PENDING,
        triggers=["named_account"], reasons=["Title seniority: VP"], scores=None,
        suggested_route=RouteAction.AE_NOTIFY, suggested_owner="maria.lopez", rule="named-account-review",
        created_at=NOW, due_at=NOW + timedelta(minutes=90), review_reasons=decision.review_reasons,
    )  # fmt: skip
    # WHEN the e-mail is written
    subject, body, attributes = review_notification(
        lead, decision, review, "https://console.example.com/", now=NOW
    )
    # THEN it says who, where, why and how long is left, and links to the review in the console
    assert subject == "Review needed: Northwind, named_account, 1 h 30 min left"
    assert "Dana, VP of Operations at Northwind (northwind.io)" in body
    assert "Why a human: Named target account (owner maria.lopez)" in body
    assert "Suggested: ae notify to maria.lopez." in body
    assert "Decide it in the console: https://console.example.com/?review=rv_n1-e0" in body
    # AND it keeps no more personal data than the SDR needs: no address, last name or phone
    for kept_out in ("dana.ng@northwind.io", "Ng", "555"):
        assert kept_out not in subject + body
    assert attributes == {"kind": "review_requested", "lead_id": "ld_n1", "review_id": "rv_n1-e0"}
