"""The state machine's payloads, validated at every task boundary.

Ids, the route and flags only: Step Functions keeps every state's input and output in the
execution history for 90 days, so nothing personal travels through the workflow. The routing
decision itself (reasons, triggers, owner) is stored with the lead and read by id.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from leadqual.domain.schemas.review import ReviewOutcome


class RouteInput(BaseModel):
    lead_id: str


class RoutedLead(BaseModel):
    """What Route hands the rest of the workflow."""

    lead_id: str
    evaluation: int
    needs_review: bool


class EvaluationInput(BaseModel):
    lead_id: str
    evaluation: int = 0


class DispatchInput(EvaluationInput):
    review: ReviewOutcome | None = None


class FailureInput(BaseModel):
    lead_id: str
    error: dict[str, Any]
