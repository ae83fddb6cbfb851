"""A lead as stored: its state, scores, review, route, history and outcomes."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    Field,
)

from leadqual.domain.schemas.crm_writes import CrmSyncState
from leadqual.domain.schemas.roster import Candidate
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.shared import Company, Utm
from leadqual.domain.schemas.vocabulary import FormType, OutcomeKind, ReviewStatus, RouteAction


class LeadStatus(StrEnum):
    RECEIVED = "received"
    SCORED = "scored"
    PENDING_REVIEW = "pending_review"
    ROUTED = "routed"
    HOLD = "hold"
    FAILED = "failed"


# What a lead keeps of its review; the review itself is a record of its own (schemas/review.py).
class ReviewSummary(BaseModel):
    review_id: str
    status: ReviewStatus
    triggers: list[str]
    due_at: datetime | None = None
    suggested_route: RouteAction | None = None  # what the rules proposed, for the reports
    # Who decided, and when: noted before the decision resumes the workflow, so Dispatch reads it
    # with the lead instead of reading the review again.
    decided_by: str | None = None
    decided_at: datetime | None = None


class Route(BaseModel):
    action: RouteAction
    owner: str
    rule: str
    decided_by: str
    routed_at: datetime
    assignment: str | None = None  # how the owner was chosen, when it was not the rule's own
    # Every rep of the pool when the owner was given out fairly: eligible or why not, and shortfalls.
    candidates: list[Candidate] = []
    # Lead and evaluation: every message about this route carries it, so none is acted on twice.
    dispatch_id: str | None = None
    sent_to_queue: bool = False
    sent_to_crm: bool = False  # handed to the CRM writer's queue
    alerted: bool = False  # handed to the alert queue (the rep's Slack DM)
    announced: bool = False


class HistoryEntry(BaseModel):
    at: datetime
    event: str
    detail: str | None = None


class Reevaluation(StrEnum):
    NEW_SIGNALS = "new_signals"
    HOLD_EXPIRED = "hold_expired"


class Sla(BaseModel):
    """Speed to lead, per lead: what the first-hour promise is measured by."""

    seconds_to_route: float
    seconds_in_review: float | None = None
    seconds_to_acknowledge: float | None = None  # from the route to the rep's acknowledgement
    # From the route to the first sales activity on the CRM record (a call, e-mail, meeting, note
    # logged), as the CRM read side sees it; None: none yet, or no CRM.
    seconds_to_first_activity: float | None = None


class OutcomeRecord(BaseModel):
    """What sales reported after the route: the feedback that retraining and the reports read."""

    outcome: OutcomeKind
    amount: float | None = None
    misrouted: bool = False
    correct_route: RouteAction | None = None
    note: str = ""
    occurred_at: datetime
    recorded_at: datetime


class Lead(BaseModel):
    lead_id: str
    status: LeadStatus
    email: str
    account: str | None
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    phone: str | None = None
    company: Company = Field(default_factory=Company)
    form: FormType
    source: str | None = None
    utm: Utm | None = None
    anonymous_id: str | None = None
    submitted_at: datetime
    received_at: datetime
    touches: int = 1
    scores: Scores | None = None
    # The raw record the model scored (the feature specification's columns): what retraining
    # learns from once sales reports the outcome, exactly as serving saw it then.
    model_input: dict[str, Any] | None = None
    tier: str | None = None
    policy_version: int | None = None
    flags: list[str] = []
    reasons: list[str] = []
    review: ReviewSummary | None = None
    route: Route | None = None
    escalated: bool = False
    # Which evaluations' reviews were escalated, and of which the AE was told (marked after the
    # notice is sent, so a retried Escalate task sends none again).
    escalated_evaluations: list[int] = []
    escalations_notified: list[int] = []
    # Re-evaluations of a held lead: how many, since when it is held, and why one is in flight.
    evaluations: int = 0
    held_since: datetime | None = None
    reevaluation: Reevaluation | None = None
    sla: Sla | None = None
    failure: str | None = None
    dead_letter_queue: str | None = None  # where a message about this lead went after its last attempt
    outcomes: list[OutcomeRecord] = []
    history: list[HistoryEntry] = []
    # What leadqual wrote to the CRM for this lead, and each write (None: nothing yet).
    crm: CrmSyncState | None = None
