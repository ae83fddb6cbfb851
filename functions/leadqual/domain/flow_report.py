"""How the flow treated leads, for RevOps: speed to lead, time in review, the review load against
the SDRs' capacity, and how often SDRs kept the route the rules suggested.

The retrospective (`feedback.py`) asks whether scores convert; this asks whether the flow is fast
and whether its human checkpoint is staffed. Both read only each lead's report row.
"""

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from leadqual.domain.report_rows import ReportRow
from leadqual.domain.schemas.alerts import ALERTED_ROUTES
from leadqual.domain.schemas.vocabulary import ReviewStatus

# The time buckets: each one's upper bound in seconds (exclusive) and its label.
TIME_BUCKETS: tuple[tuple[float, str], ...] = (
    (60, "under 1 min"),
    (5 * 60, "1-5 min"),
    (15 * 60, "5-15 min"),
    (60 * 60, "15-60 min"),
    (4 * 3600, "1-4 h"),
    (24 * 3600, "4-24 h"),
    (float("inf"), "over 1 day"),
)
HOUR = 3600.0
# What an SDR decided (an expired review was decided by its deadline, not by a person).
SDR_DECISIONS = (ReviewStatus.APPROVED, ReviewStatus.REJECTED, ReviewStatus.REROUTED)


def window_in_words(since: datetime | None, until: datetime | None) -> dict[str, str | None]:
    """A report's window as it answers it: ISO times, null for an open end."""
    return {"since": since.isoformat() if since else None, "until": until.isoformat() if until else None}


def time_distribution(seconds: Sequence[float]) -> dict[str, Any]:
    """Counts per bucket, the median and 90th percentile, and the share within the first hour."""
    counts = Counter(next(label for upper, label in TIME_BUCKETS if value < upper) for value in seconds)
    ordered = sorted(seconds)
    return {
        "count": len(ordered),
        "buckets": [{"label": label, "leads": counts[label]} for _, label in TIME_BUCKETS],
        "median_seconds": round(statistics.median(ordered), 1) if ordered else None,
        "p90_seconds": round(ordered[min(len(ordered) - 1, len(ordered) * 9 // 10)], 1) if ordered else None,
        "within_hour_share": round(sum(s < HOUR for s in ordered) / len(ordered), 4) if ordered else None,
    }


def acknowledgements(
    rows: Sequence[ReportRow], key: Callable[[ReportRow], str | None]
) -> list[dict[str, Any]]:
    """Per rep (or route): leads routed to them, how many were acknowledged and how fast, and how
    many had a first activity in the CRM and how fast."""
    groups: dict[str, list[ReportRow]] = {}
    for row in rows:
        name = key(row)
        if name is not None:
            groups.setdefault(name, []).append(row)
    figures = []
    for name, group in sorted(groups.items()):
        seconds = sorted(
            row.seconds_to_acknowledge for row in group if row.seconds_to_acknowledge is not None
        )
        timing = time_distribution(seconds)
        active = time_distribution(
            [row.seconds_to_first_activity for row in group if row.seconds_to_first_activity is not None]
        )
        figures.append({
            "key": name, "routed": len(group), "acknowledged": len(seconds),
            "median_seconds": timing["median_seconds"], "p90_seconds": timing["p90_seconds"],
            "within_hour_share": timing["within_hour_share"],
            "with_activity": active["count"], "activity_median_seconds": active["median_seconds"],
        })  # fmt: skip
    return figures


def flow_report(
    rows: Iterable[ReportRow],
    sdrs: int,
    reviews_per_sdr_per_day: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """The flow over leads submitted in the window; `sdrs` x `reviews_per_sdr_per_day` is the
    number of reviews the team can decide in a day."""
    window = [row for row in rows if row.submitted_within(since, until)]
    routed = [row for row in window if row.routed]
    reviewed = [row for row in window if row.review_status is not None]
    per_day = Counter(
        row.review_requested_at.date().isoformat() for row in reviewed if row.review_requested_at
    )
    capacity = sdrs * reviews_per_sdr_per_day
    statuses = Counter(row.review_status.value for row in reviewed if row.review_status)
    changed = Counter(
        f"{row.suggested_route.value} -> {row.route.value}"
        for row in reviewed
        if row.suggested_route and row.route and row.review_status in SDR_DECISIONS
        and row.route is not row.suggested_route
    )  # fmt: skip
    decided_by_sdr = sum(statuses[status.value] for status in SDR_DECISIONS)
    # Leads a person was told of: the routes whose owner is alerted (SDR outreach, the AE).
    told = [row for row in routed if row.route in ALERTED_ROUTES]
    return {
        "window": window_in_words(since, until),
        "leads": len(window),
        "routed": len(routed),
        "time_to_route": time_distribution(
            [row.seconds_to_route for row in routed if row.seconds_to_route is not None]
        ),
        "time_in_review": time_distribution(
            [row.seconds_in_review for row in routed if row.seconds_in_review is not None]
        ),
        "reviews_per_day": [{"day": day, "requested": per_day[day]} for day in sorted(per_day)],
        "review_capacity_per_day": capacity,
        "days_over_capacity": sum(count > capacity for count in per_day.values()),
        "review_decisions": {status.value: statuses[status.value] for status in ReviewStatus},
        "kept_suggestion_share": round(statuses[ReviewStatus.APPROVED.value] / decided_by_sdr, 4)
        if decided_by_sdr
        else None,
        "route_changes": dict(changed.most_common()),
        "time_to_acknowledge": time_distribution(
            [row.seconds_to_acknowledge for row in told if row.seconds_to_acknowledge is not None]
        ),
        "time_to_first_activity": time_distribution(
            [row.seconds_to_first_activity for row in told if row.seconds_to_first_activity is not None]
        ),
        "acknowledgement_by_rep": acknowledgements(told, lambda row: row.owner),
        "acknowledgement_by_route": acknowledgements(
            told, lambda row: row.route.value if row.route else None
        ),
    }
