"""A human review: what it asks of the SDR, the SDR's decision, and what resumes the workflow."""

from datetime import datetime
from typing import Self

from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.shared import BuiltOnFirstUse
from leadqual.domain.schemas.vocabulary import DecisionKind, ReviewStatus, RouteAction


class ReviewContent(BuiltOnFirstUse):
    """What a review asks of the SDR: stored on the review and shown to the SDR (ReviewView)."""

    review_id: str
    lead_id: str
    account: str | None
    status: ReviewStatus
    triggers: list[str]
    reasons: list[str]
    recent_behaviour: list[str] = []
    intent_topics: list[str] = []
    scores: Scores | None
    suggested_route: RouteAction
    suggested_owner: str
    rule: str
    created_at: datetime
    due_at: datetime
    # The account's tier and why, and whose SDRs the lead's territory goes to (absent on reviews
    # recorded before they were kept).
    tier: str | None = None
    tier_reason: str | None = None
    territory: str | None = None


class Review(ReviewContent):
    review_reasons: list[str] = []
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision: DecisionKind | None = None
    final_route: RouteAction | None = None
    note: str = ""
    notified: bool = False  # the SDRs were told (once)
    delivered: bool = False  # the decision reached the workflow (or its deadline settled it)


class ReviewOutcome(BuiltOnFirstUse):
    """What resumes the workflow after a review: sent with SendTaskSuccess or made by escalation.

    Ids, the route and the review's times only: Step Functions keeps it in the execution history
    for 90 days, so who decided and their note stay on the stored review (and who decided on the
    lead's summary of it, where Dispatch reads it).
    """

    review_id: str
    action: RouteAction
    status: ReviewStatus
    escalated: bool = False
    requested_at: datetime | None = None  # when the review was recorded
    decided_at: datetime | None = None  # when the SDR decided (None: escalated)

    @classmethod
    def of(cls, review: Review) -> Self:
        """The outcome of a decided review: its final route, and its times."""
        return cls(
            review_id=review.review_id, action=review.final_route or review.suggested_route,
            status=review.status, requested_at=review.created_at, decided_at=review.decided_at,
        )  # fmt: skip
