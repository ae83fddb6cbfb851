"""In-memory stand-ins for the ports (domain/ports.py), for service tests that need no AWS at all.

Each keeps what a test asserts on (reads, saves, starts) and behaves as its adapter promises:
versions conflict as DynamoDB's conditional writes do, a workflow name starts once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from leadqual.domain.ports import ConflictError
from leadqual.domain.report_rows import ReportRow, report_row
from leadqual.domain.schemas.account import Account
from leadqual.domain.schemas.decision import RoutingDecision
from leadqual.domain.schemas.lead import Lead, LeadStatus
from leadqual.domain.schemas.messages import LeadRouted
from leadqual.domain.schemas.review import Review
from leadqual.domain.schemas.vocabulary import FormType, RouteAction
from leadqual.domain.signals import PastTouch, StoredEvent, StoredIntent


def a_lead(lead_id: str = "ld_a1", **fields: Any) -> Lead:
    """A received lead, as ingest stores it; override any field."""
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "lead_id": lead_id,
        "status": LeadStatus.RECEIVED,
        "email": f"{lead_id}@northwind.io",
        "account": "northwind.io",
        "title": "VP of Operations",
        "form": FormType.DEMO_REQUEST,
        "submitted_at": now - timedelta(minutes=1),
        "received_at": now,
    }
    values.update(fields)
    return Lead(**values)


def report_rows_of(leads: list[Lead]) -> list[ReportRow]:
    """What the reports read of each lead: the row its adapter stores beside it."""
    return [report_row(lead) for lead in leads]


@dataclass
class InMemoryLeads:
    """The lead half of LeadStore: versioned reads and conditional saves."""

    leads: dict[str, tuple[Lead, int]] = field(default_factory=dict)
    reads: Counter[str] = field(default_factory=Counter)
    saves: Counter[str] = field(default_factory=Counter)

    def add(self, *leads: Lead) -> InMemoryLeads:
        for lead in leads:
            self.leads[lead.lead_id] = (lead.model_copy(deep=True), 1)
        return self

    def get_lead_versioned(self, lead_id: str) -> tuple[Lead, int] | None:
        self.reads[lead_id] += 1
        found = self.leads.get(lead_id)
        return None if found is None else (found[0].model_copy(deep=True), found[1])

    def get_lead(self, lead_id: str) -> Lead | None:
        found = self.get_lead_versioned(lead_id)
        return None if found is None else found[0]

    def get_leads(self, lead_ids: list[str]) -> dict[str, Lead]:
        return {i: lead for i in lead_ids if (lead := self.get_lead(i)) is not None}

    def save_lead(self, lead: Lead, expected_version: int) -> int:
        if self.leads[lead.lead_id][1] != expected_version:
            raise ConflictError(f"lead {lead.lead_id} changed since version {expected_version}")
        self.saves[lead.lead_id] += 1
        self.leads[lead.lead_id] = (lead.model_copy(deep=True), expected_version + 1)
        return expected_version + 1


@dataclass
class InMemoryDecisions:
    """The routing half of DecisionStore: the decisions kept beside each lead, one per evaluation;
    no reviews (the routing tests take no human checkpoint)."""

    decisions: dict[tuple[str, int], RoutingDecision] = field(default_factory=dict)
    # Reviews by id, with their version and task token (none unless a test puts one).
    reviews: dict[str, tuple[Review, int, str]] = field(default_factory=dict)

    def save_decision(self, decision: RoutingDecision) -> None:
        self.decisions[(decision.lead_id, decision.evaluation)] = decision.model_copy(deep=True)

    def get_decision(self, lead_id: str, evaluation: int) -> RoutingDecision | None:
        return self.decisions.get((lead_id, evaluation))

    def get_review(self, review_id: str) -> tuple[Review, int, str] | None:
        return self.reviews.get(review_id)


@dataclass
class NoSignals:
    """A SignalStore that knows nothing about anyone: no account, behaviour, intent or history.
    It keeps the touches it is told of, which is all routing and dispatch write."""

    touches: list[PastTouch] = field(default_factory=list)
    accounts: dict[str, Account] = field(default_factory=dict)  # none unless a test puts one

    def add_touch(self, person_keys: Any, domain: str | None, touch: PastTouch) -> None:
        self.touches.append(touch)

    def put_account(self, account: Account) -> None:
        self.accounts[account.domain] = account

    def get_account(self, domain: str) -> Account | None:
        return self.accounts.get(domain)

    def events_for(self, person_keys: Any) -> list[StoredEvent]:
        return []

    def intents_for(self, domain: str) -> list[StoredIntent]:
        return []

    def touches_for(self, person_keys: Any, domain: str | None) -> list[PastTouch]:
        return []


@dataclass
class RecordingScoringQueue:
    """The scoring queue: keeps what was enqueued, in order."""

    enqueued: list[tuple[str, Any]] = field(default_factory=list)

    def enqueue(self, lead_id: str, reevaluation: Any = None) -> None:
        self.enqueued.append((lead_id, reevaluation))


@dataclass
class RecordingWorkflow:
    """Starts each execution name once, as Step Functions does with a named execution."""

    started: list[str] = field(default_factory=list)

    def start(self, lead_id: str, execution_name: str | None = None) -> bool:
        name = execution_name or lead_id
        if name in self.started:
            return False
        self.started.append(name)
        return True

    def resume(self, task_token: str, output: dict[str, Any]) -> None:
        raise AssertionError("scoring never resumes a workflow")


class DownstreamUnavailable(RuntimeError):
    """What a fake adapter raises for a failed call, as boto3 raises a ClientError."""


@dataclass
class RecordingDispatcher:
    """The action queues and the event bus; `failing` calls fail once each, as a throttled call does."""

    sent: list[tuple[RouteAction, str]] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)

    def send(self, action: RouteAction, message: LeadRouted) -> None:
        self._maybe_fail("send")
        self.sent.append((action, message.dedupe_id))

    def publish_routed(self, message: LeadRouted) -> None:
        self._maybe_fail("publish_routed")
        self.published.append(message.dedupe_id)

    def _maybe_fail(self, call: str) -> None:
        if call in self.failing:
            self.failing.discard(call)
            raise DownstreamUnavailable(f"{call} failed")


@dataclass
class InMemoryHolds:
    held: dict[str, datetime] = field(default_factory=dict)

    def add(self, lead_id: str, person_keys: Any, domain: str | None, since: datetime) -> None:
        self.held[lead_id] = since

    def remove(self, lead_id: str, person_keys: Any, domain: str | None, since: datetime) -> None:
        self.held.pop(lead_id, None)


@dataclass
class FirstSdrRoster:
    """Gives every lead the territory's first SDR, without capacity."""

    def claim(self, lead_id: str, territory: str, sdrs: Any, capacity: int) -> str | None:
        return str(next(iter(sdrs)))
