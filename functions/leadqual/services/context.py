"""Gathers what is known about a lead (account, behaviour, intent) from the signal store."""

from __future__ import annotations

from dataclasses import dataclass

from leadqual.domain.models import Account, Lead
from leadqual.domain.ports import SignalStore
from leadqual.domain.signals import StoredEvent, StoredIntent


@dataclass(frozen=True)
class LeadSignals:
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
