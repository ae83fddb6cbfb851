"""What the application needs from the outside world; adapters implement these with boto3."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from leadqual.domain.schemas.vocabulary import RouteAction

if TYPE_CHECKING:
    # Named in signatures only: a function imports the records it reads through its adapters, so
    # the scoring function never builds the review and decision schemas it does not use.
    # The ingest function uses these ports too, and must not import numpy.
    import numpy as np

    from leadqual.domain.crm import (
        ApiUsage,
        CrmChanges,
        CrmDirectory,
        CrmKey,
        CrmRecord,
        CrmWrite,
        CrmWritten,
    )
    from leadqual.domain.distribution import Assignment, Claim, LedgerEntry, RepLoad
    from leadqual.domain.report_rows import ReportRow
    from leadqual.domain.schemas.account import Account
    from leadqual.domain.schemas.alerts import Alert, NotAFit, SendChannel, SentMessage
    from leadqual.domain.schemas.crm_writes import CrmBudgetUsed, CrmConflict, CrmRefusal
    from leadqual.domain.schemas.decision import RoutingDecision
    from leadqual.domain.schemas.lead import HistoryEntry, Lead, Reevaluation
    from leadqual.domain.schemas.messages import AlertWork, CrmSyncRequest, LeadRouted
    from leadqual.domain.schemas.review import Review
    from leadqual.domain.schemas.roster import CreditReason, RepProfile
    from leadqual.domain.signals import PastTouch, StoredEvent, StoredIntent


class ConflictError(Exception):
    """A conditional write lost: someone else changed the record first."""


class IdempotencyClaim(NamedTuple):
    """The outcome of claiming an Idempotency-Key: ours to answer, answered already, or in flight."""

    claimed: bool
    response: dict[str, Any] | None = None


class LeadStore(Protocol):
    def get_lead(self, lead_id: str) -> Lead | None: ...
    def get_leads(self, lead_ids: list[str]) -> dict[str, Lead]:
        """Those of the leads that exist (and could be read now), by id."""
        ...

    def create_lead(self, lead: Lead) -> None: ...
    def delete_new_lead(self, lead: Lead) -> None: ...
    def save_lead(self, lead: Lead, expected_version: int) -> int: ...
    def get_lead_versioned(self, lead_id: str) -> tuple[Lead, int] | None: ...
    def recent_lead_for_email(self, email: str, since: datetime) -> str | None: ...
    def add_touch(self, lead_id: str, entry: HistoryEntry) -> int:
        """Records one more submission of the lead; returns how many it has had (atomic, never lost)."""
        ...

    def recent_touches(self, lead_id: str, limit: int) -> list[HistoryEntry]: ...
    def claim_idempotency_key(self, key: str, now: datetime) -> IdempotencyClaim: ...
    def complete_idempotency_key(self, key: str, response: dict[str, Any]) -> None: ...
    def release_idempotency_key(self, key: str) -> None: ...
    def idempotent_response(self, key: str) -> dict[str, Any] | None: ...
    def leads_with_outcomes(self) -> Iterator[Lead]: ...
    def report_rows(self, since: datetime | None, until: datetime | None) -> Iterator[ReportRow]: ...


class DecisionStore(Protocol):
    """What was decided about a lead: the rules' routing decisions and the SDRs' reviews of them."""

    def save_decision(self, decision: RoutingDecision) -> None: ...
    def get_decision(self, lead_id: str, evaluation: int) -> RoutingDecision | None: ...
    def get_review(self, review_id: str) -> tuple[Review, int, str] | None:
        """The review, its version and the task token its workflow waits on."""
        ...

    def create_review(self, review: Review, task_token: str) -> bool:
        """False when this review already exists (a redelivered request)."""
        ...

    def save_review(self, review: Review, expected_version: int) -> int: ...
    def pending_reviews(
        self, account: str | None, limit: int, cursor: str | None
    ) -> tuple[list[Review], str | None]: ...


class SignalStore(Protocol):
    def get_account(self, domain: str) -> Account | None: ...
    def put_account(self, account: Account) -> None: ...
    def add_events(self, person_key: str, events: Sequence[StoredEvent]) -> None: ...
    def events_for(self, person_keys: Sequence[str]) -> list[StoredEvent]: ...
    def add_intents(self, domain: str, intents: Sequence[StoredIntent]) -> None: ...
    def intents_for(self, domain: str) -> list[StoredIntent]: ...
    def add_touch(self, person_keys: Sequence[str], domain: str | None, touch: PastTouch) -> None: ...
    def touches_for(self, person_keys: Sequence[str], domain: str | None) -> list[PastTouch]: ...


class Roster(Protocol):
    """Reps' profiles, their loads and each pool's ledger; claims that never breach a cap."""

    def profiles(self) -> list[RepProfile]: ...
    def seed(self, profiles: Sequence[RepProfile]) -> int:
        """Stores the reps not stored yet (never an edited one); how many were added."""
        ...

    def save_profile(self, profile: RepProfile) -> RepProfile:
        """Saved if the stored one is still at `profile.version`; ConflictError if someone saved first."""
        ...

    def set_active(self, rep: str, active: bool) -> None:
        """A rep who left (or is away) takes no new lead; their open leads stay theirs."""
        ...

    def loads(self, reps: Sequence[RepProfile], at: datetime) -> dict[str, RepLoad]: ...
    def ledger(self, pool: str, cycle: str) -> dict[str, LedgerEntry]: ...
    def save_ledger(
        self, pool: str, cycle: str, changes: Mapping[str, tuple[LedgerEntry | None, LedgerEntry]]
    ) -> None:
        """Each line saved only if it is still as read: a line another claim changed meanwhile is
        left, and the next claim looks again."""
        ...

    def claim(self, claim: Claim) -> Assignment:
        """The lead's assignment for `claim.attempt`: this claim, or the one stored first (a retry).
        Raises ClaimRefused when a cap was reached or the rep made inactive meanwhile."""
        ...

    def assignment(self, lead_id: str) -> Assignment | None:
        """The lead's latest assignment (its latest attempt)."""
        ...

    def release(self, lead_id: str, attempt: int | None = None) -> str | None:
        """Frees the rep's open slot (of the latest assignment, or of `attempt`): the lead's outcome
        came back, or it was taken from them; a second release does nothing."""
        ...

    def credit(
        self, lead_id: str, reason: CreditReason, to_rep: str | None = None, attempt: int | None = None
    ) -> bool:
        """Takes the lead off its rep's count in the ledger (and onto `to_rep`'s), once per reason."""
        ...


class HoldIndex(Protocol):
    """Held leads by person, by account and by how long they have waited."""

    def add(self, lead_id: str, person_keys: Sequence[str], domain: str | None, since: datetime) -> None: ...
    def remove(
        self, lead_id: str, person_keys: Sequence[str], domain: str | None, since: datetime
    ) -> None: ...
    def held_for(self, person_keys: Sequence[str], domains: Sequence[str]) -> list[str]: ...
    def held_before(self, cutoff: datetime) -> list[str]: ...


class ScoringQueue(Protocol):
    def enqueue(self, lead_id: str, reevaluation: Reevaluation | None = None) -> None: ...


class Workflow(Protocol):
    def start(self, lead_id: str, execution_name: str | None = None) -> bool: ...
    def resume(self, task_token: str, output: dict[str, Any]) -> None: ...


class TaskTokenExpired(Exception):
    """The workflow no longer waits on this task token (timed out or already answered)."""


class Notifier(Protocol):
    def notify(self, subject: str, message: str, attributes: dict[str, str]) -> None: ...


class ChatUnavailable(Exception):
    """Slack did not answer, rate-limited past what the adapter waits out, or refused the token: retry.
    `maybe_done`: the request may have reached Slack (no answer came back), so a post may exist."""

    def __init__(self, message: str, maybe_done: bool = False):
        super().__init__(message)
        self.maybe_done = maybe_done


class ChatRefused(Exception):
    """Slack refused the request itself (no such user or message, an expired trigger): never retried."""


class CardChannel(Protocol):
    """A Teams channel's Workflows webhook (adapters/teams.py): posts one Adaptive Card."""

    def post(self, card: dict[str, Any]) -> None: ...


class ChatGateway(Protocol):
    """Slack's Web API, as leadqual uses it (adapters/slack.py)."""

    def find_user(self, email: str) -> str | None: ...
    def user_email(self, user_id: str) -> str | None: ...
    def post(self, person_id: str, text: str, blocks: list[dict[str, Any]]) -> tuple[str, str]:
        """A DM to the person: (channel, ts) of the message."""
        ...

    def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None: ...
    def tell(self, channel: str, user_id: str, text: str) -> None:
        """A message only that person sees."""
        ...

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None: ...


class AlertStore(Protocol):
    """Alerts, each change one conditional write (adapters/dynamo_alerts.py)."""

    def create(self, alert: Alert) -> Alert:
        """Stores the alert, or returns the one stored first under its id."""
        ...

    def get(self, alert_id: str) -> Alert | None: ...
    def start_posting(self, alert_id: str, person: str) -> bool:
        """True for the one caller that may post the alert's message to `person`."""
        ...

    def stop_posting(self, alert_id: str, person: str) -> None:
        """Gives the claim back: Slack certainly did not post, so a retry may."""
        ...

    def claim_send(self, alert_id: str, channel: SendChannel, person: str) -> bool:
        """True for the one caller that may tell `person` about the alert by `channel` (an e-mail,
        a Teams card): a redelivered request never sends twice."""
        ...

    def release_send(self, alert_id: str, channel: SendChannel, person: str) -> None:
        """Gives the claim back: the send was refused, so a retry may send it."""
        ...

    def add_message(self, alert_id: str, message: SentMessage) -> None: ...
    def add_unreachable(self, alert_id: str, why: str) -> None: ...
    def acknowledge(self, alert_id: str, by: str, at: datetime, via: str) -> Alert:
        """The first acknowledgement wins; returns the alert as stored (whoever won)."""
        ...

    def note_not_a_fit(self, alert_id: str, verdict: NotAFit) -> Alert: ...
    def follow_up_done(self, alert_id: str, work_id: str) -> bool: ...
    def use_link(self, alert_id: str, nonce: str) -> bool:
        """Takes a signed link's nonce, once: False if it was used before."""
        ...


class Mailer(Protocol):
    """E-mail to a person (SES): plain text, with a link to the console."""

    def send(self, to: str, subject: str, text: str) -> None: ...


class AlertQueue(Protocol):
    def send(self, work: AlertWork) -> None: ...


class SlaScheduler(Protocol):
    """One-time schedules of an alert's SLA steps (adapters/scheduler.py)."""

    def schedule(self, work: AlertWork, at: datetime) -> None:
        """`work` (an SLA step) reaches the alert queue at `at`; scheduling it again changes nothing."""
        ...

    def cancel(self, alert_id: str, steps: int) -> None:
        """Deletes the alert's steps not yet run (an acknowledgement stops the chain)."""
        ...


class Dispatcher(Protocol):
    """Downstream messages; `dedupe_id` is the same for every resend of one message."""

    def send(self, action: RouteAction, message: LeadRouted) -> None: ...
    def publish_routed(self, message: LeadRouted) -> None: ...


class CrmSyncError(Exception):
    """A CRM write that did not happen; `reason` is what the console and the DLQ show."""

    reason = "unavailable"
    # False: trying again cannot help (the record or the data is wrong): straight to the DLQ.
    retryable = True


class CrmUnavailable(CrmSyncError):
    """5xx, timeouts, or 429s past the wait leadqual allows itself: the message waits and returns."""


class CrmAuthFailed(CrmSyncError):
    reason = "auth"


class BudgetSpent(CrmSyncError):
    """leadqual's share of today's API allocation is spent: writes wait in the queue until it renews."""

    reason = "budget"

    def __init__(self, message: str, seconds_until_renewed: float):
        super().__init__(message)
        self.seconds_until_renewed = seconds_until_renewed


class CrmRecordRefused(CrmSyncError):
    """The CRM refused this record's write (a validation rule, a missing record): never retried."""

    retryable = False

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class CrmGateway(Protocol):
    """One CRM, read and written in batches (Salesforce and HubSpot adapters; a fake in tests)."""

    system: str

    def read(self, keys: Sequence[CrmKey], properties: Sequence[str]) -> dict[str, CrmRecord]:
        """The records that exist, by lead id: the `properties` leadqual writes (policy names; an
        `if_empty` field is written only if it is empty), the owner and its history."""
        ...

    def write(self, writes: Sequence[CrmWrite]) -> dict[str, CrmWritten | CrmRecordRefused]:
        """Upserts each write; its result, or why the CRM refused it, by lead id. Raises
        CrmSyncError when the whole call failed (nothing can be said of any record)."""
        ...

    def changes_since(self, since: datetime) -> CrmChanges:
        """Sales' outcomes on leadqual's leads changed in the CRM from `since` on (deals closed won
        or lost, leads disqualified), oldest first."""
        ...

    def directory(self, since: datetime) -> CrmDirectory:
        """Companies changed from `since` on (owner, target account), and users' active flags."""
        ...


class CrmLedger(Protocol):
    """What the console shows of CRM sync: changes the CRM refused, owners kept, the budget used."""

    def note_refused(self, refusal: CrmRefusal) -> None: ...
    def refused(self) -> list[CrmRefusal]: ...
    def clear_refused(self, lead_ids: Sequence[str]) -> None: ...
    def note_conflict(self, conflict: CrmConflict) -> None: ...
    def conflicts(self, limit: int) -> list[CrmConflict]:
        """The newest first."""
        ...

    def note_budget(self, used: CrmBudgetUsed) -> None: ...
    def budget(self) -> CrmBudgetUsed | None: ...


class CrmQueueAdmin(Protocol):
    """The CRM-sync queue as an operator sees it."""

    def backlog(self) -> tuple[int, int]:
        """(changes waiting, changes being written now)."""
        ...

    def dead_lettered(self) -> int: ...
    def redrive(self) -> list[str]:
        """Moves every change in the DLQ back to the queue; the lead ids moved."""
        ...


class CrmReadTrigger(Protocol):
    """Runs the CRM reader now, as its schedule does every few minutes (a vendor's webhook asks)."""

    def now(self) -> None: ...


class CrmWatermarks(Protocol):
    """How far the CRM's changes have been read, per CRM."""

    def read_from(self, system: str) -> datetime | None: ...
    def advance(self, system: str, until: datetime) -> None:
        """Moves the watermark forward to `until` (never back)."""
        ...


class ApiBudget(Protocol):
    """leadqual's pace and daily share of a CRM's API allowance, shared by every concurrent writer."""

    def take(self, system: str) -> float:
        """Seconds to wait before one more request may go (0: now); BudgetSpent when today's share is."""
        ...

    def observe(self, system: str, usage: ApiUsage) -> None:
        """What the CRM's answer said of the org's allocation (its limit headers)."""
        ...

    def spent_today(self, system: str) -> tuple[int, int]:
        """(requests leadqual made today, its share of today's allocation)."""
        ...


class CrmChangeQueue(Protocol):
    """Where a lead's changes wait for the CRM writer (a FIFO queue: grouped by lead, deduplicated
    by change id)."""

    def send(self, request: CrmSyncRequest) -> None: ...


class ModelOutputs(NamedTuple):
    """One batch's graph outputs: calibrated probability [n] and log-odds contributions [n, features]."""

    probability: np.ndarray
    contributions: np.ndarray


class Model(Protocol):
    version: str

    def predict(self, features: np.ndarray) -> ModelOutputs: ...
