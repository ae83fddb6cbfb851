"""In-memory stand-ins for the ports (domain/ports.py), for service tests that need no AWS at all.

Each implements its whole port and subclasses it, so mypy checks every method against the port.
Each keeps what a test asserts on (reads, saves, starts) and behaves as its adapter promises:
versions conflict as DynamoDB's conditional writes do, a workflow name starts once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from leadqual.domain.crm import (
    ApiUsage,
    ChangeSource,
    CrmAccount,
    CrmChanges,
    CrmCorrection,
    CrmDirectory,
    CrmKey,
    CrmOutcome,
    CrmRecord,
    CrmWrite,
    CrmWritten,
    OwnerChange,
)
from leadqual.domain.ports import (
    ApiBudget,
    BudgetSpent,
    ConflictError,
    CrmChangeQueue,
    CrmGateway,
    CrmLedger,
    CrmRecordRefused,
    CrmUnavailable,
    CrmWatermarks,
    DecisionStore,
    Dispatcher,
    HoldIndex,
    IdempotencyClaim,
    LeadStore,
    Notifier,
    ScoringQueue,
    SignalStore,
    Workflow,
)
from leadqual.domain.report_rows import ReportRow, report_row
from leadqual.domain.schemas.account import Account
from leadqual.domain.schemas.crm_writes import CrmBudgetUsed, CrmConflict, CrmRefusal
from leadqual.domain.schemas.decision import RoutingDecision
from leadqual.domain.schemas.lead import HistoryEntry, Lead, LeadStatus, Reevaluation
from leadqual.domain.schemas.messages import CrmSyncRequest, LeadRouted
from leadqual.domain.schemas.review import Review
from leadqual.domain.schemas.vocabulary import FormType, ReviewStatus, RouteAction
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


# The same e-mail within this long of a lead's submission is that lead (as the adapter's marker).
DEDUPE_WINDOW = timedelta(hours=24)


@dataclass
class InMemoryLeads(LeadStore):
    """The whole LeadStore: versioned reads and conditional saves, the e-mail marker, touches,
    Idempotency-Keys, and the leads' report rows."""

    leads: dict[str, tuple[Lead, int]] = field(default_factory=dict)
    reads: Counter[str] = field(default_factory=Counter)
    saves: Counter[str] = field(default_factory=Counter)
    touch_entries: dict[str, list[HistoryEntry]] = field(default_factory=dict)
    # By key: None while its first request is being answered, then that request's response.
    idempotency: dict[str, dict[str, Any] | None] = field(default_factory=dict)

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

    def create_lead(self, lead: Lead) -> None:
        if self.recent_lead_for_email(lead.email, lead.submitted_at) is not None:
            raise ConflictError(f"a lead for {lead.email} was created within {DEDUPE_WINDOW}")
        self.add(lead)

    def delete_new_lead(self, lead: Lead) -> None:
        self.leads.pop(lead.lead_id, None)

    def save_lead(self, lead: Lead, expected_version: int) -> int:
        if self.leads[lead.lead_id][1] != expected_version:
            raise ConflictError(f"lead {lead.lead_id} changed since version {expected_version}")
        self.saves[lead.lead_id] += 1
        self.leads[lead.lead_id] = (lead.model_copy(deep=True), expected_version + 1)
        return expected_version + 1

    def recent_lead_for_email(self, email: str, since: datetime) -> str | None:
        return next(
            (
                lead.lead_id
                for lead, _ in self.leads.values()
                if lead.email == email and lead.submitted_at + DEDUPE_WINDOW > since
            ),
            None,
        )

    def add_touch(self, lead_id: str, entry: HistoryEntry) -> int:
        if lead_id not in self.leads:
            raise LookupError(f"lead {lead_id} does not exist")
        lead, _ = self.leads[lead_id]
        lead.touches += 1  # an atomic count beside the document: no version change
        self.touch_entries.setdefault(lead_id, []).append(entry)
        return lead.touches

    def recent_touches(self, lead_id: str, limit: int) -> list[HistoryEntry]:
        return self.touch_entries.get(lead_id, [])[-limit:]

    def claim_idempotency_key(self, key: str, now: datetime) -> IdempotencyClaim:
        if key not in self.idempotency:
            self.idempotency[key] = None
            return IdempotencyClaim(claimed=True)
        return IdempotencyClaim(claimed=False, response=self.idempotency[key])

    def complete_idempotency_key(self, key: str, response: dict[str, Any]) -> None:
        self.idempotency[key] = response

    def release_idempotency_key(self, key: str) -> None:
        self.idempotency.pop(key, None)

    def idempotent_response(self, key: str) -> dict[str, Any] | None:
        return self.idempotency.get(key)

    def leads_with_outcomes(self) -> Iterator[Lead]:
        return (lead.model_copy(deep=True) for lead, _ in self.leads.values() if lead.outcomes)

    def report_rows(self, since: datetime | None, until: datetime | None) -> Iterator[ReportRow]:
        for lead, _ in self.leads.values():
            if (since is None or lead.submitted_at >= since) and (until is None or lead.submitted_at < until):
                yield report_row(lead)


@dataclass
class InMemoryDecisions(DecisionStore):
    """The whole DecisionStore: the rules' decisions beside each lead, one per evaluation, and
    reviews with their version and task token, the pending ones listed oldest first."""

    decisions: dict[tuple[str, int], RoutingDecision] = field(default_factory=dict)
    reviews: dict[str, tuple[Review, int, str]] = field(default_factory=dict)

    def save_decision(self, decision: RoutingDecision) -> None:
        self.decisions[(decision.lead_id, decision.evaluation)] = decision.model_copy(deep=True)

    def get_decision(self, lead_id: str, evaluation: int) -> RoutingDecision | None:
        return self.decisions.get((lead_id, evaluation))

    def get_review(self, review_id: str) -> tuple[Review, int, str] | None:
        found = self.reviews.get(review_id)
        return None if found is None else (found[0].model_copy(deep=True), found[1], found[2])

    def create_review(self, review: Review, task_token: str) -> bool:
        if review.review_id in self.reviews:
            return False
        self.reviews[review.review_id] = (review.model_copy(deep=True), 1, task_token)
        return True

    def save_review(self, review: Review, expected_version: int) -> int:
        _, version, token = self.reviews[review.review_id]
        if version != expected_version:
            raise ConflictError(f"review {review.review_id} changed since version {expected_version}")
        self.reviews[review.review_id] = (review.model_copy(deep=True), version + 1, token)
        return version + 1

    def pending_reviews(
        self, account: str | None, limit: int, cursor: str | None
    ) -> tuple[list[Review], str | None]:
        pending = sorted(
            (r for r, _, _ in self.reviews.values() if r.status is ReviewStatus.PENDING and account in (None, r.account)),
            key=lambda r: (r.created_at, r.review_id),
        )  # fmt: skip
        start = int(cursor) if cursor else 0
        page = pending[start : start + limit]
        return page, str(start + limit) if start + limit < len(pending) else None


@dataclass
class InMemorySignals(SignalStore):
    """The whole SignalStore; it knows only what a test tells it (no account, behaviour, intent or
    history otherwise), and keeps the touches routing and dispatch record."""

    accounts: dict[str, Account] = field(default_factory=dict)
    events: dict[str, list[StoredEvent]] = field(default_factory=dict)
    intents: dict[str, list[StoredIntent]] = field(default_factory=dict)
    touches: list[PastTouch] = field(default_factory=list)

    def get_account(self, domain: str) -> Account | None:
        return self.accounts.get(domain)

    def put_account(self, account: Account) -> None:
        self.accounts[account.domain] = account

    def add_events(self, person_key: str, events: Sequence[StoredEvent]) -> None:
        self.events.setdefault(person_key, []).extend(events)

    def events_for(self, person_keys: Sequence[str]) -> list[StoredEvent]:
        return [event for key in person_keys for event in self.events.get(key, [])]

    def add_intents(self, domain: str, intents: Sequence[StoredIntent]) -> None:
        self.intents.setdefault(domain, []).extend(intents)

    def intents_for(self, domain: str) -> list[StoredIntent]:
        return list(self.intents.get(domain, []))

    def add_touch(self, person_keys: Sequence[str], domain: str | None, touch: PastTouch) -> None:
        self.touches.append(touch)

    def touches_for(self, person_keys: Sequence[str], domain: str | None) -> list[PastTouch]:
        return []  # no history: a test of reactivation gives the touches it needs to the adapter


@dataclass
class RecordingScoringQueue(ScoringQueue):
    """The scoring queue: keeps what was enqueued, in order."""

    enqueued: list[tuple[str, Reevaluation | None]] = field(default_factory=list)

    def enqueue(self, lead_id: str, reevaluation: Reevaluation | None = None) -> None:
        self.enqueued.append((lead_id, reevaluation))


@dataclass
class RecordingWorkflow(Workflow):
    """Starts each execution name once, as Step Functions does with a named execution, and keeps
    what resumed a waiting task; `resume_fails` is what resuming raises, as a throttled or expired
    SendTaskSuccess does."""

    started: list[str] = field(default_factory=list)
    resumed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    resume_fails: Exception | None = None

    def start(self, lead_id: str, execution_name: str | None = None) -> bool:
        name = execution_name or lead_id
        if name in self.started:
            return False
        self.started.append(name)
        return True

    def resume(self, task_token: str, output: dict[str, Any]) -> None:
        if self.resume_fails is not None:
            raise self.resume_fails
        self.resumed.append((task_token, output))


@dataclass
class RecordingNotifier(Notifier):
    """Keeps each notification: its subject, message and attributes."""

    sent: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def notify(self, subject: str, message: str, attributes: dict[str, str]) -> None:
        self.sent.append((subject, message, attributes))


class DownstreamUnavailable(RuntimeError):
    """What a fake adapter raises for a failed call, as boto3 raises a ClientError."""


@dataclass
class RecordingDispatcher(Dispatcher):
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
class InMemoryHolds(HoldIndex):
    """Held leads with their person, account and since when."""

    held: dict[str, tuple[frozenset[str], str | None, datetime]] = field(default_factory=dict)

    def add(self, lead_id: str, person_keys: Sequence[str], domain: str | None, since: datetime) -> None:
        self.held[lead_id] = (frozenset(person_keys), domain, since)

    def remove(self, lead_id: str, person_keys: Sequence[str], domain: str | None, since: datetime) -> None:
        self.held.pop(lead_id, None)

    def held_for(self, person_keys: Sequence[str], domains: Sequence[str]) -> list[str]:
        return [
            lead_id for lead_id, (keys, domain, _) in self.held.items()
            if keys & set(person_keys) or (domain is not None and domain in domains)
        ]  # fmt: skip

    def held_before(self, cutoff: datetime) -> list[str]:
        return [lead_id for lead_id, (_, _, since) in self.held.items() if since < cutoff]


@dataclass
class RecordingCrmChanges(CrmChangeQueue):
    """The CRM-sync queue: what was sent, deduplicated by change id as the FIFO queue does."""

    sent: list[CrmSyncRequest] = field(default_factory=list)
    failing: bool = False

    def send(self, request: CrmSyncRequest) -> None:
        if self.failing:
            self.failing = False
            raise DownstreamUnavailable("send to the CRM-sync queue failed")
        if all(r.change_id != request.change_id for r in self.sent):
            self.sent.append(request)


@dataclass
class InMemoryCrm(CrmGateway):
    """A CRM's records by e-mail, with owner history; counts reads and writes (the HubSpot and
    Salesforce adapters are tested over HTTP against their stand-ins, never with this)."""

    system: str = "hubspot"
    records: dict[str, CrmRecord] = field(default_factory=dict)  # by e-mail
    reads: int = 0
    writes: list[CrmWrite] = field(default_factory=list)
    refuse: dict[str, CrmRecordRefused] = field(default_factory=dict)  # by e-mail
    between_read_and_write: list[Any] = field(default_factory=list)
    outcomes: list[CrmOutcome] = field(default_factory=list)  # what sales did, as the CRM says it
    refuse_writes_from: int | None = None  # every write from the Nth on is refused (a rule added)
    accounts: list[CrmAccount] = field(default_factory=list)  # companies, as the CRM keeps them
    users: dict[str, bool] = field(default_factory=dict)  # CRM user id -> active
    corrections: list[CrmCorrection] = field(default_factory=list)  # owners people reassigned
    down: bool = False  # every call fails as a whole, as 5xx past the adapter's retries do

    def _answering(self) -> None:
        if self.down:
            raise CrmUnavailable("the CRM answered 503 4 times")

    def read(self, keys: Sequence[CrmKey], properties: Sequence[str]) -> dict[str, CrmRecord]:
        self._answering()
        self.reads += 1
        found = {key.lead_id: self.records[key.email] for key in keys if key.email in self.records}
        for action in self.between_read_and_write:
            action()
        self.between_read_and_write.clear()
        return found

    def write(self, writes: Sequence[CrmWrite]) -> dict[str, CrmWritten | CrmRecordRefused]:
        self._answering()
        outcomes: dict[str, CrmWritten | CrmRecordRefused] = {}
        for write in writes:
            if write.key.email in self.refuse:
                outcomes[write.key.lead_id] = self.refuse[write.key.email]
                continue
            if self.refuse_writes_from is not None and len(self.writes) >= self.refuse_writes_from:
                outcomes[write.key.lead_id] = CrmRecordRefused("validation_error:owner", "owner locked")
                continue
            self.writes.append(write)
            existing = self.records.get(write.key.email)
            values = dict(existing.values) if existing else {}
            values.update({name: str(value) for name, value in write.properties.items()})
            changes = list(existing.owner_changes) if existing else []
            owner = existing.owner if existing else None
            if write.owner is not None and write.owner != owner:
                owner = write.owner
                changes.append(OwnerChange(owner, datetime.now(UTC), ChangeSource.LEADQUAL))
            record_id = existing.record_id if existing else f"crm-{len(self.records) + 1}"
            self.records[write.key.email] = CrmRecord(record_id, values, owner, changes)
            outcomes[write.key.lead_id] = CrmWritten(record_id, created=existing is None)
        return outcomes

    def changes_since(self, since: datetime) -> CrmChanges:
        found = [o for o in self.outcomes if o.occurred_at >= since]
        corrections = [c for c in self.corrections if c.at >= since]
        return CrmChanges(found, max([since, *(o.occurred_at for o in found)]), corrections)

    def directory(self, since: datetime) -> CrmDirectory:
        return CrmDirectory(list(self.accounts), dict(self.users))

    def person_sets_owner(self, email: str, owner: str, by: str = "rep-7") -> None:
        record = self.records[email]
        change = OwnerChange(owner, datetime.now(UTC), ChangeSource.PERSON, by)
        self.records[email] = CrmRecord(
            record.record_id, record.values, owner, [*record.owner_changes, change]
        )


@dataclass
class CountingBudget(ApiBudget):
    """An API budget in one process: a daily share, no pace; keeps what the CRM's headers said."""

    share: int = 10_000
    used: int = 0
    observed: list[ApiUsage] = field(default_factory=list)

    def take(self, system: str) -> float:
        if self.used >= self.share:
            raise BudgetSpent(f"{system}: share of {self.share} spent", 3600.0)
        self.used += 1
        return 0.0

    def observe(self, system: str, usage: ApiUsage) -> None:
        self.observed.append(usage)

    def spent_today(self, system: str) -> tuple[int, int]:
        return self.used, self.share


@dataclass
class InMemoryWatermarks(CrmWatermarks):
    until: dict[str, datetime] = field(default_factory=dict)

    def read_from(self, system: str) -> datetime | None:
        return self.until.get(system)

    def advance(self, system: str, until: datetime) -> None:
        if system not in self.until or self.until[system] < until:
            self.until[system] = until


@dataclass
class InMemoryCrmLedger(CrmLedger):
    refusals: dict[str, CrmRefusal] = field(default_factory=dict)
    kept: list[CrmConflict] = field(default_factory=list)
    used: CrmBudgetUsed | None = None

    def note_refused(self, refusal: CrmRefusal) -> None:
        self.refusals[refusal.lead_id] = refusal

    def refused(self) -> list[CrmRefusal]:
        return list(self.refusals.values())

    def clear_refused(self, lead_ids: Sequence[str]) -> None:
        for lead_id in lead_ids:
            self.refusals.pop(lead_id, None)

    def note_conflict(self, conflict: CrmConflict) -> None:
        self.kept.append(conflict)

    def conflicts(self, limit: int) -> list[CrmConflict]:
        return sorted(self.kept, key=lambda c: c.at, reverse=True)[:limit]

    def note_budget(self, used: CrmBudgetUsed) -> None:
        self.used = used

    def budget(self) -> CrmBudgetUsed | None:
        return self.used
