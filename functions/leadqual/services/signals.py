"""First-party events, third-party intent and account profiles: POST /events, POST /intent, PUT /accounts."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from leadqual.domain.identity import normalize_domain
from leadqual.domain.ports import HoldIndex, LeadStore, ScoringQueue, SignalStore
from leadqual.domain.schemas.account import Account, AccountProfile
from leadqual.domain.schemas.inputs import BehaviourEvent, IntentSignal
from leadqual.domain.schemas.lead import Reevaluation
from leadqual.domain.schemas.shared import utc_now
from leadqual.domain.schemas.vocabulary import PageCategory
from leadqual.domain.signals import StoredEvent, StoredIntent

# Used when an event has a URL but no page_category.
URL_CATEGORIES: tuple[tuple[PageCategory, re.Pattern[str]], ...] = (
    (PageCategory.PRICING, re.compile(r"/(pricing|plans|price)")),
    (PageCategory.CASE_STUDY, re.compile(r"/(case-stud|customers|success-stor)")),
    (PageCategory.COMPETITOR_COMPARISON, re.compile(r"/(compare|vs-|alternative)")),
    (PageCategory.DOCS, re.compile(r"/(docs|documentation|api)")),
    (PageCategory.BLOG, re.compile(r"/(blog|articles|news)")),
    (PageCategory.CAREERS, re.compile(r"/(careers|jobs)")),
    (PageCategory.PRODUCT, re.compile(r"/(product|features|platform|solutions)")),
)


def category_for(event: BehaviourEvent) -> PageCategory | None:
    if event.page_category or not event.url:
        return event.page_category
    url = event.url.lower()
    return next((category for category, pattern in URL_CATEGORIES if pattern.search(url)), PageCategory.OTHER)


class UnknownLead(LookupError):
    pass


@dataclass
class SignalService:
    signals: SignalStore
    leads: LeadStore
    holds: HoldIndex
    scoring_queue: ScoringQueue

    def record_events(self, events: list[BehaviourEvent]) -> int:
        by_person: dict[str, list[StoredEvent]] = defaultdict(list)
        for event in events:
            by_person[self._person_key(event)].append(
                StoredEvent(type=event.type, page_category=category_for(event), occurred_at=event.occurred_at)
            )
        for person, stored in by_person.items():
            self.signals.add_events(person, stored)
        self._wake_held_leads(list(by_person), [])
        return len(events)

    def record_intent(self, signals: list[IntentSignal]) -> int:
        by_domain: dict[str, list[StoredIntent]] = defaultdict(list)
        for signal in signals:
            by_domain[signal.domain].append(StoredIntent(**signal.model_dump(exclude={"domain"})))
        for domain, stored in by_domain.items():
            self.signals.add_intents(domain, stored)
        self._wake_held_leads([], list(by_domain))
        return len(signals)

    def _wake_held_leads(self, person_keys: list[str], domains: list[str]) -> None:
        """Leads in `hold` for these people or accounts are scored and routed again (in the background)."""
        for lead_id in self.holds.held_for(person_keys, domains):
            self.scoring_queue.enqueue(lead_id, Reevaluation.NEW_SIGNALS)

    def put_account(self, domain: str, profile: AccountProfile) -> Account:
        account = Account(domain=normalize_domain(domain), updated_at=utc_now(), **profile.model_dump())
        self.signals.put_account(account)
        return account

    def _person_key(self, event: BehaviourEvent) -> str:
        if event.email:
            return event.email
        if event.lead_id:
            lead = self.leads.get_lead(event.lead_id)
            if lead is None:
                raise UnknownLead(event.lead_id)
            return lead.email
        return f"anon:{event.anonymous_id}"
