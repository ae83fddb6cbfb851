"""A human review: what it asks of the SDR, and the SDR's decision (what resumes the workflow is a message: `messages.ReviewOutcome`)."""

from datetime import datetime

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
