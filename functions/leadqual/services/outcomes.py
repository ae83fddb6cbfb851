"""POST /leads/{id}/outcome: what sales reports after the route, kept for feedback and reactivation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from leadqual.domain.ports import CrmChangeQueue, LeadStore, SignalStore
from leadqual.domain.schemas.inputs import OutcomeReport
from leadqual.domain.schemas.lead import Lead, OutcomeRecord
from leadqual.domain.schemas.messages import CrmChange, CrmSyncRequest
from leadqual.domain.schemas.shared import utc_now
from leadqual.domain.signals import PastTouch
from leadqual.services.context import person_keys
from leadqual.services.distribution import DistributionService
from leadqual.services.leads import add_history, update_lead


class UnknownLeadForOutcome(LookupError):
    pass


class OutcomeRecorded(NamedTuple):
    """An outcome on its lead, and how many the lead has now (the same report twice is kept once)."""

    lead_id: str
    record: OutcomeRecord
    outcomes: int


@dataclass
class OutcomeService:
    leads: LeadStore
    signals: SignalStore
    distribution: DistributionService
    crm_changes: CrmChangeQueue

    def record(self, lead_id: str, report: OutcomeReport) -> OutcomeRecorded:
        record = OutcomeRecord(**report.model_dump(), recorded_at=utc_now())

        def add(current: Lead) -> bool:
            if any(
                o.outcome == record.outcome and o.occurred_at == record.occurred_at for o in current.outcomes
            ):
                return False  # the CRM sync sent the same outcome again
            current.outcomes.append(record)
            detail = record.outcome.value
            if record.misrouted:
                should = f" (should have been {record.correct_route.value})" if record.correct_route else ""
                detail += f"; misrouted{should}"
            add_history(current, "outcome_reported", detail)
            return True

        try:
            lead = update_lead(self.leads, lead_id, add)
        except LookupError:
            raise UnknownLeadForOutcome(lead_id) from None
        # Kept on the person and the account: a closed-lost account that comes back is 'reactivated'.
        self.signals.add_touch(
            person_keys(lead),
            lead.account,
            PastTouch(lead_id=lead_id, at=record.occurred_at, outcome=record.outcome),
        )
        # The SDR who held the lead has worked it: the slot is free for the next one.
        self.distribution.release(lead_id)
        if lead.route is not None:
            # The CRM record follows (its lead status, where RevOps lets leadqual set it). Sent for a
            # repeated report too, with the same id: a first send that failed is made good, and the
            # queue or the writer drops a second.
            change_id = f"{lead_id}-o-{record.outcome.value}-{int(record.occurred_at.timestamp())}"
            self.crm_changes.send(
                CrmSyncRequest(change_id=change_id, lead_id=lead_id, change=CrmChange.OUTCOME)
            )
        return OutcomeRecorded(lead_id, record, len(lead.outcomes))
