"""Human checkpoints: record a review with its task token, list them, and take an SDR's decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from leadqual.domain.models import (
    DecisionKind,
    Lead,
    LeadStatus,
    Review,
    ReviewDecisionRequest,
    ReviewOutcome,
    ReviewStatus,
    ReviewSummary,
    RoutingDecision,
    utc_now,
)
from leadqual.domain.ports import ConflictError, LeadStore, Notifier, TaskTokenExpired, Workflow
from leadqual.resources import RouteAction
from leadqual.services.leads import add_history, update_lead

STATUS_BY_DECISION = {
    DecisionKind.APPROVE: ReviewStatus.APPROVED,
    DecisionKind.REJECT: ReviewStatus.REJECTED,
    DecisionKind.REROUTE: ReviewStatus.REROUTED,
}


class ReviewNotFound(LookupError):
    pass


class ReviewClosed(Exception):
    """The review was already decided or has expired (HTTP 409)."""


def review_id_for(lead_id: str, evaluation: int = 0) -> str:
    # One review per lead workflow (a held lead's re-evaluation is another one), so a redelivered
    # request finds the review it already made.
    suffix = f"-e{evaluation}" if evaluation else ""
    return "rv_" + lead_id.removeprefix("ld_") + suffix


def final_action(review: Review, request: ReviewDecisionRequest) -> RouteAction:
    if request.route is not None:
        return request.route
    if request.decision is DecisionKind.REJECT:
        return RouteAction.NURTURE
    return review.suggested_route


def review_view(review: Review) -> dict[str, Any]:
    """What an SDR sees; never the task token."""
    return {
        "review_id": review.review_id,
        "lead_id": review.lead_id,
        "account": review.account,
        "status": review.status.value,
        "triggers": review.triggers,
        "why_review": review.review_reasons,
        "reasons": review.reasons,
        "recent_behaviour": review.recent_behaviour,
        "intent_topics": review.intent_topics,
        # The model's own top factors, for and against, in the rep's words.
        "scores": review.scores.model_dump(mode="json") if review.scores else None,
        "suggested_route": review.suggested_route.value,
        "suggested_owner": review.suggested_owner,
        "rule": review.rule,
        "created_at": review.created_at.isoformat(),
        "due_at": review.due_at.isoformat(),
        **(
            {
                "decision": review.decision.value if review.decision else None,
                "decided_by": review.decided_by,
                "final_route": review.final_route.value if review.final_route else None,
            }
            if review.status is not ReviewStatus.PENDING
            else {}
        ),  # fmt: skip
    }


@dataclass
class ReviewService:
    leads: LeadStore
    notifier: Notifier
    workflow: Workflow
    timeout_seconds: int

    def request(self, decision: RoutingDecision, task_token: str) -> Review:
        lead = self.leads.get_lead(decision.lead_id)
        if lead is None:
            raise LookupError(f"lead {decision.lead_id} does not exist")
        now = utc_now()
        review = Review(
            review_id=review_id_for(lead.lead_id, decision.evaluation),
            lead_id=lead.lead_id,
            account=lead.account,
            status=ReviewStatus.PENDING,
            triggers=decision.triggers,
            review_reasons=decision.review_reasons,
            reasons=decision.reasons,
            recent_behaviour=decision.recent_behaviour,
            intent_topics=decision.intent_topics,
            scores=lead.scores,
            suggested_route=decision.action,
            suggested_owner=decision.owner,
            rule=decision.rule,
            created_at=now,
            due_at=now + timedelta(seconds=self.timeout_seconds),
        )
        if not self.leads.create_review(review, task_token):
            existing = self.leads.get_review(review.review_id)
            assert existing is not None
            return existing[0]

        def mark_pending(current: Lead) -> None:
            current.status = LeadStatus.PENDING_REVIEW
            current.review = ReviewSummary(
                review_id=review.review_id,
                status=review.status,
                triggers=review.triggers,
                due_at=review.due_at,
            )
            add_history(current, "review_requested", ", ".join(review.triggers))

        update_lead(self.leads, lead.lead_id, mark_pending)
        self.notifier.notify(
            f"Review needed: {lead.email} ({', '.join(review.triggers) or decision.rule})",
            "\n".join(
                [
                    f"Lead {lead.lead_id} ({lead.email}, account {lead.account or 'none'}) needs an SDR decision "
                    f"before {review.due_at.isoformat()}.",
                    f"Suggested route: {decision.action.value} to {decision.owner}.",
                    "Why a human: " + "; ".join(review.review_reasons),
                    *(
                        [
                            f"Scores: fit {lead.scores.fit}, engagement {lead.scores.engagement}, "
                            f"intent {lead.scores.intent}, grade {lead.scores.grade}"
                        ]
                        if lead.scores
                        else []
                    ),
                    *[f"Recent behaviour: {b}" for b in review.recent_behaviour],
                    *[f"Intent topic: {t}" for t in review.intent_topics],
                    *review.reasons,
                ]
            ),
            {"kind": "review_requested", "lead_id": lead.lead_id, "review_id": review.review_id},
        )
        return review

    def pending(self, account: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
        reviews, next_cursor = self.leads.pending_reviews(account, limit, cursor)
        return {"reviews": [review_view(r) for r in reviews], "next": next_cursor}

    def decide(self, review_id: str, request: ReviewDecisionRequest) -> dict[str, Any]:
        found = self.leads.get_review(review_id)
        if found is None:
            raise ReviewNotFound(review_id)
        review, version, token = found
        if review.status is not ReviewStatus.PENDING:
            raise ReviewClosed(f"review {review_id} is already {review.status.value}")
        action = final_action(review, request)
        review.status = STATUS_BY_DECISION[request.decision]
        review.decision = request.decision
        review.decided_by = request.reviewer
        review.decided_at = utc_now()
        review.final_route = action
        review.note = request.note
        try:
            # Claim the decision first: of two SDRs deciding at once, one gets 409.
            self.leads.save_review(review, version)
        except ConflictError as error:
            raise ReviewClosed(f"review {review_id} was decided by someone else") from error
        outcome = ReviewOutcome(
            review_id=review_id,
            action=action,
            decided_by=request.reviewer,
            status=review.status,
            note=request.note,
        )
        try:
            self.workflow.resume(token, outcome.model_dump(mode="json"))
        except TaskTokenExpired as error:
            review.status = ReviewStatus.EXPIRED
            self.leads.save_review(review, version + 1)
            raise ReviewClosed(f"review {review_id} expired before the decision arrived") from error
        self._mark_lead(review)
        return review_view(review)

    def expire(self, lead_id: str, evaluation: int = 0) -> str | None:
        review_id = review_id_for(lead_id, evaluation)
        found = self.leads.get_review(review_id)
        if found is None:
            return None
        review, version, _ = found
        if review.status is ReviewStatus.PENDING:
            review.status = ReviewStatus.EXPIRED
            self.leads.save_review(review, version)
            self._mark_lead(review)
        return review_id

    def _mark_lead(self, review: Review) -> None:
        def mark(current: Lead) -> None:
            if current.review is not None:
                current.review.status = review.status
            detail = f"{review.decision.value if review.decision else review.status.value} by {review.decided_by or 'timeout'}"
            if review.final_route:
                detail += f" -> {review.final_route.value}"
            add_history(current, "review_decided" if review.decision else "review_expired", detail)

        update_lead(self.leads, review.lead_id, mark)
