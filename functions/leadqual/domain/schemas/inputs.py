"""What callers send: the bodies of the API's POST and PUT routes, accepted exactly as documented."""

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

from leadqual.domain.schemas.roster import REP_ID_PATTERN, Away, RepSettings
from leadqual.domain.schemas.shared import (
    CallerTimestamp,
    Company,
    Domain,
    EmailAddress,
    ShortText,
    StrictModel,
    Utm,
    utc_now,
)
from leadqual.domain.schemas.vocabulary import (
    DecisionKind,
    EventType,
    FormType,
    OutcomeKind,
    PageCategory,
    RouteAction,
)


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


class RepUpdate(RepSettings):
    """Body of PUT /roster/{rep}: the rep's settings whole, over the version the editor read."""

    version: Annotated[int, Strict()] = Field(
        ge=1, description="The rep's version as GET /roster gave it: a later edit is a 409"
    )


class NewRep(RepSettings):
    """Body of POST /roster: a rep who joins (they start in each pool as its `newcomer` says)."""

    rep: str = Field(pattern=REP_ID_PATTERN, description="Their user name, as they sign in")


class AwayUpdate(StrictModel):
    """Body of PUT /roster/{rep}/away: the rep's time off whole (a rep sets their own)."""

    away: list[Away] = Field(max_length=50)
    version: Annotated[int, Strict()] = Field(ge=1)
