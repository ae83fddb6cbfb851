"""The hold sweep: a lead held longer than the policy allows is evaluated one last time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from leadqual.domain.policy import Policy
from leadqual.domain.ports import HoldIndex, ScoringQueue
from leadqual.domain.schemas.lead import Reevaluation


@dataclass
class HoldSweeper:
    holds: HoldIndex
    scoring_queue: ScoringQueue
    policy: Policy

    def sweep(self, now: datetime) -> list[str]:
        """Queues every lead held for max_days or longer; their rules run once more, and a lead the
        rules would still hold goes to the policy's `hold.then` action (rule `hold-expired`)."""
        expired = self.holds.held_before(now - timedelta(days=self.policy.hold.max_days))
        for lead_id in expired:
            self.scoring_queue.enqueue(lead_id, Reevaluation.HOLD_EXPIRED)
        return expired
