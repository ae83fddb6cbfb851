"""Ingest and read leads: the POST /leads and GET /leads/{id} use cases."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from leadqual.domain.identity import account_domain_for
from leadqual.domain.lead_status import TransitionRefused, may_move, move
from leadqual.domain.ports import ConflictError, DecisionStore, LeadStore, ScoringQueue
from leadqual.domain.schemas.decision import RoutingDecision
from leadqual.domain.schemas.inputs import LeadSubmission
from leadqual.domain.schemas.lead import HistoryEntry, Lead, LeadStatus
from leadqual.domain.schemas.shared import utc_now
from leadqual.resources import MAX_RECEIVES

MAX_SAVE_ATTEMPTS = 5
IDEMPOTENCY_POLL_SECONDS = 0.05
# Re-submissions shown in a lead's history; all of them are counted in `touches`.
SHOWN_TOUCHES = 20
# A lead's own history (status changes, re-evaluations) keeps its first entry and the latest ones.
MAX_HISTORY = 200


def new_lead_id() -> str:
    return "ld_" + secrets.token_hex(10)


class LeadRead(NamedTuple):
    lead: Lead
    recent_touches: list[HistoryEntry]


@dataclass(frozen=True)
class Ingested:
    """A submission stored: its lead, and (for logs and metrics only, never the answer, which is the
    same for a repeat: docs/api.md) whether it was a repeat of someone's."""

    lead_id: str
    repeat: bool

    def for_the_key(self) -> dict[str, Any]:
        """What an Idempotency-Key keeps: the lead its first request made or touched."""
        return {"lead_id": self.lead_id}


class IngestUnavailable(RuntimeError):
    """The lead could not be queued for scoring; nothing was stored, the caller should retry."""


def duration_in_words(seconds: float) -> str:
    """A wait as the timeline says it: seconds, minutes, then hours."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def update_lead(store: LeadStore, lead_id: str, change: Callable[[Lead], bool | None]) -> Lead:
    """Read-modify-write with optimistic locking; `change` returns False to skip saving."""
    return update_lead_versioned(store, lead_id, change)[0]


def update_lead_versioned(
    store: LeadStore,
    lead_id: str,
    change: Callable[[Lead], bool | None],
    read: tuple[Lead, int] | None = None,
) -> tuple[Lead, int]:
    """`update_lead`, returning the lead and its version as saved. `read` is the lead as the caller
    last saved or read it, tried first instead of reading it again (`change` may modify it); if
    the lead changed since, the save conflicts and the lead is read afresh."""
    for attempt in range(MAX_SAVE_ATTEMPTS):
        found = read if attempt == 0 and read is not None else store.get_lead_versioned(lead_id)
        if found is None:
            raise LookupError(f"lead {lead_id} does not exist")
        lead, version = found
        before = lead.status
        if change(lead) is False:
            return lead, version
        if not may_move(before, lead.status):
            # However the change set it: a status outside the table is never saved.
            raise TransitionRefused(f"lead {lead_id} cannot go from {before.value} to {lead.status.value}")
        try:
            return lead, store.save_lead(lead, version)
        except ConflictError:
            continue
    raise ConflictError(f"lead {lead_id} kept changing; gave up after {MAX_SAVE_ATTEMPTS} attempts")


def read_lead(store: LeadStore, lead_id: str) -> tuple[Lead, int]:
    """The lead and its version: a step that then saves it passes both to `update_lead_versioned`,
    so that it reads the lead once."""
    found = store.get_lead_versioned(lead_id)
    if found is None:
        raise LookupError(f"lead {lead_id} does not exist")
    return found


def read_decision(store: DecisionStore, lead_id: str, evaluation: int) -> RoutingDecision:
    decision = store.get_decision(lead_id, evaluation)
    if decision is None:
        raise LookupError(f"lead {lead_id} has no routing decision for evaluation {evaluation}")
    return decision


def add_history(lead: Lead, event: str, detail: str | None = None, at: datetime | None = None) -> None:
    lead.history.append(HistoryEntry(at=at or utc_now(), event=event, detail=detail))
    if len(lead.history) > MAX_HISTORY:
        # Bounded, so the lead item stays far below DynamoDB's 400 KB whatever happens to it.
        del lead.history[1 : len(lead.history) - MAX_HISTORY + 1]


class IdempotencyKeyInUse(RuntimeError):
    """Another request with this Idempotency-Key is still being answered (HTTP 409, retry)."""


@dataclass
class LeadService:
    store: LeadStore
    scoring_queue: ScoringQueue
    # How long a request waits for a concurrent one with the same Idempotency-Key to answer.
    idempotency_wait_seconds: float = 10.0

    def ingest(self, submission: LeadSubmission, idempotency_key: str | None) -> Ingested:
        if not idempotency_key:
            return self._ingest(submission)
        # The key is claimed before anything is stored: of concurrent requests with one key, exactly
        # one creates or touches the lead; the others answer with its response once it is there.
        deadline = time.monotonic() + self.idempotency_wait_seconds
        while True:
            claim = self.store.claim_idempotency_key(idempotency_key, utc_now())
            if claim.response is not None:
                return Ingested(str(claim.response["lead_id"]), repeat=True)
            if claim.claimed:
                break
            if time.monotonic() > deadline:
                raise IdempotencyKeyInUse(
                    "a request with this Idempotency-Key is still in progress; retry shortly"
                )
            time.sleep(IDEMPOTENCY_POLL_SECONDS)
        try:
            ingested = self._ingest(submission)
        except BaseException:
            self.store.release_idempotency_key(idempotency_key)
            raise
        self.store.complete_idempotency_key(idempotency_key, ingested.for_the_key())
        return ingested

    def _ingest(self, submission: LeadSubmission) -> Ingested:
        for _ in range(MAX_SAVE_ATTEMPTS):
            existing = self.store.recent_lead_for_email(submission.email, submission.submitted_at)
            if existing:
                self._record_touch(existing, submission)
                return Ingested(existing, repeat=True)
            lead = self._new_lead(submission)
            try:
                self.store.create_lead(lead)
            except ConflictError:
                continue  # a concurrent request for this e-mail created the lead: touch it instead
            try:
                self.scoring_queue.enqueue(lead.lead_id)
            except Exception as error:
                # Never leave a stored lead that nothing will score: undo, and let the caller retry.
                self.store.delete_new_lead(lead)
                raise IngestUnavailable("the scoring queue is unavailable; nothing was stored") from error
            return Ingested(lead.lead_id, repeat=False)
        raise IngestUnavailable("could not record the lead after repeated conflicts")

    def _new_lead(self, submission: LeadSubmission) -> Lead:
        now = utc_now()
        lead = Lead(
            lead_id=new_lead_id(),
            status=LeadStatus.RECEIVED,
            email=submission.email,
            account=account_domain_for(submission.email, submission.company.domain),
            **submission.model_dump(
                include={
                    "first_name",
                    "last_name",
                    "title",
                    "phone",
                    "company",
                    "form",
                    "source",
                    "utm",
                    "anonymous_id",
                    "submitted_at",
                }
            ),
            received_at=now,
        )
        add_history(lead, "received", f"form {submission.form.value}", at=now)
        return lead

    def _record_touch(self, lead_id: str, submission: LeadSubmission) -> None:
        self.store.add_touch(
            lead_id,
            HistoryEntry(
                at=utc_now(),
                event="touch",
                detail=f"submitted {submission.form.value} again at {submission.submitted_at.isoformat()}",
            ),
        )

    def record_dead_letter(
        self, lead_id: str, queue: str, error: Exception, still: str | None = None
    ) -> None:
        """A message about this lead failed its last attempt and is moving to `queue` (alarmed).

        The lead says so: `failed` with the reason, or, where the flow still ends it (`still`),
        a history entry; either way `dead_letter_queue` names where the message is.
        """
        reason = f"its message is in {queue} after {MAX_RECEIVES} attempts: {type(error).__name__}: {error}"[
            :500
        ]

        def mark(current: Lead) -> None:
            current.dead_letter_queue = queue
            if still is None:
                move(current, LeadStatus.FAILED)
                current.failure = reason
            add_history(current, "dead_lettered", reason + (f"; {still}" if still else ""))

        update_lead(self.store, lead_id, mark)

    def record_failure(self, lead_id: str, error: dict[str, Any]) -> bool:
        """The workflow failed after its retries: the lead says why. A lead already handed to its
        action queue stays routed (or held): it went downstream, and only its announcement is
        missing. Returns whether the lead is now `failed`."""
        reason = f"{error.get('Error', 'Unknown')}: {str(error.get('Cause', ''))[:500]}"

        def mark(current: Lead) -> None:
            if current.route is not None and current.route.sent_to_queue:
                add_history(current, "announcement_failed", f"lead.routed was not published: {reason}")
                return
            move(current, LeadStatus.FAILED)
            current.failure = reason
            add_history(current, "failed", reason)

        return update_lead(self.store, lead_id, mark).status is LeadStatus.FAILED

    def find(self, lead_id: str) -> Lead | None:
        return self.store.get_lead(lead_id)

    def read(self, lead_id: str) -> LeadRead | None:
        """The lead, and its latest re-submissions (`touches` counts them all)."""
        lead = self.store.get_lead(lead_id)
        if lead is None:
            return None
        return LeadRead(lead, self.store.recent_touches(lead_id, SHOWN_TOUCHES))
