"""Pydantic models for everything that crosses a boundary: API bodies, stored records, messages."""

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    Strict,
    StrictBool,
    Tag,
    WithJsonSchema,
    model_validator,
)

from leadqual.domain.identity import (
    DOMAIN_MAX_LENGTH,
    DOMAIN_PATTERN,
    EMAIL_MAX_LENGTH,
    EMAIL_PATTERN,
    normalize_domain,
    normalize_email,
)
from leadqual.resources import RouteAction

MAX_BACKFILL = timedelta(days=3 * 365)
MAX_CLOCK_SKEW = timedelta(minutes=5)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _within_accepted_window(value: datetime) -> datetime:
    now = utc_now()
    if value > now + MAX_CLOCK_SKEW:
        raise ValueError("is in the future (more than 5 minutes of clock skew)")
    if value < now - MAX_BACKFILL:
        raise ValueError("is more than 3 years in the past")
    return value.astimezone(UTC)


_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _iso_8601_text(value: Any) -> Any:
    # Pydantic would also read a number (or a numeric string, as every query value is) as Unix
    # time; the contract says ISO 8601 text, so that is all that is read.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or _NUMBER.fullmatch(value.strip()):
        raise ValueError("must be ISO 8601 text with a time zone, e.g. 2026-12-01T09:30:00Z")
    return value


# A time as ISO 8601 text with a zone.
IsoTime = Annotated[AwareDatetime, BeforeValidator(_iso_8601_text)]
# A caller-given time: ISO 8601 with a zone, at most 3 years back, not in the future.
CallerTimestamp = Annotated[IsoTime, AfterValidator(_within_accepted_window)]
EmailAddress = Annotated[
    str,
    AfterValidator(normalize_email),
    WithJsonSchema({"type": "string", "pattern": EMAIL_PATTERN, "maxLength": EMAIL_MAX_LENGTH}),
]
Domain = Annotated[
    str,
    AfterValidator(normalize_domain),
    WithJsonSchema({"type": "string", "pattern": DOMAIN_PATTERN, "maxLength": DOMAIN_MAX_LENGTH}),
]
ShortText = Annotated[str, Field(max_length=500)]


class StrictModel(BaseModel):
    """What callers send, accepted exactly as the OpenAPI document describes it (so no silent
    trimming, and numbers and booleans are JSON's own: "5" is not 5, nor 0 false). Validators are built on first use, not at import: most functions never see a
    request body, and building these schemas up front cost ~20-40 ms of every cold start."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class FormType(StrEnum):
    CONTACT_SALES = "contact_sales"
    DEMO_REQUEST = "demo_request"
    PRICING_REQUEST = "pricing_request"
    CONTENT_DOWNLOAD = "content_download"
    WEBINAR_REGISTRATION = "webinar_registration"
    NEWSLETTER = "newsletter"
    TRIAL_SIGNUP = "trial_signup"
    OTHER = "other"


class Company(StrictModel):
    name: ShortText | None = None
    domain: Domain | None = None
    employees: Annotated[int, Strict(), Field(ge=0, le=10_000_000)] | None = None
    annual_revenue: Annotated[float, Strict(), Field(ge=0, le=1e13)] | None = None
    industry: ShortText | None = None
    country: Annotated[str, Field(min_length=2, max_length=2)] | None = None


class Utm(StrictModel):
    source: ShortText | None = None
    medium: ShortText | None = None
    campaign: ShortText | None = None
    term: ShortText | None = None
    content: ShortText | None = None


class LeadSubmission(StrictModel):
    """Body of POST /leads."""

    email: EmailAddress
    form: FormType
    first_name: ShortText | None = None
    last_name: ShortText | None = None
    title: ShortText | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    company: Company = Field(default_factory=Company)
    content: ShortText | None = None
    source: ShortText | None = None
    utm: Utm | None = None
    anonymous_id: Annotated[str, Field(max_length=200)] | None = None
    submitted_at: CallerTimestamp = Field(default_factory=utc_now)


class EventType(StrEnum):
    PAGE_VIEW = "page_view"
    CONTENT_DOWNLOAD = "content_download"
    FORM_SUBMIT = "form_submit"
    EMAIL_OPEN = "email_open"
    EMAIL_CLICK = "email_click"
    WEBINAR_ATTENDED = "webinar_attended"
    MEETING_BOOKED = "meeting_booked"
    PRODUCT_SIGNUP = "product_signup"
    OTHER = "other"


class PageCategory(StrEnum):
    PRICING = "pricing"
    CASE_STUDY = "case_study"
    COMPETITOR_COMPARISON = "competitor_comparison"
    PRODUCT = "product"
    DOCS = "docs"
    BLOG = "blog"
    CAREERS = "careers"
    OTHER = "other"


class BehaviourEvent(StrictModel):
    """One first-party event in POST /events."""

    type: EventType
    lead_id: Annotated[str, Field(max_length=64)] | None = None
    email: EmailAddress | None = None
    anonymous_id: Annotated[str, Field(max_length=200)] | None = None
    url: Annotated[str, Field(max_length=2000)] | None = None
    page_category: PageCategory | None = None
    occurred_at: CallerTimestamp = Field(default_factory=utc_now)

    @model_validator(mode="after")
    def _identified(self) -> Self:
        if not (self.lead_id or self.email or self.anonymous_id):
            raise ValueError("identify the person by lead_id, email or anonymous_id")
        return self


class EventBatch(StrictModel):
    events: Annotated[list[BehaviourEvent], Field(min_length=1, max_length=500)]


def _batch_or_one(value: Any) -> str:
    return "<batch>" if isinstance(value, dict) and "events" in value else "<event>"


class EventsPosted(
    RootModel[
        Annotated[
            Annotated[EventBatch, Tag("<batch>")] | Annotated[BehaviourEvent, Tag("<event>")],
            Discriminator(_batch_or_one),
        ]
    ]
):
    """POST /events takes one event or a batch; a body with `events` is read as a batch only, so a
    refusal names the fields of the form the caller sent."""

    def all_events(self) -> list[BehaviourEvent]:
        return self.root.events if isinstance(self.root, EventBatch) else [self.root]


class IntentSignal(StrictModel):
    domain: Domain
    topic: ShortText
    score: Annotated[float, Strict(), Field(ge=0, le=100)]
    competitor: ShortText | None = None
    observed_at: CallerTimestamp = Field(default_factory=utc_now)


class IntentBatch(StrictModel):
    signals: Annotated[list[IntentSignal], Field(min_length=1, max_length=1000)]


class AccountProfile(StrictModel):
    """Body of PUT /accounts/{domain}: firmographics and strategy RevOps owns."""

    name: ShortText | None = None
    employees: Annotated[int, Strict(), Field(ge=0, le=10_000_000)] | None = None
    annual_revenue: Annotated[float, Strict(), Field(ge=0, le=1e13)] | None = None
    industry: ShortText | None = None
    country: Annotated[str, Field(min_length=2, max_length=2)] | None = None
    technologies: Annotated[list[ShortText], Field(max_length=200)] = []
    named_account: StrictBool = False
    owner: Annotated[str, Field(max_length=200)] | None = None
    tier: Annotated[str, Field(max_length=50)] | None = None
    strategic: StrictBool = Field(default=False, description="RevOps marks strategically important accounts")


class Account(AccountProfile):
    domain: str
    updated_at: datetime


class DecisionKind(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REROUTE = "reroute"


class ReviewDecisionRequest(StrictModel):
    """Body of POST /reviews/{review_id}/decision."""

    # The rule below, in the OpenAPI document's terms: a reroute names its route.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"decision": {"const": "reroute"}}, "required": ["decision"]},
            "then": {"required": ["route"], "properties": {"route": {"type": "string"}}},
        }
    )

    decision: DecisionKind
    reviewer: Annotated[str, Field(min_length=1, max_length=200)]
    route: RouteAction | None = None
    note: Annotated[str, Field(max_length=2000)] = ""

    @model_validator(mode="after")
    def _route_for_reroute(self) -> Self:
        if self.decision is DecisionKind.REROUTE and self.route is None:
            raise ValueError("route is required when decision is reroute")
        return self


class OutcomeKind(StrEnum):
    MEETING_HELD = "meeting_held"
    OPPORTUNITY_CREATED = "opportunity_created"
    CLOSED_WON = "closed_won"
    CLOSED_LOST = "closed_lost"
    DISQUALIFIED = "disqualified"


class OutcomeReport(StrictModel):
    # The rule below, in the OpenAPI document's terms: a correct route only with misrouted true.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"correct_route": {"type": "string"}}, "required": ["correct_route"]},
            "then": {"properties": {"misrouted": {"const": True}}, "required": ["misrouted"]},
        }
    )

    outcome: OutcomeKind
    amount: Annotated[float, Strict(), Field(ge=0, le=1e12)] | None = None
    misrouted: StrictBool = False
    correct_route: RouteAction | None = None
    note: Annotated[str, Field(max_length=2000)] = ""
    occurred_at: CallerTimestamp = Field(default_factory=utc_now)

    @model_validator(mode="after")
    def _correct_route_only_when_misrouted(self) -> Self:
        if self.correct_route is not None and not self.misrouted:
            raise ValueError("correct_route is only given when misrouted is true")
        return self


# ----- stored state -----------------------------------------------------------------------------


class LeadStatus(StrEnum):
    RECEIVED = "received"
    SCORED = "scored"
    PENDING_REVIEW = "pending_review"
    ROUTED = "routed"
    HOLD = "hold"
    FAILED = "failed"


class Reason(BaseModel):
    """One factor behind a score: its share of the model's log-odds, and how a rep reads it."""

    feature: str
    text: str
    contribution: float


class Scores(BaseModel):
    conversion_probability: float
    fit: int
    engagement: int
    intent: int
    grade: Literal["A", "B", "C", "D"]
    model_version: str
    top_positive: list[Reason] = []
    top_negative: list[Reason] = []


class Route(BaseModel):
    action: RouteAction
    owner: str
    rule: str
    decided_by: str
    routed_at: datetime
    assignment: str | None = None  # how the owner was chosen, when it was not the rule's own
    # Lead and evaluation: every message about this route carries it, so none is acted on twice.
    dispatch_id: str | None = None
    sent_to_queue: bool = False
    announced: bool = False


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REROUTED = "rerouted"
    EXPIRED = "expired"


class ReviewSummary(BaseModel):
    review_id: str
    status: ReviewStatus
    triggers: list[str]
    due_at: datetime | None = None


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
    # Re-evaluations of a held lead: how many, since when it is held, and why one is in flight.
    evaluations: int = 0
    held_since: datetime | None = None
    reevaluation: Reevaluation | None = None
    sla: Sla | None = None
    failure: str | None = None
    dead_letter_queue: str | None = None  # where a message about this lead went after its last attempt
    outcomes: list[OutcomeRecord] = []
    history: list[HistoryEntry] = []


class BuiltOnFirstUse(BaseModel):
    """Records only some functions handle (decisions, reviews): their validators are built when first
    used, so the scoring function, which never sees one, does not build them on every cold start."""

    model_config = ConfigDict(defer_build=True)


class RoutingDecision(BuiltOnFirstUse):
    """What the rules decided for one lead, with every reason; the workflow carries it."""

    lead_id: str
    tier: str
    tier_reason: str
    action: RouteAction
    owner: str
    rule: str
    needs_review: bool
    triggers: list[str]
    flags: list[str]
    reasons: list[str]
    evaluation: int = 0  # 0 for the lead's first decision, n for its n-th re-evaluation while held
    country: str | None = None  # the account's, else the form's
    territory: str | None = None  # whose SDRs take it by round robin (policies with `assignment`)
    # For the SDR: why a human is asked, and what the person and the account have been doing.
    review_reasons: list[str] = []
    recent_behaviour: list[str] = []
    intent_topics: list[str] = []


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

    Ids and the route only: Step Functions keeps it in the execution history for 90 days, so who
    decided and their note stay on the stored review.
    """

    review_id: str
    action: RouteAction
    status: ReviewStatus
    escalated: bool = False
