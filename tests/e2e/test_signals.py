"""Signals reach the lead: anonymous visits join on form submit, and the SDR sees them in the review."""

from datetime import UTC, datetime, timedelta

from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud
from tests.e2e.test_flow import _settle, _submit


def test_an_anonymous_visitors_pricing_visits_join_the_lead_and_reach_the_review(cloud: LocalCloud) -> None:
    # GIVEN a visitor, not yet known by e-mail, read pricing twice and a comparison page yesterday
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    events = {"events": [
        {"anonymous_id": "anon-7", "type": "page_view", "url": "https://leadqual.example/pricing", "occurred_at": yesterday},
        {"anonymous_id": "anon-7", "type": "page_view", "url": "https://leadqual.example/pricing/enterprise", "occurred_at": yesterday},
        {"anonymous_id": "anon-7", "type": "page_view", "url": "https://leadqual.example/compare/acme-router", "occurred_at": yesterday},
    ]}  # fmt: skip
    assert call_api("POST", "/events", events).status == 202
    # WHEN the same visitor submits a form
    lead_id = _submit(email="ravi@smallco.io", form="content_download", anonymous_id="anon-7",
                      company={"employees": 25})  # fmt: skip
    lead = _settle(cloud, lead_id, {"pending_review"})
    # THEN the visits count for the lead, and the SDR's review says why and shows the behaviour
    assert {"pricing_page_visit", "competitor_research"} <= set(lead["review"]["triggers"])
    review = next(
        r for r in call_api("GET", "/reviews?status=pending").json()["reviews"] if r["lead_id"] == lead_id
    )
    assert "Visited the pricing page 2 times in the last 30 days" in review["why_review"]
    assert review["recent_behaviour"][0].startswith("2 x pricing page view, last ")
    assert review["suggested_route"] == "sdr_outreach"
    assert review["scores"]["top_positive"] or review["scores"]["top_negative"]
