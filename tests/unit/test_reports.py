"""The console's reports: the flow's figures, the deciles and lift, the charts, and the policy in words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from leadqual.api.views import PolicyInWords
from leadqual.console.charts import report_html, standalone_report
from leadqual.domain.feedback import retrospective
from leadqual.domain.flow_report import flow_report
from leadqual.domain.policy import load_policy
from leadqual.domain.schemas.lead import (
    HistoryEntry,
    Lead,
    LeadStatus,
    OutcomeRecord,
    ReviewSummary,
    Route,
    Sla,
)
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.vocabulary import OutcomeKind, ReviewStatus, RouteAction
from tests.fakes import a_lead, report_rows_of

DAY = datetime(2026, 11, 20, 9, tzinfo=UTC)


def _routed(
    lead_id: str, seconds: float, *, review: ReviewStatus | None = None, suggested: RouteAction | None = None,
    action: RouteAction = RouteAction.SDR_OUTREACH, in_review: float | None = None, day: datetime = DAY,
    **fields: Any,
) -> Lead:  # fmt: skip
    history = [HistoryEntry(at=day, event="review_requested")] if review else []
    return a_lead(
        lead_id,
        status=LeadStatus.ROUTED,
        submitted_at=day,
        received_at=day,
        route=Route(action=action, owner="sam", rule="r", decided_by="rules", routed_at=day),
        sla=Sla(seconds_to_route=seconds, seconds_in_review=in_review),
        review=ReviewSummary(review_id=f"rv_{lead_id}", status=review, triggers=["named_account"],
                             suggested_route=suggested) if review else None,
        history=history,
        **fields,
    )  # fmt: skip


def test_the_flow_report_shows_speed_to_lead_the_review_load_and_what_sdrs_changed() -> None:
    # GIVEN leads routed in 5 s, 2 min and 2 h; two reviewed on one day (one approved, one rerouted)
    # and one more reviewed the next day, still pending
    leads = [
        _routed("ld_fast", 5),
        _routed("ld_two", 120, review=ReviewStatus.APPROVED, suggested=RouteAction.SDR_OUTREACH, in_review=90),
        _routed("ld_slow", 7200, review=ReviewStatus.REROUTED, suggested=RouteAction.AE_NOTIFY, in_review=7000),
        _routed("ld_next", 30, review=ReviewStatus.PENDING, suggested=RouteAction.AE_NOTIFY, day=DAY + timedelta(days=1)),
        _routed("ld_before", 10, day=DAY - timedelta(days=30)),
    ]  # fmt: skip
    # WHEN the report is made for a window that leaves out the oldest, with 2 SDRs deciding 1 a day
    report = flow_report(
        report_rows_of(leads), sdrs=2, reviews_per_sdr_per_day=1, since=DAY - timedelta(days=1)
    )
    # THEN time to route is a distribution with its median, 90th percentile and first-hour share
    ttr = report["time_to_route"]
    assert report["leads"] == 4 and ttr["count"] == 4
    assert {b["label"]: b["leads"] for b in ttr["buckets"]}["under 1 min"] == 2
    assert {b["label"]: b["leads"] for b in ttr["buckets"]}["1-4 h"] == 1
    assert ttr["median_seconds"] == 75.0 and ttr["p90_seconds"] == 7200 and ttr["within_hour_share"] == 0.75
    assert report["time_in_review"]["count"] == 2
    # AND reviews a day are held against capacity (2 a day): no day over it
    assert report["reviews_per_day"] == [
        {"day": "2026-11-20", "requested": 2}, {"day": "2026-11-21", "requested": 1},
    ]  # fmt: skip
    assert report["review_capacity_per_day"] == 2 and report["days_over_capacity"] == 0
    # AND the decisions against the suggestion: one kept, one changed from ae_notify to sdr_outreach
    assert report["review_decisions"]["approved"] == 1 and report["review_decisions"]["pending"] == 1
    assert report["kept_suggestion_share"] == 0.5
    assert report["route_changes"] == {"ae_notify -> sdr_outreach": 1}
    # AND with one SDR deciding one a day, the first day is over capacity
    assert flow_report(report_rows_of(leads), sdrs=1, reviews_per_sdr_per_day=1)["days_over_capacity"] == 1


def test_time_to_acknowledge_per_rep_and_per_route_counts_the_leads_their_owner_was_told_of() -> None:
    def told(
        lead_id: str, owner: str, acknowledged: float | None, action: RouteAction = RouteAction.SDR_OUTREACH
    ) -> Lead:
        lead = _routed(lead_id, 5, action=action)
        assert lead.route is not None and lead.sla is not None
        lead.route.owner, lead.sla.seconds_to_acknowledge = owner, acknowledged
        # the first activity on the CRM record came a minute after each acknowledgement
        lead.sla.seconds_to_first_activity = acknowledged + 60 if acknowledged is not None else None
        return lead

    leads = [
        told("ld_1", "sam", 60), told("ld_2", "sam", 600), told("ld_3", "sam", None),
        told("ld_4", "ana", 7200, RouteAction.AE_NOTIFY),
        told("ld_5", "marketing-nurture", None, RouteAction.NURTURE),  # nobody is told of nurture
    ]  # fmt: skip
    report = flow_report(report_rows_of(leads), sdrs=1, reviews_per_sdr_per_day=10)
    assert report["time_to_acknowledge"]["count"] == 3
    by_rep = {row["key"]: row for row in report["acknowledgement_by_rep"]}
    assert set(by_rep) == {"sam", "ana"}
    assert (by_rep["sam"]["routed"], by_rep["sam"]["acknowledged"], by_rep["sam"]["median_seconds"]) == (
        3,
        2,
        330.0,
    )
    assert by_rep["ana"]["within_hour_share"] == 0.0
    # Time to first activity in the CRM, per rep and overall
    assert (by_rep["sam"]["with_activity"], by_rep["sam"]["activity_median_seconds"]) == (2, 390.0)
    assert report["time_to_first_activity"]["count"] == 3
    by_route = {row["key"]: row["acknowledged"] for row in report["acknowledgement_by_route"]}
    assert by_route == {"ae_notify": 1, "sdr_outreach": 2}
    page = report_html({"retrospective": retrospective(report_rows_of(leads)), "flow": report})
    assert "Time to acknowledge, per rep" in page and "5.5 min" in page and "median to first activity" in page


def _decided(index: int, probability: float, won: bool) -> Lead:
    outcome = OutcomeKind.CLOSED_WON if won else OutcomeKind.CLOSED_LOST
    return a_lead(
        f"ld_{index}",
        scores=Scores(conversion_probability=probability, fit=50, engagement=50, intent=50, grade="B",
                      model_version="m1"),
        outcomes=[OutcomeRecord(outcome=outcome, occurred_at=DAY, recorded_at=DAY)],
    )  # fmt: skip


def test_deciles_give_the_calibration_curve_and_the_lift_of_the_top_over_the_middle() -> None:
    # GIVEN 200 decided leads: the top-scored 20 convert 15 times, the 5th and 6th deciles 4 in 40
    leads = [_decided(i, 1 - i / 200, won=(i < 15) or (80 <= i < 84)) for i in range(200)]
    # WHEN the retrospective is made
    report = retrospective(report_rows_of(leads))
    deciles = report["by_decile"]
    # THEN ten equal groups, highest probability first, each with what was predicted and what converted
    assert [d["decided"] for d in deciles] == [20] * 10
    assert (
        deciles[0]["conversion_rate"] == 0.75 and deciles[0]["mean_predicted"] > deciles[1]["mean_predicted"]
    )
    # AND the lift is the top decile's rate over the middle's: 0.75 / 0.10
    assert report["lift"] == {"top_decile_rate": 0.75, "middle_rate": 0.1, "lift": 7.5, "too_few": False}
    # AND with no decided lead, nothing is claimed
    assert retrospective([])["lift"]["lift"] is None


def test_the_charts_are_inline_svg_with_every_text_escaped() -> None:
    # GIVEN a report whose rule names carry markup (never from a lead, but escaped all the same)
    leads = [_decided(i, 0.5, won=i % 2 == 0) for i in range(30)]
    for lead in leads:
        lead.route = Route(action=RouteAction.NURTURE, owner="m", rule="<script>alert(1)</script>",
                           decided_by="rules", routed_at=DAY)  # fmt: skip
    report = {
        "retrospective": retrospective(report_rows_of(leads)),
        "flow": flow_report(report_rows_of(leads), 7, 40),
    }
    # WHEN it is drawn
    fragment = report_html(report)
    # THEN every chart is an SVG with its title, and the markup is text
    titles = re.findall(r'<svg class="chart"[^>]*aria-label="([^"]+)"', fragment)
    assert titles == [
        "Conversion by score decile", "Conversion by grade", "Conversion by tier", "Conversion by route",
        "Conversion by rule", "Misroutes by rule", "Time to route", "Time in review",
        "Reviews requested per day", "Review decisions", "Time to acknowledge",
    ]  # fmt: skip
    assert "<script" not in fragment and "&lt;script&gt;alert(1)&lt;/script&gt;" in fragment
    # AND the standalone file is that fragment with its styles, referring to nothing outside
    page = standalone_report(report, ".chart .bar { fill: blue; }")
    assert fragment in page and page.startswith("<!doctype html>") and "http" not in page


def test_the_policy_in_words_is_what_rules_check_prints() -> None:
    policy = PolicyInWords.of(load_policy()).model_dump()
    assert policy["tiers"][0]["id"] == "named_account"
    assert policy["always_reviewed"] == ["named_account", "reactivated", "ambiguous_intent"]
    first = policy["rules"][0]
    assert first["id"] == "named-account-review" and "named_account" in first["in_words"]
