"""Outcomes flow back onto the lead and make a cold account that returns 'reactivated'."""

import csv
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from leadqual import resources, wiring
from leadqual.adapters.aws_clients import client
from leadqual.adapters.dynamo_leads import DynamoLeadStore
from leadqual.domain.report_rows import report_row
from leadqual.domain.schemas.lead import OutcomeRecord, Route, Sla
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.vocabulary import OutcomeKind, RouteAction
from leadqual.settings import current_settings
from leadqual_tools.cli import main
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud
from tests.e2e.test_flow import _settle, _submit
from tests.fakes import a_lead

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


def test_the_reports_read_each_leads_row_from_the_index_a_month_at_a_time(cloud: LocalCloud) -> None:
    # GIVEN leads of 2019 either side of a month's end, stored as the flow stores them
    store = DynamoLeadStore(current_settings().leads_table)
    end_of_march = datetime(2019, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)
    moments = {"ld_rows_feb": datetime(2019, 2, 10, tzinfo=UTC), "ld_rows_mar": end_of_march,
               "ld_rows_apr": datetime(2019, 4, 1, tzinfo=UTC), "ld_rows_may": datetime(2019, 5, 2, tzinfo=UTC)}  # fmt: skip
    for lead_id, at in moments.items():
        store.create_lead(
            a_lead(lead_id, email=f"{lead_id}@rows.example.io", submitted_at=at, received_at=at)
        )
    # AND one of them is then scored, routed and reported won: each save rewrites its row
    found = store.get_lead_versioned("ld_rows_apr")
    assert found is not None
    lead, version = found
    lead.scores = Scores(
        conversion_probability=0.7, fit=80, engagement=60, intent=70, grade="A", model_version="m"
    )
    lead.route = Route(
        action=RouteAction.SDR_OUTREACH,
        owner="sam",
        rule="hot",
        decided_by="rules",
        routed_at=lead.submitted_at,
    )
    lead.sla = Sla(seconds_to_route=4.0)
    lead.outcomes = [
        OutcomeRecord(
            outcome=OutcomeKind.CLOSED_WON, occurred_at=lead.submitted_at, recorded_at=lead.submitted_at
        )
    ]
    store.save_lead(lead, version)
    # WHEN the reports read from the start of March to the start of May (until is left out)
    rows = {
        row.lead_id: row
        for row in store.report_rows(datetime(2019, 3, 1, tzinfo=UTC), datetime(2019, 5, 2, tzinfo=UTC))
    }
    # THEN the window's leads come back, the last microsecond of March and the first of April among them
    assert set(rows) == {"ld_rows_mar", "ld_rows_apr"}
    # AND a row says what its lead's last save said, and nothing the reports do not read
    assert rows["ld_rows_apr"] == report_row(lead)
    assert (rows["ld_rows_apr"].grade, rows["ld_rows_apr"].outcome, rows["ld_rows_apr"].rule) == (
        "A",
        "closed_won",
        "hot",
    )
    # AND a window open at its start reads the whole index
    everything = {row.lead_id for row in store.report_rows(None, datetime(2019, 6, 1, tzinfo=UTC))}
    assert everything >= set(moments)
    # AND so does a window of decades (one scan, not a query for each of its months), or one that
    # starts before the calendar does in UTC
    decades = store.report_rows(datetime(1990, 1, 1, tzinfo=UTC), datetime(2019, 3, 1, tzinfo=UTC))
    assert {row.lead_id for row in decades} >= {"ld_rows_feb"}
    first_day = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    assert {row.lead_id for row in store.report_rows(first_day, None)} >= set(moments)
    # AND the row is kept in the index alone, not the lead's document
    item = client("dynamodb").query(
        TableName=current_settings().leads_table, IndexName=resources.LEADS_REPORTS_INDEX,
        KeyConditionExpression="report_month = :m", ExpressionAttributeValues={":m": {"S": "2019-04"}},
    )["Items"][0]  # fmt: skip
    assert "doc" not in item and "report" in item


def test_leads_stored_before_the_reports_index_are_given_their_rows_once(
    cloud: LocalCloud, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a lead stored as a stack from before the reports index stored it: its document alone
    table = current_settings().leads_table
    at = datetime(2018, 7, 4, 12, tzinfo=UTC)
    old = a_lead("ld_before_index", email="old@rows.example.io", submitted_at=at, received_at=at)
    item = {"pk": {"S": "LEAD#ld_before_index"}, "sk": {"S": "LEAD"}, "doc": {"S": old.model_dump_json()},
            "version": {"N": "3"}}  # fmt: skip
    client("dynamodb").put_item(TableName=table, Item=item)
    store = DynamoLeadStore(table)
    window = (datetime(2018, 7, 1, tzinfo=UTC), datetime(2018, 8, 1, tzinfo=UTC))
    assert list(store.report_rows(*window)) == []
    # WHEN the platform engineer backfills the rows, twice
    assert main(["backfill-report-rows", "--table", table]) == 0
    assert main(["backfill-report-rows", "--table", table]) == 0
    # THEN the lead is in the reports, its document and version untouched, and the second run had nothing to do
    assert [row.lead_id for row in store.report_rows(*window)] == ["ld_before_index"]
    assert store.get_lead_versioned("ld_before_index") == (old, 3)
    first, second = capsys.readouterr().out.strip().splitlines()
    assert first.startswith("1 leads given") and second.startswith("0 leads given")
