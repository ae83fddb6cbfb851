"""The Escalate task: a review passed its deadline; a saved decision stands, else an AE is told."""

from __future__ import annotations

from dataclasses import dataclass

from leadqual.domain.ports import DecisionStore, LeadStore, Notifier
from leadqual.domain.schemas.lead import Lead
from leadqual.domain.schemas.messages import ReviewOutcome
from leadqual.domain.schemas.vocabulary import ReviewStatus, RouteAction
from leadqual.services.leads import add_history, read_decision, update_lead_versioned
from leadqual.services.reviews import ReviewService


@dataclass
class EscalationService:
    leads: LeadStore
    decisions: DecisionStore
    notifier: Notifier
    reviews: ReviewService

    def escalate(self, lead_id: str, evaluation: int) -> ReviewOutcome:
        """The review's deadline passed. A decision the SDR saved stands (its delivery may have
        failed); with none, an AE is notified instead of failing, and the lead says so."""
        decision = read_decision(self.decisions, lead_id, evaluation)
        review = self.reviews.settle_at_deadline(lead_id, evaluation)
        if review is not None and review.decision is not None and review.final_route is not None:
            return ReviewOutcome.of(review)

        # Stored first, then sent once, as Dispatch does: a retried task finds the lead escalated
        # and sends only a notice not yet marked sent.
        def mark_escalated(current: Lead) -> bool:
            if evaluation in current.escalated_evaluations:
                return False
            current.escalated = True
            current.escalated_evaluations.append(evaluation)
            add_history(
                current, "review_escalated", "no SDR decision before the deadline; escalated to an AE"
            )
            return True

        lead, version = update_lead_versioned(self.leads, lead_id, mark_escalated)
        if evaluation not in lead.escalations_notified:
            self.notifier.notify(
                f"Escalated: review for lead {lead_id} timed out",
                "\n".join(
                    [f"Lead {lead_id} waited past its review deadline; routed to an AE.", *decision.reasons]
                ),
                {"kind": "review_escalated", "lead_id": lead_id},
            )

            def mark_notified(current: Lead) -> bool:
                if evaluation in current.escalations_notified:
                    return False
                current.escalations_notified.append(evaluation)
                return True

            update_lead_versioned(self.leads, lead_id, mark_notified, read=(lead, version))
        return ReviewOutcome(
            review_id=review.review_id if review else "",
            action=RouteAction.AE_NOTIFY,
            status=ReviewStatus.EXPIRED,
            escalated=True,
            requested_at=review.created_at if review else None,
        )
