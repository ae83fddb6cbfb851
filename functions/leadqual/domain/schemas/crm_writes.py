"""What leadqual keeps on a lead of its writes to the CRM (the lead's page shows them).

Apart from the CRM policy (schemas/crm.py): every function reads the lead, and only the CRM writer
and the API need the policy's models.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel


class OwnerVerdict(StrEnum):
    WRITTEN = "written"
    UNCHANGED = "unchanged"  # the CRM's owner is leadqual's choice already
    KEPT = "kept"  # the CRM's owner stays: the owner rule says so (see `CrmWriteEntry.conflict`)
    NOT_MAPPED = "not_mapped"  # leadqual's owner has no user in this CRM (a team queue)


class CrmWriteEntry(BaseModel):
    """One write to the CRM, as the lead's page shows it."""

    at: datetime
    system: str
    record_id: str
    created: bool = False
    changed: list[str] = []  # the CRM names written
    owner: OwnerVerdict
    conflict: str | None = None  # a person's owner kept, in words
    change: str  # what leadqual sent it for (routed, review_decided, outcome, rescored)


class CrmCorrectionEntry(BaseModel):
    """Sales reassigned the lead in the CRM after leadqual routed it: a misroute for the reports."""

    at: datetime
    owner: str  # leadqual's name for the CRM user (`crm.users`), else "CRM user <id>"
    by: str | None = None


class CrmSyncState(BaseModel):
    """What leadqual wrote to the CRM for this lead: enough to write only what changed."""

    system: str | None = None
    record_id: str | None = None
    # CRM name -> digest of the value last written there (`leadqual.domain.crm.digest`).
    written: dict[str, str] = {}
    writes: list[CrmWriteEntry] = []
    # Why the last change could not be written, after every attempt (the DLQ's reason).
    dead_letter: str | None = None
    # A person's owner leadqual overwrote while writing and could not yet write back: the next
    # write of this lead writes it first.
    restore_owner: str | None = None
    corrections: list[CrmCorrectionEntry] = []


class CrmRefusal(BaseModel):
    """A change in the CRM-sync DLQ: the lead, why, and since when (the console's retry list)."""

    lead_id: str
    change_id: str
    reason: str  # conflict, validation_error:<field>, auth, budget, not_found, unavailable
    message: str
    at: datetime


class CrmConflict(BaseModel):
    """An owner a person set that leadqual kept."""

    lead_id: str
    at: datetime
    detail: str


class CrmBudgetUsed(BaseModel):
    """leadqual's API requests today against its share, as the CRM writer last saw them."""

    system: str
    spent: int
    share: int
    at: datetime
