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
from leadqual.domain.schemas.account import Account
from leadqual.domain.schemas.inputs import FormType
from leadqual.domain.schemas.lead import Lead, LeadStatus
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

    def save_lead(self, lead: Lead, expected_version: int) -> int:
        if self.leads[lead.lead_id][1] != expected_version:
            raise ConflictError(f"lead {lead.lead_id} changed since version {expected_version}")
        self.saves[lead.lead_id] += 1
        self.leads[lead.lead_id] = (lead.model_copy(deep=True), expected_version + 1)
        return expected_version + 1


@dataclass
class NoSignals:
    """A SignalStore that knows nothing about anyone: no account, behaviour, intent or history."""

    def get_account(self, domain: str) -> Account | None:
        return None

    def events_for(self, person_keys: Any) -> list[StoredEvent]:
        return []

    def intents_for(self, domain: str) -> list[StoredIntent]:
        return []

    def touches_for(self, person_keys: Any, domain: str | None) -> list[PastTouch]:
        return []


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
