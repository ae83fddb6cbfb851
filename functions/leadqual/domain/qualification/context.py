"""What qualification looks at: the lead, its scores, its account and signals, summarised for the SDR."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from leadqual.domain.schemas.account import Account
from leadqual.domain.schemas.lead import Lead
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.vocabulary import EventType, OutcomeKind
from leadqual.domain.signals import StoredEvent, StoredIntent


@dataclass(frozen=True)
class QualificationContext:
    lead: Lead
    scores: Scores
    account: Account | None
    events: Sequence[StoredEvent] = ()
    intents: Sequence[StoredIntent] = ()
    # Earlier touches of this person or account (previous submissions, outcomes) beyond `events`.
    prior_activity: Sequence[datetime] = ()
    last_outcome: OutcomeKind | None = None
    # When the person's or account's latest earlier lead went to nurture (None if it went elsewhere).
    nurtured_since: datetime | None = None
    # A held lead is evaluated again later, on what is known then.
    evaluated_at: datetime | None = None

    @property
    def as_of(self) -> datetime:
        return self.evaluated_at or self.lead.submitted_at


def _age(delta: timedelta) -> str:
    if delta < timedelta(hours=1):
        return "just now"
    if delta < timedelta(days=1):
        return f"{delta.seconds // 3600} h ago"
    return f"{delta.days} d ago"


def behaviour_summary(context: QualificationContext, window: timedelta) -> list[str]:
    """First-party behaviour in the window, by kind, most frequent first: '3 pricing page views, last 2 d ago'."""
    as_of = context.as_of
    by_kind: dict[str, list[datetime]] = {}
    for event in context.events:
        if timedelta(0) <= as_of - event.occurred_at <= window:
            kind = (
                f"{event.page_category.value.replace('_', ' ')} page view"
                if event.type is EventType.PAGE_VIEW and event.page_category
                else event.type.value.replace("_", " ")
            )
            by_kind.setdefault(kind, []).append(event.occurred_at)
    ranked = sorted(by_kind.items(), key=lambda item: (-len(item[1]), item[0]))
    return [f"{len(times)} x {kind}, last {_age(as_of - max(times))}" for kind, times in ranked]


def intent_summary(context: QualificationContext, window: timedelta) -> list[str]:
    """The account's third-party research topics in the window, strongest first. Their scores are
    the intent provider's (0-100 per topic), worded so, beside the model's intent sub-score (a
    percentile among past leads) they are not read as the same number."""
    as_of = context.as_of
    strongest: dict[str, StoredIntent] = {}
    for signal in context.intents:
        if timedelta(0) <= as_of - signal.observed_at <= window:
            best = strongest.get(signal.topic)
            if best is None or signal.score > best.score:
                strongest[signal.topic] = signal
    ranked = sorted(strongest.values(), key=lambda s: (-s.score, s.topic))
    return [
        f"{s.topic} (provider score {s.score:.0f}/100, {_age(as_of - s.observed_at)}"
        + (f", compared {s.competitor})" if s.competitor else ")")
        for s in ranked
    ]
