"""The console's CRM sync page: the backlog, the budget used, owners kept, and the changes the CRM
refused, with a retry that sends them back to the writer."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

from leadqual.domain.ports import CrmLedger, CrmQueueAdmin
from leadqual.domain.schemas.crm_writes import CrmBudgetUsed, CrmConflict, CrmRefusal

CONFLICTS_SHOWN = 50


class CrmOverview(BaseModel):
    waiting: int = Field(description="Changes waiting in the CRM-sync queue")
    writing: int = Field(description="Changes a writer holds now")
    budget: CrmBudgetUsed | None = Field(
        description="Today's API requests against leadqual's share; none before the first write"
    )
    conflicts: list[CrmConflict] = Field(description="Owners a person set that leadqual kept, newest first")
    refused: list[CrmRefusal] = Field(description="Changes in the DLQ, with why")
    dead_lettered: int = Field(description="Messages in the CRM-sync DLQ")


class CrmRetried(BaseModel):
    moved: int = Field(description="Changes sent back to the CRM writer")
    lead_ids: list[str]


@dataclass
class CrmConsoleService:
    ledger: CrmLedger
    queue: CrmQueueAdmin

    def overview(self) -> CrmOverview:
        waiting, writing = self.queue.backlog()
        return CrmOverview(
            waiting=waiting,
            writing=writing,
            budget=self.ledger.budget(),
            conflicts=self.ledger.conflicts(CONFLICTS_SHOWN),
            refused=self.ledger.refused(),
            dead_lettered=self.queue.dead_lettered(),
        )

    def retry(self) -> CrmRetried:
        moved = self.queue.redrive()
        self.ledger.clear_refused(sorted(set(moved)))
        return CrmRetried(moved=len(moved), lead_ids=moved)
