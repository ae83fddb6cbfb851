"""What callers send: the bodies of the API's POST and PUT routes, accepted exactly as documented."""

from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    Strict,
    StrictBool,
    Tag,
    model_validator,
)

from leadqual.domain.schemas.shared import (
    CallerTimestamp,
    Domain,
    EmailAddress,
    RouteAction,
    ShortText,
    StrictModel,
    utc_now,
)


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
