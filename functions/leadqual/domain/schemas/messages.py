"""Every message between leadqual's functions, and the event it announces: one model each, which its
producer writes and its consumer reads.

Workflow payloads carry ids, the route and flags only: Step Functions keeps every state's input and
output in the execution history for 90 days, so nothing personal travels through the workflow. The
routing decision itself (reasons, triggers, owner) is stored with the lead and read by id. Only the
scoring function's message is built at import; the others are built when first used, so scoring's
cold start does not pay for them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from leadqual.domain.schemas.decision import RoutingDecision
from leadqual.domain.schemas.lead import Lead, Reevaluation
from leadqual.domain.schemas.review import ReviewOutcome
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.shared import BuiltOnFirstUse
from leadqual.domain.schemas.vocabulary import RouteAction


class ScoringRequest(BaseModel):
    """The scoring queue: a new lead, or a held one that new signals or time woke up."""

    lead_id: str
    reevaluation: Reevaluation | None = None


class ReviewRequest(BuiltOnFirstUse):
    """The review-request queue: written by the state machine's AwaitReview task (its MessageBody in
    `workflow.definition`), read by the review-request function. The token is kept server-side."""

    task_token: str
    lead_id: str
    evaluation: int = 0


class RouteInput(BuiltOnFirstUse):
    """What the workflow starts with, and Route reads."""

    lead_id: str


class RoutedLead(BuiltOnFirstUse):
    """What Route hands the rest of the workflow."""

    lead_id: str
    evaluation: int
    needs_review: bool


class EvaluationInput(BuiltOnFirstUse):
    """Which decision a task is about: the lead and its evaluation (Escalate)."""

    lead_id: str
    evaluation: int = 0


class DispatchInput(EvaluationInput):
    """Dispatch: the decision, and what the review made of it (None: the rules routed it alone)."""

    review: ReviewOutcome | None = None


class FailureInput(BuiltOnFirstUse):
    """RecordFailure: the lead, and the error Step Functions caught."""

    lead_id: str
    error: dict[str, Any]


class RoutedTo(BuiltOnFirstUse):
    """Where a lead went, and who decided: the route without its delivery bookkeeping."""

    action: RouteAction
    owner: str
    rule: str
    decided_by: str
    routed_at: datetime
    assignment: str | None = None


class LeadRouted(BuiltOnFirstUse):
    """A routed lead, as its action queue receives it and as `lead.routed` announces it on the bus.

    `dedupe_id` is the same for every resend of one routing (the lead and its evaluation): the FIFO
    queues drop a resend by it, and an event's consumer drops one by it (EventBridge has no such id).
    A consumer reads `schema_version` first; a change that is not additive raises it.
    """

    schema_version: Literal[1] = 1
    dedupe_id: str
    lead_id: str
    email: str
    account: str | None
    tier: str | None
    flags: list[str]
    reasons: list[str]
    scores: Scores | None
    route: RoutedTo

    @classmethod
    def of(cls, lead: Lead, decision: RoutingDecision) -> LeadRouted:
        """The message for a lead whose route is stored (Dispatch stores it before it sends)."""
        route = lead.route
        assert route is not None and route.dispatch_id is not None, "a route is stored before it is sent"
        return cls(
            dedupe_id=route.dispatch_id, lead_id=lead.lead_id, email=lead.email, account=lead.account,
            tier=decision.tier, flags=decision.flags, reasons=decision.reasons, scores=lead.scores,
            route=RoutedTo.model_validate(route.model_dump(include=set(RoutedTo.model_fields))),
        )  # fmt: skip
