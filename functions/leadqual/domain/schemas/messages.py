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
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from leadqual.domain.schemas.lead import Reevaluation
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.shared import BuiltOnFirstUse
from leadqual.domain.schemas.vocabulary import ReviewStatus, RouteAction

# Named in signatures only: the scoring function, which imports this module for its own message,
# never loads the lead's full record beyond what it already has, nor the review's and decision's.
if TYPE_CHECKING:
    from leadqual.domain.schemas.decision import RoutingDecision
    from leadqual.domain.schemas.lead import Lead
    from leadqual.domain.schemas.review import Review


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
    def of(cls, review: Review) -> ReviewOutcome:
        """The outcome of a decided review: its final route, and its times."""
        return cls(
            review_id=review.review_id, action=review.final_route or review.suggested_route,
            status=review.status, requested_at=review.created_at, decided_at=review.decided_at,
        )  # fmt: skip


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
    A consumer reads `schema_version` first; a change that is not additive raises it. Version 2 carries
    ids only (no e-mail): a consumer that needs the person reads the lead by its id.
    """

    schema_version: Literal[2] = 2
    dedupe_id: str
    lead_id: str
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
            dedupe_id=route.dispatch_id, lead_id=lead.lead_id, account=lead.account,
            tier=decision.tier, flags=decision.flags, reasons=decision.reasons, scores=lead.scores,
            route=RoutedTo.model_validate(route.model_dump(include=set(RoutedTo.model_fields))),
        )  # fmt: skip


class CrmChange(StrEnum):
    """Why a lead's CRM record is written again."""

    ROUTED = "routed"  # routed or held (first time, or after a review or a re-evaluation)
    OUTCOME = "outcome"  # an outcome was recorded (the lead's status in the CRM may follow)
    RESCORED = "rescored"


class CrmSyncRequest(BuiltOnFirstUse):
    """The CRM-sync FIFO queue: ids only; the writer reads the lead itself.

    `change_id` is the queue's deduplication id (a dispatch id, or an outcome's) and the writer's:
    a redelivered change writes nothing twice. The message group is the lead, so one lead's changes
    are written in order.
    """

    schema_version: Literal[1] = 1
    change_id: str
    lead_id: str
    change: CrmChange


class AlertWorkKind(StrEnum):
    ANNOUNCE_ASSIGNMENT = "announce_assignment"  # tell the rep a lead went to (Dispatch)
    ANNOUNCE_REVIEW = "announce_review"  # tell a review's reviewers (the review request)
    ACKNOWLEDGED = "acknowledged"  # someone acknowledged in Slack: update the DM, the timeline
    NOT_A_FIT = "not_a_fit"  # the rep said not a fit: the ledger, the model's feedback
    REVIEW_DECIDED = "review_decided"  # decided (in Slack or the console): update every reviewer's DM
    SLA_STEP = "sla_step"  # a step of the route's SLA chain is due (EventBridge Scheduler sends it)
    CRM_ACTIVITY = "crm_activity"  # activity on the CRM record: it acknowledges (the CRM read side)


class AlertWork(BuiltOnFirstUse):
    """The alert FIFO queue: ids only. `work_id` is the deduplication id and the follow-up's mark
    on its alert, so a resend does nothing twice; the message group is the lead."""

    work_id: str
    kind: AlertWorkKind
    alert_id: str
    lead_id: str
    attempt: int = 0  # which assignment of the lead (0: the route's; n: the n-th reassignment)
    review_id: str | None = None
    step: int | None = None  # SLA_STEP: which of the route's steps (policy `sla`)
    at: datetime | None = None  # CRM_ACTIVITY: when the activity was logged
    by: str | None = None  # CRM_ACTIVITY: whose lead it is (the rep the alert went to)
