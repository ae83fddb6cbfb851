"""Outcomes flow back onto the lead and make a cold account that returns 'reactivated'."""

import csv
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from leadqual import wiring
from leadqual.settings import current_settings
from leadqual_tools.cli import main
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud
from tests.e2e.test_flow import _settle, _submit

SETTLED = {"routed", "hold", "pending_review"}


def _days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def test_a_closed_lost_account_that_comes_back_is_reactivated_and_reviewed(cloud: LocalCloud) -> None:
    # GIVEN an account whose lead, 200 days ago, was closed-lost 150 days ago (back-filled from the CRM)
    old = _submit(email="kim@globex.io", form="content_download", submitted_at=_days_ago(200))
    _settle(cloud, old, SETTLED)
    report = {"outcome": "closed_lost", "note": "No budget", "occurred_at": _days_ago(150)}
    response = call_api("POST", f"/leads/{old}/outcome", report)
    assert response.status == 202 and response.json()["outcomes"] == 1
    # WHEN someone else at the account asks for a demo today
    new = _submit(email="lee@globex.io", form="demo_request")
    lead = _settle(cloud, new, {"pending_review"})
    # THEN the lead is flagged reactivated, says why, and waits for an SDR
    assert "reactivated" in lead["flags"] and "reactivated" in lead["review"]["triggers"]
    assert any("last outcome was closed lost" in reason for reason in lead["reasons"])
    # AND the old lead carries the outcome for the retrospective reports
    history = call_api("GET", f"/leads/{old}").json()
    assert history["outcomes"][0]["outcome"] == "closed_lost"
    assert history["history"][-1]["event"] == "outcome_reported"


def test_a_person_silent_for_120_days_who_returns_is_reactivated(cloud: LocalCloud) -> None:
    # GIVEN pricing visits 120 days ago and nothing since
    old_visit = {"email": "ana@initech.io", "type": "page_view", "page_category": "pricing",
                 "occurred_at": _days_ago(120)}  # fmt: skip
    assert call_api("POST", "/events", old_visit).status == 202
    # WHEN the same person downloads content today
    lead = _settle(cloud, _submit(email="ana@initech.io", form="content_download"), SETTLED)
    # THEN the gap is named in the reasons
    assert "reactivated" in lead["flags"]
    # (the form was sent a minute ago, so the gap is 119 full days)
    assert any(re.search(r"no activity for 1(19|20) days", reason) for reason in lead["reasons"])


def test_outcome_reports_are_validated_and_idempotent(cloud: LocalCloud) -> None:
    lead_id = _submit(email="sam@hooli.io")
    assert call_api("POST", "/leads/ld_nope/outcome", {"outcome": "closed_won"}).status == 404
    bad = call_api("POST", f"/leads/{lead_id}/outcome", {"outcome": "won", "correct_route": "nurture"})
    assert bad.status == 422
    assert {d["field"] for d in bad.json()["details"]} >= {"outcome"}
    misrouted: dict[str, Any] = {"outcome": "disqualified", "misrouted": True, "correct_route": "nurture",
                                 "occurred_at": _days_ago(1)}  # fmt: skip
    first = call_api("POST", f"/leads/{lead_id}/outcome", misrouted).json()
    again = call_api("POST", f"/leads/{lead_id}/outcome", misrouted).json()
    assert first["outcomes"] == again["outcomes"] == 1
    lead = call_api("GET", f"/leads/{lead_id}").json()
    assert lead["outcomes"][0]["correct_route"] == "nurture"
    assert "misrouted (should have been nurture)" in lead["history"][-1]["detail"]


def test_a_person_long_in_nurture_who_asks_again_is_reactivated(cloud: LocalCloud) -> None:
    # GIVEN a newsletter signup 120 days ago that the rules sent to nurture
    old = _submit(
        email="mia@gmail.com", form="newsletter", title=None, company={}, submitted_at=_days_ago(120)
    )
    assert _settle(cloud, old, {"routed"})["route"]["action"] == "nurture"
    # WHEN the same person asks for a demo today
    lead = _settle(cloud, _submit(email="mia@gmail.com", form="demo_request"), {"pending_review"})
    # THEN the time in nurture is the reason a human looks first
    assert "reactivated" in lead["review"]["triggers"]
    assert any(re.search(r"in nurture for 1(19|20) days", reason) for reason in lead["reasons"])


def test_reported_outcomes_export_as_rows_to_retrain_on(cloud: LocalCloud, tmp_path: Path) -> None:
    # GIVEN two scored leads: one won, one disqualified after a meeting, and one not yet reported
    won = _submit(email="ada@umbrella.io", form="demo_request", company={"employees": 1200})
    lost = _submit(email="bo@umbrella.io", form="content_download")
    silent = _submit(email="cy@umbrella.io", form="newsletter")
    for lead_id in (won, lost, silent):
        _settle(cloud, lead_id, SETTLED)
    assert call_api("POST", f"/leads/{won}/outcome", {"outcome": "closed_won"}).status == 202
    for step in ({"outcome": "meeting_held", "occurred_at": _days_ago(2)},
                 {"outcome": "disqualified", "misrouted": True, "correct_route": "nurture"}):  # fmt: skip
        assert call_api("POST", f"/leads/{lost}/outcome", step).status == 202
    # WHEN the feedback is exported
    export = wiring.feedback_service().export()
    # THEN each reported lead is one row: the very record the model scored, and its final outcome
    rows = {row["lead_id"]: row for row in export.rows}
    assert set(rows) == {won, lost} and export.without_input == 0
    assert rows[won]["outcome"] == "closed_won" and rows[won]["company_employees"] == 1200
    assert rows[lost]["outcome"] == "disqualified" and rows[lost]["misrouted"] is True
    assert rows[lost]["correct_route"] == "nurture"
    # AND what was served beside it, for the retrospective
    served = call_api("GET", f"/leads/{won}").json()
    assert rows[won]["served_grade"] == served["scores"]["grade"]
    assert rows[won]["served_model_version"] == served["scores"]["model_version"]
    # AND the command RevOps runs against the stack's table writes the same rows as a CSV
    out = tmp_path / "feedback.csv"
    assert main(["feedback", "export", "--table", current_settings().leads_table, "--out", str(out)]) == 0
    with out.open(newline="") as file:
        exported = {row["lead_id"]: row for row in csv.DictReader(file)}
    assert set(exported) == {won, lost} and exported[won]["outcome"] == "closed_won"


def test_the_retrospective_report_over_live_leads(
    cloud: LocalCloud, api_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN two routed leads whose outcomes sales reported, one flagged as misrouted
    first = _submit(email="eve@soylent.io", form="demo_request")
    second = _submit(email="fay@gmail.com", form="newsletter", title=None, company={})
    route = _settle(cloud, second, {"routed"})["route"]
    _settle(cloud, first, SETTLED)
    assert call_api("POST", f"/leads/{first}/outcome", {"outcome": "closed_lost"}).status == 202
    flagged = {"outcome": "closed_won", "misrouted": True, "correct_route": "sdr_outreach"}
    assert call_api("POST", f"/leads/{second}/outcome", flagged).status == 202
    # WHEN RevOps asks for the retrospective
    report = call_api("GET", "/reports/retrospective").json()
    # THEN both leads are counted by grade, and the rule that misrouted the won deal is named
    assert (report["reported"], report["decided"], report["won"]) == (2, 2, 1)
    assert sum(g["decided"] for g in report["by_grade"]) == 2
    rule = next(r for r in report["by_rule"] if r["rule"] == route["rule"])
    assert rule["misrouted"] == 1 and report["corrections"] == {f"{route['action']} -> sdr_outreach": 1}
    # AND the command prints it in words
    assert main(["report", "--api", api_url]) == 0
    out = capsys.readouterr().out
    assert "2 leads with a reported outcome: 2 decided (1 won), 0 still open." in out
    assert f"{route['action']} -> sdr_outreach: 1" in out
    # AND a window that makes no sense is refused, naming the field
    bad = call_api("GET", "/reports/retrospective?since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z")
    assert bad.status == 422 and [d["field"] for d in bad.json()["details"]] == ["until"]
    assert call_api("GET", "/reports/retrospective?since=yesterday").status == 422


def test_the_console_reports_as_figures_as_charts_and_as_one_offline_file(
    cloud: LocalCloud, api_url: str, tmp_path: Path
) -> None:
    # GIVEN a routed lead whose outcome sales reported
    lead_id = _submit(email="gus@initech.io", form="demo_request")
    lead = _settle(cloud, lead_id, SETTLED)
    assert call_api("POST", f"/leads/{lead_id}/outcome", {"outcome": "closed_won"}).status == 202
    # WHEN RevOps reads the reports
    report = call_api("GET", "/reports").json()
    # THEN the retrospective and the flow come from the same leads
    assert (
        report["retrospective"]["won"] >= 1 and report["flow"]["leads"] >= report["retrospective"]["reported"]
    )
    if lead["sla"]:
        assert report["flow"]["time_to_route"]["count"] >= 1
    # AND the SDRs' review capacity is the policy's: 7 SDRs x 40 reviews a day
    assert report["flow"]["review_capacity_per_day"] == 7 * 40
    # AND asked for HTML, the API answers the charts as inline SVG with no script
    charts = call_api("GET", "/reports", headers={"Accept": "text/html"})
    assert charts.status == 200 and charts.headers["Content-Type"].startswith("text/html")
    assert charts.body.count("<svg") >= 9 and "<script" not in charts.body
    # AND `leadqual report --html` writes the same charts as one file that fetches nothing
    out = tmp_path / "report.html"
    assert main(["report", "--api", api_url, "--html", str(out)]) == 0
    written = out.read_text(encoding="utf-8")
    assert charts.body in written and "<style>" in written
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", written) and "@import" not in written
