from datetime import UTC, datetime

from leadqual.domain.feedback import retrospective
from leadqual.domain.report_rows import final_outcome
from leadqual.domain.schemas.lead import Lead, LeadStatus, OutcomeRecord
from leadqual.domain.schemas.vocabulary import FormType, OutcomeKind, RouteAction
from tests.fakes import report_rows_of


def _on(kind: OutcomeKind, day: int) -> OutcomeRecord:
    moment = datetime(2026, 11, day, tzinfo=UTC)
    return OutcomeRecord(outcome=kind, occurred_at=moment, recorded_at=moment)


def test_the_outcome_a_model_learns_from() -> None:
    # A meeting is a step, not an outcome: the lead stays open, left out of training until it closes
    assert final_outcome([_on(OutcomeKind.MEETING_HELD, 1)]) == "open"
    # The latest decision counts (reported out of order), and a won deal is the answer whatever follows
    assert (
        final_outcome([_on(OutcomeKind.DISQUALIFIED, 2), _on(OutcomeKind.CLOSED_LOST, 1)]) == "disqualified"
    )
    assert final_outcome([_on(OutcomeKind.CLOSED_WON, 1), _on(OutcomeKind.CLOSED_LOST, 3)]) == "closed_won"


def _reported(
    grade: str, probability: float, outcome: OutcomeKind, rule: str = "r1", **extra: object
) -> Lead:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    return Lead.model_validate({
        "lead_id": f"ld_{grade}{probability}{outcome.value}{rule}", "status": LeadStatus.ROUTED,
        "email": "a@b.io", "account": "b.io", "form": FormType.DEMO_REQUEST, "submitted_at": now,
        "received_at": now, "tier": "enterprise",
        "scores": {"conversion_probability": probability, "fit": 50, "engagement": 50, "intent": 50,
                   "grade": grade, "model_version": "m1"},
        "route": {"action": RouteAction.NURTURE if rule == "nurture-rule" else RouteAction.SDR_OUTREACH,
                  "owner": "sam", "rule": rule, "decided_by": "rules", "routed_at": now},
        "outcomes": [{"outcome": outcome, "occurred_at": now, "recorded_at": now, **extra}],
    })  # fmt: skip


def test_the_retrospective_says_whether_grades_convert_and_where_rules_misroute() -> None:
    won, lost = OutcomeKind.CLOSED_WON, OutcomeKind.CLOSED_LOST
    # GIVEN 25 grade-A leads of which 15 won, and 25 grade-D leads of which 2 won, one of them
    # sent to nurture and flagged by sales as misrouted
    leads = [_reported("A", 0.6, won if i < 15 else lost, rule=f"r{i}") for i in range(25)]
    leads += [_reported("D", 0.05, lost, rule=f"d{i}") for i in range(23)]
    leads += [_reported("D", 0.05, won, rule=f"w{i}") for i in range(1)]
    leads += [_reported("D", 0.05, won, rule="nurture-rule", misrouted=True, correct_route="sdr_outreach")]
    leads += [_reported("B", 0.3, OutcomeKind.MEETING_HELD)]  # a step, not an outcome: still open
    # WHEN the retrospective is made
    report = retrospective(report_rows_of(leads))
    # THEN conversion by grade is measured against what was predicted, and the grades rank it
    grades = {g["grade"]: g for g in report["by_grade"]}
    assert (grades["A"]["decided"], grades["A"]["won"], grades["A"]["conversion_rate"]) == (25, 15, 0.6)
    assert grades["A"]["mean_predicted"] == 0.6 and grades["D"]["conversion_rate"] == 0.08
    assert grades["C"]["decided"] == 0 and grades["B"]["reported"] == 1 and report["open"] == 1
    assert report["verdict"] == "Grades rank conversion: grade A converted 60%, grade D 8%."
    # AND the rule that sent a won deal to nurture is named with its misroute and its correction
    nurture = next(r for r in report["by_rule"] if r["rule"] == "nurture-rule")
    assert nurture["misrouted"] == 1 and nurture["misroute_rate"] == 1.0
    assert report["corrections"] == {"nurture -> sdr_outreach": 1}
    # AND a window keeps only the leads submitted in it
    assert retrospective(report_rows_of(leads), since=datetime(2026, 11, 21, tzinfo=UTC))["reported"] == 0


def test_grades_that_do_not_rank_conversion_are_called_out() -> None:
    leads = [
        _reported("A", 0.6, OutcomeKind.CLOSED_WON if i < 5 else OutcomeKind.CLOSED_LOST) for i in range(20)
    ]
    leads += [
        _reported("B", 0.3, OutcomeKind.CLOSED_WON if i < 10 else OutcomeKind.CLOSED_LOST) for i in range(20)
    ]
    verdict = retrospective(report_rows_of(leads))["verdict"]
    assert verdict.startswith("Grades do not rank conversion: grade A converted 25%, below grade B's 50%")
