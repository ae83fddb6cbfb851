"""Ingest and read leads: the POST /leads and GET /leads/{id} use cases."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leadqual.domain.identity import account_domain_for
from leadqual.domain.models import HistoryEntry, Lead, LeadStatus, LeadSubmission, utc_now
from leadqual.domain.ports import ConflictError, LeadStore, ScoringQueue

MAX_SAVE_ATTEMPTS = 5


def new_lead_id() -> str:
    return "ld_" + secrets.token_hex(10)


class IngestUnavailable(RuntimeError):
    """The lead could not be queued for scoring; nothing was stored, the caller should retry."""


def update_lead(store: LeadStore, lead_id: str, change: Callable[[Lead], bool | None]) -> Lead:
    """Read-modify-write with optimistic locking; `change` returns False to skip saving."""
    for _ in range(MAX_SAVE_ATTEMPTS):
        found = store.get_lead_versioned(lead_id)
        if found is None:
            raise LookupError(f"lead {lead_id} does not exist")
        lead, version = found
        if change(lead) is False:
            return lead
        try:
            store.save_lead(lead, version)
            return lead
        except ConflictError:
            continue
    raise ConflictError(f"lead {lead_id} kept changing; gave up after {MAX_SAVE_ATTEMPTS} attempts")


def add_history(lead: Lead, event: str, detail: str | None = None, at: datetime | None = None) -> None:
    lead.history.append(HistoryEntry(at=at or utc_now(), event=event, detail=detail))


@dataclass
class LeadService:
    store: LeadStore
    scoring_queue: ScoringQueue

    def ingest(self, submission: LeadSubmission, idempotency_key: str | None) -> dict[str, Any]:
        if idempotency_key:
            previous = self.store.idempotent_response(idempotency_key)
            if previous is not None:
                return previous
        for _ in range(MAX_SAVE_ATTEMPTS):
            existing = self.store.recent_lead_for_email(submission.email, submission.submitted_at)
            if existing:
                return self._record_touch(existing, submission)
            lead = self._new_lead(submission)
            response = {"lead_id": lead.lead_id, "status": LeadStatus.RECEIVED.value}
            try:
                self.store.create_lead(lead, idempotency_key, response)
            except ConflictError:
                # A concurrent request with the same key or e-mail won; answer as it did.
                if idempotency_key and (previous := self.store.idempotent_response(idempotency_key)):
                    return previous
                continue
            try:
                self.scoring_queue.enqueue(lead.lead_id)
            except Exception as error:
                # Never leave a stored lead that nothing will score: undo, and let the caller retry.
                self.store.delete_new_lead(lead, idempotency_key)
                raise IngestUnavailable("the scoring queue is unavailable; nothing was stored") from error
            return response
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

    def _record_touch(self, lead_id: str, submission: LeadSubmission) -> dict[str, Any]:
        def touch(lead: Lead) -> None:
            lead.touches += 1
            add_history(
                lead,
                "touch",
                f"submitted {submission.form.value} again at {submission.submitted_at.isoformat()}",
            )

        lead = update_lead(self.store, lead_id, touch)
        return {
            "lead_id": lead.lead_id,
            "status": lead.status.value,
            "duplicate": True,
            "touches": lead.touches,
        }

    def read(self, lead_id: str) -> dict[str, Any] | None:
        lead = self.store.get_lead(lead_id)
        return None if lead is None else lead_view(lead)


def lead_view(lead: Lead) -> dict[str, Any]:
    """GET /leads/{id}: the api.md shape, with the per-lead reasons behind the score."""
    scores = lead.scores
    return {
        "lead_id": lead.lead_id,
        "status": lead.status.value,
        "email": lead.email,
        "account": lead.account,
        "form": lead.form.value,
        "submitted_at": lead.submitted_at.isoformat(),
        "touches": lead.touches,
        "scores": None if scores is None else scores.model_dump(mode="json"),
        "tier": lead.tier,
        "flags": lead.flags,
        "reasons": lead.reasons,
        "review": None if lead.review is None else lead.review.model_dump(mode="json"),
        "route": None if lead.route is None else lead.route.model_dump(mode="json"),
        "escalated": lead.escalated,
        "sla": lead.sla.model_dump() if lead.sla else None,
        "failure": lead.failure,
        "outcomes": [o.model_dump(mode="json") for o in lead.outcomes],
        "history": [h.model_dump(mode="json", exclude_none=True) for h in lead.history],
    }
