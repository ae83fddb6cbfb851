"""The reports as charts: inline SVG drawn here, on the server, so they need no script, no charting
library and no network (the console's page and `leadqual report --html` show the same markup).

Every text that reaches the markup is escaped. The reports hold aggregates and names from the
policy, never a lead's own text, but escaping all of it keeps that true if they ever do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

WIDTH = 560
BAR_ROW = 22  # height of one row of a horizontal bar chart
PLOT_HEIGHT = 160


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # the bar (a share, or a count)
    marker: float | None = None  # a tick across it: what the model predicted
    note: str = ""  # shown on hover and to screen readers


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _shown(value: float, shares: bool) -> str:
    return _percent(value) if shares else f"{value:g}"


def _tip(bar: Bar, shares: bool) -> str:
    """What a bar says on hover and to a screen reader."""
    shown = _shown(bar.value, shares) if bar.value is not None else "-"
    return f"<title>{escape(bar.label)}: {escape(shown)}{escape(bar.note)}</title>"


def _svg(height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>{"".join(body)}</svg>'
    )


def columns(label: str, bars: Sequence[Bar], *, scale: float | None = None, shares: bool = True,
            reference: tuple[float, str] | None = None) -> str:  # fmt: skip
    """Vertical bars with an optional predicted tick on each and a horizontal reference line
    (a capacity, say); `scale` is the top of the axis (the largest value if not given)."""
    values = [v for bar in bars for v in (bar.value, bar.marker) if v is not None]
    top = scale or max([*values, reference[0] if reference else 0, 1e-9])
    left, bottom, plot = 44, PLOT_HEIGHT + 12, WIDTH - 56
    step = plot / max(len(bars), 1)
    body = [
        f'<line class="axis" x1="{left}" y1="{bottom}" x2="{left + plot}" y2="{bottom}"/>',
        f'<text class="tick" x="{left - 6}" y="{bottom - PLOT_HEIGHT + 4}" text-anchor="end">'
        f"{escape(_percent(top) if shares else f'{top:g}')}</text>",
        f'<text class="tick" x="{left - 6}" y="{bottom + 4}" text-anchor="end">0</text>',
    ]
    for index, bar in enumerate(bars):
        x = left + index * step
        if bar.value is not None:
            height = PLOT_HEIGHT * bar.value / top
            body.append(
                f'<rect class="bar" x="{x + step * 0.15:.1f}" y="{bottom - height:.1f}" '
                f'width="{step * 0.7:.1f}" height="{height:.1f}">{_tip(bar, shares)}</rect>'
            )
        if bar.marker is not None:
            y = bottom - PLOT_HEIGHT * bar.marker / top
            body.append(
                f'<line class="predicted" x1="{x + step * 0.08:.1f}" y1="{y:.1f}" x2="{x + step * 0.92:.1f}" '
                f'y2="{y:.1f}"><title>{escape(bar.label)}: predicted {_percent(bar.marker)}</title></line>'
            )
        body.append(
            f'<text class="label" x="{x + step / 2:.1f}" y="{bottom + 16}" text-anchor="middle">'
            f"{escape(bar.label)}</text>"
        )
    if reference is not None:
        y = bottom - PLOT_HEIGHT * reference[0] / top
        body.append(
            f'<line class="reference" x1="{left}" y1="{y:.1f}" x2="{left + plot}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{left + plot}" y="{y - 4:.1f}" text-anchor="end">{escape(reference[1])}</text>'
        )
    return _svg(bottom + 28, label, body)


def rows(label: str, bars: Sequence[Bar], *, shares: bool = True) -> str:
    """Horizontal bars, one row per group (tiers, routes, rules: names too long to stand under a column)."""
    values = [v for bar in bars for v in (bar.value, bar.marker) if v is not None]
    top = max([*values, 1e-9])
    left, plot = 230, WIDTH - 230 - 60
    body = []
    for index, bar in enumerate(bars):
        y = 4 + index * BAR_ROW
        body.append(
            f'<text class="label" x="{left - 8}" y="{y + 14}" text-anchor="end">{escape(bar.label)}</text>'
        )
        if bar.value is not None:
            width = plot * bar.value / top
            body.append(
                f'<rect class="bar" x="{left}" y="{y + 3}" width="{width:.1f}" height="{BAR_ROW - 8}">'
                f"{_tip(bar, shares)}</rect>"
                f'<text class="value" x="{left + width + 6:.1f}" y="{y + 14}">{escape(_shown(bar.value, shares))}</text>'
            )
        if bar.marker is not None:
            x = left + plot * bar.marker / top
            body.append(
                f'<line class="predicted" x1="{x:.1f}" y1="{y + 1}" x2="{x:.1f}" y2="{y + BAR_ROW - 3}">'
                f"<title>{escape(bar.label)}: predicted {_percent(bar.marker)}</title></line>"
            )
    return _svg(8 + len(bars) * BAR_ROW, label, body)


def _figure(title: str, chart: str, caption: str) -> str:
    return (
        f'<figure class="report-chart"><h3>{escape(title)}</h3>{chart}'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def _table(title: str, headings: Sequence[str], table_rows: Sequence[Sequence[str]], empty: str) -> str:
    if not table_rows:
        table = f'<p class="quiet">{escape(empty)}</p>'
    else:
        head = "".join(f"<th>{escape(h)}</th>" for h in headings)
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in table_rows)
        table = f'<table class="report-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return f'<div class="report-chart"><h3>{escape(title)}</h3>{table}</div>'


def _converted(groups: Sequence[dict[str, Any]], key: str) -> list[Bar]:
    return [
        Bar(
            str(group[key]),
            group["conversion_rate"],
            group["mean_predicted"],
            f" of {group['decided']} decided"
            + (" (few leads)" if group["too_few"] and group["decided"] else ""),
        )
        for group in groups
    ]


def _misroutes(groups: Sequence[dict[str, Any]], key: str) -> list[Bar]:
    return [
        Bar(str(group[key]), group["misroute_rate"], note=f" ({group['misrouted']} of {group['reported']})")
        for group in groups
        if group["reported"]
    ]


def _timings(title: str, distribution: dict[str, Any], what: str) -> str:
    """A time distribution: leads per bucket, with its median and 90th percentile in words."""
    bars = [Bar(bucket["label"], bucket["leads"], note=" leads") for bucket in distribution["buckets"]]
    return _figure(
        title,
        columns(title, bars, shares=False),
        f"{what} Median {_duration(distribution['median_seconds'])}, "
        f"90th percentile {_duration(distribution['p90_seconds'])}.",
    )


def _headline(figures: Sequence[tuple[str, str]]) -> str:
    cells = "".join(
        f'<div class="figure"><span class="figure-value">{escape(value)}</span>'
        f'<span class="figure-label">{escape(name)}</span></div>'
        for name, value in figures
    )
    return f'<div class="figures">{cells}</div>'


def report_html(report: dict[str, Any]) -> str:
    """The console's reports (GET /reports) as one HTML fragment: headline figures, then charts."""
    retro, flow = report["retrospective"], report["flow"]
    lift = retro["lift"]
    deciles = retro["by_decile"]
    review_days = flow["reviews_per_day"]
    capacity = flow["review_capacity_per_day"]
    decisions = flow["review_decisions"]
    parts = [
        '<section class="report" aria-label="Do high scores convert?"><h2>Do high scores convert?</h2>',
        _headline(
            [
                ("leads with an outcome", str(retro["reported"])),
                ("decided", str(retro["decided"])),
                ("won", str(retro["won"])),
                ("top decile over middle", f"{lift['lift']:.1f}x" if lift["lift"] is not None else "-"),
            ]
        ),  # fmt: skip
        f'<p class="verdict">{escape(retro["verdict"])}</p>',
        _figure(
            "Conversion by score decile",
            columns(
                "Conversion by score decile",
                [
                    Bar(
                        f"{d['decile']}",
                        d["conversion_rate"],
                        d["mean_predicted"],
                        f" of {d['decided']} decided",
                    )
                    for d in deciles
                ],
            ),  # fmt: skip
            "Bars: share of decided leads that closed won, highest-scored tenth first. Ticks: the mean "
            "probability the model gave them; a calibrated model's ticks sit on the bars' tops. "
            f"Top decile {_percent(lift['top_decile_rate'])}, middle (5th and 6th) {_percent(lift['middle_rate'])}"
            + (" (too few leads to read)" if lift["too_few"] else "."),
        ),
        _figure(
            "Conversion by grade",
            columns("Conversion by grade", _converted(retro["by_grade"], "grade")),
            "Bars: converted; ticks: predicted. A score that works converts most in A and least in D.",
        ),
        *(
            _figure(
                f"Conversion by {key}",
                rows(f"Conversion by {key}", _converted(retro[f"by_{key}"], key)),
                "Bars: converted; ticks: predicted.",
            )
            for key in ("tier", "route", "rule")
        ),  # fmt: skip
        _figure(
            "Misroutes by rule",
            rows("Misroutes by rule", _misroutes(retro["by_rule"], "rule")),
            "Share of each rule's leads that sales reported as sent to the wrong place.",
        ),
        _table(
            "Sales' corrections",
            ("served", "should have been", "leads"),
            [(*change.split(" -> ", 1), str(count)) for change, count in retro["corrections"].items()],
            "No route corrected by sales in this window.",
        ),
        "</section>",
        '<section class="report" aria-label="Speed to lead and the review load">'
        "<h2>Speed to lead and the review load</h2>",
        _headline(
            [
                ("leads submitted", str(flow["leads"])),
                ("routed", str(flow["routed"])),
                ("median time to route", _duration(flow["time_to_route"]["median_seconds"])),
                ("routed within the hour", _percent(flow["time_to_route"]["within_hour_share"])),
                ("SDRs kept the suggestion", _percent(flow["kept_suggestion_share"])),
            ]
        ),  # fmt: skip
        _timings("Time to route", flow["time_to_route"], "From receipt to the route, every routed lead."),
        _timings(
            "Time in review",
            flow["time_in_review"],
            "From the review's request to its decision (or its deadline).",
        ),
        _figure(
            "Reviews requested per day",
            columns(
                "Reviews requested per day",
                [Bar(day["day"][5:], day["requested"], note=" reviews") for day in review_days[-31:]],
                shares=False,
                reference=(capacity, f"capacity {capacity}/day") if capacity else None,
            ),
            f"Line: what the SDRs can decide in a day ({capacity}). Days over it: {flow['days_over_capacity']}.",
        ),
        _figure(
            "Review decisions",
            columns(
                "Review decisions",
                [Bar(status, count, note=" reviews") for status, count in decisions.items()],
                shares=False,
            ),
            "Approved keeps the suggested route; rejected and rerouted change it; expired went to the "
            "escalation at the deadline.",
        ),
        _table(
            "Routes SDRs changed",
            ("suggested", "decided", "reviews"),
            [(*change.split(" -> ", 1), str(count)) for change, count in flow["route_changes"].items()],
            "No suggested route changed by an SDR in this window.",
        ),
        "</section>",
        '<section class="report" aria-label="Nobody lets a lead go cold"><h2>Nobody lets a lead go cold</h2>',
        _headline(
            [
                ("acknowledged", str(flow["time_to_acknowledge"]["count"])),
                ("median time to acknowledge", _duration(flow["time_to_acknowledge"]["median_seconds"])),
                ("acknowledged within the hour", _percent(flow["time_to_acknowledge"]["within_hour_share"])),
                (
                    "median time to first CRM activity",
                    _duration(flow["time_to_first_activity"]["median_seconds"]),
                ),
            ]
        ),  # fmt: skip
        _timings(
            "Time to acknowledge",
            flow["time_to_acknowledge"],
            "From the route to the owner's acknowledgement (in Slack, by the e-mail's link, or activity on "
            "the CRM record), for SDR outreach and AE routes.",
        ),  # fmt: skip
        *(
            _table(
                f"Time to acknowledge, per {what}",
                (
                    what,
                    "routed",
                    "acknowledged",
                    "median",
                    "90th percentile",
                    "within the hour",
                    "with CRM activity",
                    "median to first activity",
                ),
                [
                    (
                        row["key"],
                        str(row["routed"]),
                        str(row["acknowledged"]),
                        _duration(row["median_seconds"]),
                        _duration(row["p90_seconds"]),
                        _percent(row["within_hour_share"]),
                        str(row["with_activity"]),
                        _duration(row["activity_median_seconds"]),
                    )
                    for row in flow[key]
                ],
                f"No lead routed to a {what} in this window.",
            )  # fmt: skip
            for what, key in (("rep", "acknowledgement_by_rep"), ("route", "acknowledgement_by_route"))
        ),
        "</section>",
    ]
    return "".join(parts)


def standalone_report(report: dict[str, Any], styles: str, title: str = "leadqual reports") -> str:
    """One self-contained HTML file (`leadqual report --html`): the same fragment with its styles."""
    window = report["flow"]["window"]
    span = f"{window['since'] or 'the first lead'} to {window['until'] or 'now'}"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{styles}</style></head>"
        f'<body><main class="reports"><h1>{escape(title)}</h1><p class="quiet">Leads submitted from {escape(span)}.</p>'
        f"{report_html(report)}</main></body></html>"
    )
