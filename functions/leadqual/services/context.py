"""Gathers what is known about a lead (account, behaviour, intent, past touches) from the signal store."""

from __future__ import annotations

from typing import NamedTuple

from leadqual.domain.ports import SignalStore
from leadqual.domain.schemas.account import Account
from leadqual.domain.schemas.lead import Lead
from leadqual.domain.schemas.vocabulary import RouteAction
from leadqual.domain.signals import PastTouch, StoredEvent, StoredIntent


class LeadSignals(NamedTuple):
    account: Account | None
    events: list[StoredEvent]
    intents: list[StoredIntent]


def person_keys(lead: Lead) -> list[str]:
    """Events are kept per e-mail, and per anonymous visitor until a form links them."""
    keys = [lead.email]
    if lead.anonymous_id:
        keys.append(f"anon:{lead.anonymous_id}")
    return keys


def gather_signals(lead: Lead, signals: SignalStore) -> LeadSignals:
    account = signals.get_account(lead.account) if lead.account else None
    events = signals.events_for(person_keys(lead))
    intents = signals.intents_for(lead.account) if lead.account else []
    return LeadSignals(account=account, events=events, intents=intents)


def past_touches(lead: Lead, signals: SignalStore) -> list[PastTouch]:
    """Earlier leads and reported outcomes of this person or account, before this lead arrived."""
    return [
        t
        for t in signals.touches_for(person_keys(lead), lead.account)
        if t.lead_id != lead.lead_id or t.outcome is not None
        if t.at < lead.submitted_at
    ]


def record_touch(lead: Lead, signals: SignalStore, route: RouteAction | None = None) -> None:
    # Same key with or without the route: the routed touch replaces the first one.
    touch = PastTouch(lead_id=lead.lead_id, at=lead.submitted_at, route=route)
    signals.add_touch(person_keys(lead), lead.account, touch)
