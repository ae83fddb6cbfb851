"""Builds the raw record the feature specification reads, from what leadqual stores about a lead.

The synthetic history generator calls this too, so its CSV has exactly the columns serving builds.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from leadqual.domain.schemas.account import Account
from leadqual.domain.schemas.lead import Lead, LeadStatus
from leadqual.domain.schemas.vocabulary import EventType, FormType, PageCategory
from leadqual.domain.signals import BehaviourWindows, StoredEvent, StoredIntent

if TYPE_CHECKING:  # the ingest function builds records but never reads a specification
    from leadqual.domain.features.spec import FeatureSpec

SECONDS_PER_DAY = 86400.0

# Decayed counts of page views in the behaviour window, by page category.
PAGE_COLUMNS: dict[PageCategory, str] = {
    PageCategory.PRICING: "pricing_views",
    PageCategory.CASE_STUDY: "case_study_views",
    PageCategory.COMPETITOR_COMPARISON: "competitor_views",
    PageCategory.PRODUCT: "product_views",
    PageCategory.DOCS: "docs_views",
    PageCategory.BLOG: "blog_views",
}
# Decayed counts of other first-party events in the behaviour window.
EVENT_COLUMNS: dict[EventType, str] = {
    EventType.CONTENT_DOWNLOAD: "content_downloads",
    EventType.EMAIL_CLICK: "email_clicks",
    EventType.WEBINAR_ATTENDED: "webinars_attended",
    EventType.MEETING_BOOKED: "meetings_booked",
    EventType.PRODUCT_SIGNUP: "product_signups",
}


def _age_days(as_of: datetime, at: datetime) -> float:
    return (as_of - at).total_seconds() / SECONDS_PER_DAY


def behaviour_columns(
    events: Iterable[StoredEvent], as_of: datetime, windows: BehaviourWindows
) -> dict[str, float]:
    columns = dict.fromkeys([*PAGE_COLUMNS.values(), *EVENT_COLUMNS.values()], 0.0)
    recent_count = 0
    last_activity: datetime | None = None
    for event in events:
        age = _age_days(as_of, event.occurred_at)
        if age < -1e-9:  # after the moment being scored: not yet known then
            continue
        last_activity = event.occurred_at if last_activity is None else max(last_activity, event.occurred_at)
        if age * 24 <= windows.repeat_window_hours:
            recent_count += 1
        if age > windows.behaviour_window_days:
            continue
        weight = windows.decay(age)
        if event.type is EventType.PAGE_VIEW and event.page_category in PAGE_COLUMNS:
            columns[PAGE_COLUMNS[event.page_category]] += weight
        elif event.type in EVENT_COLUMNS:
            columns[EVENT_COLUMNS[event.type]] += weight
    columns["events_recent"] = float(recent_count)
    columns["days_since_last_activity"] = (
        float(windows.cold_after_days)
        if last_activity is None
        else min(float(windows.cold_after_days), _age_days(as_of, last_activity))
    )
    return columns


def intent_columns(
    intents: Iterable[StoredIntent], as_of: datetime, windows: BehaviourWindows
) -> dict[str, float]:
    max_score = 0.0
    surging_topics: set[str] = set()
    competitor = False
    for signal in intents:
        age = _age_days(as_of, signal.observed_at)
        if age < -1e-9:
            continue
        if age <= windows.intent_window_days:
            max_score = max(max_score, signal.score * windows.decay(age))
            if signal.score > windows.surge_threshold:
                surging_topics.add(signal.topic.lower())
        if signal.competitor and age <= windows.competitor_window_days:
            competitor = True
    return {
        "intent_max_score": max_score,
        "intent_surge_topics": float(len(surging_topics)),
        "competitor_researched": float(competitor),
    }


def serving_record(
    lead: Lead,
    account: Account | None,
    events: Iterable[StoredEvent],
    intents: Iterable[StoredIntent],
    windows: BehaviourWindows,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """The raw record for one lead at `as_of` (default: when it was submitted)."""
    moment = as_of or lead.submitted_at
    company = lead.company
    # RevOps-maintained account data wins over what a person typed into a form.
    employees = account.employees if account and account.employees is not None else company.employees
    revenue = (
        account.annual_revenue if account and account.annual_revenue is not None else company.annual_revenue
    )
    return {
        "submitted_at": moment.isoformat(),
        "email": lead.email,
        "title": lead.title,
        "form": lead.form.value,
        "source": lead.source,
        "company_employees": employees,
        "company_annual_revenue": revenue,
        "company_industry": (account.industry if account and account.industry else company.industry),
        "company_country": (account.country if account and account.country else company.country),
        "technologies": ";".join(account.technologies) if account else "",
        **behaviour_columns(events, moment, windows),
        **intent_columns(intents, moment, windows),
    }


@cache
def serving_columns() -> frozenset[str]:
    """The columns every serving record has: all that a deployed model's specification may read."""
    moment = datetime(2000, 1, 1, tzinfo=UTC)
    probe = Lead(
        lead_id="ld_probe", status=LeadStatus.RECEIVED, email="probe@example.com", account=None,
        form=FormType.OTHER, submitted_at=moment, received_at=moment,
    )  # fmt: skip
    return frozenset(serving_record(probe, None, [], [], BehaviourWindows()))


def unservable_columns(spec: FeatureSpec) -> list[str]:
    """Columns the specification reads that live leads never have (an export of another layout).

    Such a model can back-test exports of its own layout, but it would score every live lead as if
    those inputs were empty: it must never be deployed.
    """
    return sorted(set(spec.required_columns()) - serving_columns())
