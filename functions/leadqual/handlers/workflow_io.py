"""The state machine's payloads, validated at every task boundary."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from leadqual.domain.models import ReviewOutcome, RoutingDecision


class RouteInput(BaseModel):
    lead_id: str


class DecisionInput(BaseModel):
    decision: RoutingDecision


class DispatchInput(BaseModel):
    decision: RoutingDecision
    review: ReviewOutcome | None = None


class FailureInput(BaseModel):
    lead_id: str
    error: dict[str, Any]
