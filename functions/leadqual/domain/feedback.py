"""What sales reported, read back: training rows for retraining, and the retrospective report.

Both read the same thing per lead: the outcome sales reported (`final_outcome`), beside what
leadqual served (grade, probability, tier, route, rule). The retrospective asks the questions a
RevOps lead asks of a scoring system: do high grades convert more, do the probabilities match what
happened, and which rules send leads to the wrong place?
"""

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from leadqual.domain.flow_report import window_in_words
from leadqual.domain.report_rows import STILL_OPEN, ReportRow, final_outcome, report_row
from leadqual.domain.schemas.lead import Lead
from leadqual.domain.schemas.vocabulary import OutcomeKind

LABEL_COLUMN = "outcome"
GRADE_ORDER = ("A", "B", "C", "D")
# Under this many decided leads a group's conversion rate is flagged as too few to read.
FEW = 20
DECILES = 10


def feedback_row(lead: Lead) -> dict[str, Any]:
    """The model's input for this lead, its outcome, and what leadqual served (never features)."""
    if lead.model_input is None:
        raise ValueError(f"lead {lead.lead_id} keeps no model input")
    served = report_row(lead)  # what the reports read of it, the same fields the same way
    return {
        "lead_id": lead.lead_id,
        **lead.model_input,
        LABEL_COLUMN: final_outcome(lead.outcomes),
        "misrouted": served.misrouted,
        "correct_route": served.correct_route,
        "served_model_version": lead.scores.model_version if lead.scores else "",
        "served_probability": "" if served.probability is None else served.probability,
        "served_grade": served.grade or "",
        "served_tier": served.tier or "",
        "served_route": served.route.value if served.route else "",
        "served_rule": served.rule if served.rule is not None else "",
    }


class _Group:
    def __init__(self) -> None:
        self.reported = self.decided = self.won = self.misrouted = 0
        self.predicted = 0.0

    def add(self, row: ReportRow, outcome: str) -> None:
        self.reported += 1
        self.misrouted += row.misrouted
        if outcome == STILL_OPEN:
            return
        self.decided += 1
        self.won += outcome == OutcomeKind.CLOSED_WON.value
        self.predicted += row.probability or 0.0

    def figures(self, name: str, value: str) -> dict[str, Any]:
        return {
            name: value,
            "reported": self.reported,
            "decided": self.decided,
            "won": self.won,
            "conversion_rate": round(self.won / self.decided, 4) if self.decided else None,
            "mean_predicted": round(self.predicted / self.decided, 4) if self.decided else None,
            "misrouted": self.misrouted,
            "misroute_rate": round(self.misrouted / self.reported, 4) if self.reported else None,
            "too_few": self.decided < FEW,
        }


def _grouped(
    rows: Sequence[tuple[ReportRow, str]],
    key: Callable[[ReportRow], str],
    name: str,
    order: Sequence[str] = (),
) -> list[dict[str, Any]]:
    groups: dict[str, _Group] = defaultdict(_Group)
    for value in order:
        groups[value]  # every grade is listed, even one no reported lead had
    for row, outcome in rows:
        groups[key(row)].add(row, outcome)
    return [group.figures(name, value) for value, group in groups.items()]


def _grade_verdict(by_grade: list[dict[str, Any]]) -> str:
    """Whether conversion falls from grade A to D, as a score that works says it should."""
    readable = [g for g in by_grade if g["decided"] and not g["too_few"]]
    if len(readable) < 2:
        return f"Too few decided leads to judge the grades (need {FEW} in at least two grades)."
    inversions = [
        f"grade {high['grade']} converted {high['conversion_rate']:.0%}, below grade {low['grade']}'s "
        f"{low['conversion_rate']:.0%}"
        for high, low in itertools.pairwise(readable)
        if high["conversion_rate"] < low["conversion_rate"]
    ]
    if inversions:
        return "Grades do not rank conversion: " + "; ".join(inversions) + ". Consider `leadqual retrain`."
    top, bottom = readable[0], readable[-1]
    return (
        f"Grades rank conversion: grade {top['grade']} converted {top['conversion_rate']:.0%}, "
        f"grade {bottom['grade']} {bottom['conversion_rate']:.0%}."
    )


def retrospective(
    rows: Iterable[ReportRow], since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    """Conversion, calibration and misroutes by grade, tier, route and rule, over reported leads."""
    reported = [
        (row, row.outcome) for row in rows if row.outcome is not None and row.submitted_within(since, until)
    ]
    by_grade = _grouped(reported, lambda row: row.grade or "unscored", "grade", GRADE_ORDER)
    corrections: dict[str, int] = defaultdict(int)
    for row, _ in reported:
        if row.route and row.correct_route:
            corrections[f"{row.route.value} -> {row.correct_route}"] += 1
    decided = [outcome for _, outcome in reported if outcome != STILL_OPEN]
    by_decile = _by_decile(reported)
    return {
        "window": window_in_words(since, until),
        "reported": len(reported),
        "decided": len(decided),
        "won": decided.count(OutcomeKind.CLOSED_WON.value),
        "open": len(reported) - len(decided),
        "verdict": _grade_verdict(by_grade),
        "by_grade": by_grade,
        "by_tier": _grouped(reported, lambda row: row.tier or "none", "tier"),
        "by_route": _grouped(reported, lambda row: row.route.value if row.route else "none", "route"),
        "by_rule": _grouped(reported, lambda row: row.rule or "none", "rule"),
        "corrections": dict(sorted(corrections.items(), key=lambda item: -item[1])),
        "by_decile": by_decile,
        "lift": _lift(by_decile),
    }


def _by_decile(reported: Sequence[tuple[ReportRow, str]]) -> list[dict[str, Any]]:
    """Decided, scored leads in ten equal groups by predicted probability, highest first: the
    calibration curve (mean predicted against converted) and the lift read off the same groups."""
    scored = sorted(
        ((row.probability, outcome) for row, outcome in reported
         if row.probability is not None and outcome != STILL_OPEN),
        key=lambda pair: -pair[0],
    )  # fmt: skip
    deciles = []
    for index in range(DECILES):
        part = scored[len(scored) * index // DECILES : len(scored) * (index + 1) // DECILES]
        won = sum(outcome == OutcomeKind.CLOSED_WON.value for _, outcome in part)
        deciles.append({
            "decile": index + 1,
            "decided": len(part),
            "won": won,
            "conversion_rate": round(won / len(part), 4) if part else None,
            "mean_predicted": round(sum(p for p, _ in part) / len(part), 4) if part else None,
            "lowest_predicted": round(part[-1][0], 4) if part else None,
        })  # fmt: skip
    return deciles


def _lift(by_decile: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """How many times the top decile converts over the middle two (the 5th and 6th): whether the
    leads a score puts first are worth an SDR's first hour."""
    top = by_decile[0] if by_decile else None
    middle = [d for d in by_decile[4:6] if d["decided"]]
    middle_won, middle_decided = sum(d["won"] for d in middle), sum(d["decided"] for d in middle)
    middle_rate = middle_won / middle_decided if middle_decided else None
    top_rate = top["conversion_rate"] if top else None
    return {
        "top_decile_rate": top_rate,
        "middle_rate": round(middle_rate, 4) if middle_rate is not None else None,
        "lift": round(top_rate / middle_rate, 2) if top_rate is not None and middle_rate else None,
        "too_few": (top["decided"] if top else 0) < FEW or middle_decided < FEW,
    }


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def retrospective_in_words(report: dict[str, Any]) -> list[str]:
    """The report as a RevOps lead reads it: the verdict, then one table per way of slicing."""
    lines = [
        f"{report['reported']} leads with a reported outcome: {report['decided']} decided "
        f"({report['won']} won), {report['open']} still open.",
        report["verdict"],
    ]
    for title, key in (("grade", "grade"), ("tier", "tier"), ("route", "route"), ("rule", "rule")):
        lines += ["", f"By {title}:", f"  {title:<34} {'decided':>7} {'won':>5} {'converted':>9} {'predicted':>9} "
                  f"{'misrouted':>9}"]  # fmt: skip
        for group in report[f"by_{key}"]:
            lines.append(
                f"  {group[key]:<34} {group['decided']:>7} {group['won']:>5} "
                f"{_percent(group['conversion_rate']):>9} {_percent(group['mean_predicted']):>9} "
                f"{_percent(group['misroute_rate']):>9}{'  (few leads)' if group['too_few'] and group['decided'] else ''}"
            )
    if report["corrections"]:
        lines += ["", "Misroutes sales corrected (served -> should have been):"]
        lines += [f"  {change}: {count}" for change, count in report["corrections"].items()]
    return lines
