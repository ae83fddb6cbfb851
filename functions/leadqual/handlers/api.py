"""The HTTP API, version 1 (docs/api.md), behind API Gateway; `leadqual serve` feeds it the same events.

Powertools' resolver validates every path, query, header and body against the typed parameters
below and each answer against its model; `docs/openapi.json` is generated from the same routes
(`leadqual openapi`). Services are injected (`Depends`), so tests can hand the routes fakes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestValidationError,
    ResponseValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from leadqual import api_routes, wiring
from leadqual.api_routes import ApiRoute, Auth, Group
from leadqual.domain.policy import Policy
from leadqual.domain.schemas.account import Account, AccountProfile
from leadqual.domain.schemas.inputs import (
    EventsPosted,
    IntentBatch,
    LeadSubmission,
    OutcomeReport,
    ReviewDecisionRequest,
)
from leadqual.domain.schemas.review import Review
from leadqual.domain.schemas.shared import Domain, IsoTime
from leadqual.domain.schemas.views import (
    Accepted,
    ErrorBody,
    LeadAccepted,
    LeadView,
    OutcomeAccepted,
    PolicyInWords,
    Reports,
    Retrospective,
    ReviewPage,
    ReviewView,
    RulesExplained,
)
from leadqual.handlers.http_errors import (
    ID_PATTERN,
    HttpError,
    body_refused,
    proxy_response,
    read_json,
    validation_failed,
)
from leadqual.observability import lambda_entry, logger, metrics
from leadqual.services.feedback import FeedbackService
from leadqual.services.leads import IdempotencyKeyInUse, IngestUnavailable, LeadService
from leadqual.services.outcomes import OutcomeService, UnknownLeadForOutcome
from leadqual.services.reviews import DecisionNotDelivered, ReviewClosed, ReviewNotFound, ReviewService
from leadqual.services.signals import SignalService, UnknownLead

# Powertools' own modules name the context for type checkers only: importing it costs a cold start.
if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = APIGatewayRestResolver(
    enable_validation=True, json_body_deserializer=read_json, response_validation_error_http_code=500
)
MAX_PAGE = 500
API_VERSION = "1"

Leads = Annotated[LeadService, Depends(wiring.lead_service)]
Signals = Annotated[SignalService, Depends(wiring.signal_service)]
Outcomes = Annotated[OutcomeService, Depends(wiring.outcome_service)]
Reviews = Annotated[ReviewService, Depends(wiring.review_service)]
Feedback = Annotated[FeedbackService, Depends(wiring.feedback_service)]
RoutingPolicy = Annotated[Policy, Depends(wiring.policy)]
LeadId = Annotated[str, Path(pattern=ID_PATTERN, description="ld_... as POST /leads answered it")]
ReviewId = Annotated[str, Path(pattern=ID_PATTERN, description="rv_... as GET /reviews lists it")]

_ERROR = {"application/json": {"model": ErrorBody}}
# What every route may answer besides its success (docs/api.md, "Bodies, times and errors").
_REFUSALS: dict[int, Any] = {
    400: {"description": "Not JSON, not UTF-8, empty, too deep to read, or a bad header", "content": _ERROR},
    404: {"description": "An unknown id or route", "content": _ERROR},
    413: {"description": "A body over 1 MB", "content": _ERROR},
    415: {"description": "A Content-Type that is not JSON", "content": _ERROR},
    422: {"description": "A field or query parameter that fails validation", "content": _ERROR},
}


def _security_schemes() -> dict[str, Any]:
    """How each kind of caller authenticates in AWS (docs/api.md, "Who calls what"); `leadqual serve`
    authenticates no one. Powertools' OpenAPI models are imported here, not at the top: only the
    document needs them, never a request."""
    from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn

    return {
        Auth.API_KEY.value: APIKey(
            name="x-api-key", in_=APIKeyIn.header, description="Web form handlers: an API key on a usage plan"
        ),
        Auth.IAM.value: APIKey(
            name="Authorization",
            in_=APIKeyIn.header,
            description="AWS Signature Version 4: the IAM principal who signs is the caller of record",
            openapi_extensions={"x-amazon-apigateway-authtype": "awsSigv4"},
        ),
    }


def _link(operation: str, **parameters: str) -> dict[str, Any]:
    return {"operationId": operation, "parameters": parameters}


# Where an answer leads next (OpenAPI links): the ids a caller reads from one answer to call the
# next route. Named by the handlers' names, which are the operations' ids.
_LEAD_LINKS = {
    "ReadTheLead": _link("get_lead", lead_id="$response.body#/lead_id"),
    "ExplainItsRouting": _link("explain_lead_rules", lead_id="$response.body#/lead_id"),
    "ReportItsOutcome": _link("report_outcome", lead_id="$response.body#/lead_id"),
}
_LINKS: dict[ApiRoute, dict[str, Any]] = {
    api_routes.SUBMIT_LEAD: _LEAD_LINKS,
    api_routes.REPORT_OUTCOME: {"ReadTheLead": _LEAD_LINKS["ReadTheLead"]},
    api_routes.LIST_REVIEWS: {
        "DecideTheFirstReview": _link("decide_review", review_id="$response.body#/reviews/0/review_id"),
        "ReadItsLead": _link("get_lead", lead_id="$response.body#/reviews/0/lead_id"),
    },
    api_routes.DECIDE_REVIEW: {"ReadTheLead": _LEAD_LINKS["ReadTheLead"]},
}


def api_route(
    route: ApiRoute,
    answer: type[BaseModel] | None,
    *,
    also: dict[int, str] | None = None,
    html: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers a handler for a route of the table API Gateway is also made from; `answer` is its
    success body (None for the console's files, which are not in the contract), `html` whether it
    also answers HTML when asked (Accept), and `also` any other answers it gives (409, 503), for
    the OpenAPI document, where the handler's name is the operation's id."""
    success: dict[str, Any] = {"description": route.summary}
    if answer is not None:
        success["content"] = {"application/json": {"model": answer}}
    if html:
        success["content"]["text/html"] = {"schema": {"type": "string"}}
    if route in _LINKS:
        success["links"] = _LINKS[route]
    responses: dict[int, Any] = {
        route.success: success,
        **_REFUSALS,
        **{status: {"description": text, "content": _ERROR} for status, text in (also or {}).items()},
    }

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        registered: Callable[..., Any] = app.route(
            route.resolver_path,
            method=[route.method],
            summary=route.summary,
            responses=responses,
            # The console's files need no credentials (and have no security scheme to name).
            security=None if route.auth is Auth.PUBLIC else [{route.auth.value: []}],
            operation_id=handler.__name__,
            include_in_schema=route.in_contract,
        )(handler)
        if route.groups:
            # The console's twin (PEOPLE_PREFIX): the same handler, for the groups the route names.
            people = route.for_people()
            app.route(
                people.resolver_path,
                method=[people.method],
                summary=people.summary,
                operation_id=f"{handler.__name__}_signed_in",
                include_in_schema=False,
                middlewares=[_only_for(people.groups)],
            )(handler)
        return registered

    return register


def _signed_in_person() -> dict[str, Any]:
    """The claims of the person's token, as API Gateway's Cognito authorizer passed them (empty
    for IAM callers and under `leadqual serve`)."""
    return dict(app.current_event.request_context.authorizer.claims)


def _groups_of(claims: dict[str, Any]) -> set[str]:
    # API Gateway passes every claim as text: one group is "sdr", several "[sdr, revops]" or
    # "sdr,revops"; a list is read too.
    held = claims.get("cognito:groups") or ""
    return set(held) if isinstance(held, list) else set(re.findall(r"[\w-]+", str(held)))


def _only_for(groups: tuple[Group, ...]) -> Callable[..., Response[Any]]:
    """Route middleware: where the console signs people in, only these groups pass."""
    allowed = {group.value for group in groups}

    def only_for_groups(resolver: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
        from leadqual.console.settings import current_console_settings

        if (
            current_console_settings().console_sign_in == "cognito"
            and not _groups_of(_signed_in_person()) & allowed
        ):
            raise HttpError(
                403,
                "forbidden",
                f"Only the {' or '.join(sorted(allowed))} group may do this; ask RevOps to add you",
            )
        return next_middleware(resolver)

    return only_for_groups


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers
    )


@api_route(
    api_routes.SUBMIT_LEAD,
    LeadAccepted,
    also={409: "The Idempotency-Key's first request is still being answered", 503: "Not stored: resend"},
)
def submit_lead(
    submission: Annotated[LeadSubmission, Body()],
    leads: Leads,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description="The same key within 24 hours answers the first response",
        ),
    ] = None,  # fmt: skip
) -> Response[LeadAccepted]:
    ingested = leads.ingest(submission, idempotency_key)
    repeat, lead_id = ingested.repeat, ingested.answer["lead_id"]
    logger.info("lead submitted again" if repeat else "lead received", lead_id=lead_id)
    metrics.add_metric(name="LeadTouches" if repeat else "LeadsReceived", unit=MetricUnit.Count, value=1)
    return _json(202, ingested.answer)


@api_route(api_routes.GET_LEAD, LeadView)
def get_lead(lead_id: LeadId, leads: Leads) -> Response[LeadView]:
    view = leads.read(lead_id)
    if view is None:
        raise HttpError(404, "not_found", f"No lead {lead_id}")
    return _json(200, view)


@api_route(api_routes.EXPLAIN_RULES, RulesExplained)
def explain_lead_rules(lead_id: LeadId, leads: Leads) -> Response[RulesExplained]:
    # Imported here: the rules and their YAML stay off the cold start of every other request.
    from leadqual.services.routing import explain_rules

    lead = leads.store.get_lead(lead_id)
    if lead is None:
        raise HttpError(404, "not_found", f"No lead {lead_id}")
    return _json(200, explain_rules(lead, wiring.policy()))


@api_route(api_routes.REPORT_OUTCOME, OutcomeAccepted)
def report_outcome(
    lead_id: LeadId, report: Annotated[OutcomeReport, Body()], outcomes: Outcomes
) -> Response[OutcomeAccepted]:
    try:
        result = outcomes.record(lead_id, report)
    except UnknownLeadForOutcome:
        raise HttpError(404, "not_found", f"No lead {lead_id}") from None
    logger.info("outcome reported", lead_id=lead_id, outcome=report.outcome.value, misrouted=report.misrouted)
    metrics.add_metric(name="OutcomesReported", unit=MetricUnit.Count, value=1)
    if report.misrouted:
        metrics.add_metric(name="Misroutes", unit=MetricUnit.Count, value=1)
    return _json(202, result)


@api_route(api_routes.POST_EVENTS, Accepted)
def post_events(posted: Annotated[EventsPosted, Body()], signals: Signals) -> Response[Accepted]:
    try:
        accepted = signals.record_events(posted.all_events())
    except UnknownLead as error:
        raise HttpError(
            404, "not_found", f"No lead {error}", [{"field": "lead_id", "message": "unknown lead"}]
        ) from None
    return _json(202, {"accepted": accepted})


@api_route(api_routes.POST_INTENT, Accepted)
def post_intent(batch: Annotated[IntentBatch, Body()], signals: Signals) -> Response[Accepted]:
    return _json(202, {"accepted": signals.record_intent(batch.signals)})


@api_route(api_routes.PUT_ACCOUNT, Account)
def put_account(
    domain: Annotated[Domain, Path(description="The account's web domain, e.g. northwind.io")],
    profile: Annotated[AccountProfile, Body()],
    signals: Signals,
) -> Response[Account]:
    return _json(200, signals.put_account(domain, profile).model_dump(mode="json"))


def _window(since: datetime | None, until: datetime | None) -> None:
    if since is not None and until is not None and until <= since:
        raise HttpError(
            422, "validation_failed", "The request has invalid fields: until",
            [{"field": "until", "message": "must be after since"}],
        )  # fmt: skip


Since = Annotated[IsoTime | None, Query(description="Leads submitted from (ISO 8601)")]
Until = Annotated[IsoTime | None, Query(description="Leads submitted before (ISO 8601)")]


@api_route(api_routes.RETROSPECTIVE, Retrospective)
def retrospective_report(
    feedback: Feedback,
    since: Since = None,
    until: Until = None,
) -> Response[Retrospective]:
    """Do high grades convert? Conversion, calibration and misroutes over leads with outcomes."""
    _window(since, until)
    return _json(200, feedback.retrospective(since, until))


@api_route(api_routes.REPORTS, Reports, html=True)
def reports(
    feedback: Feedback,
    since: Since = None,
    until: Until = None,
    accept: Annotated[str | None, Header(alias="Accept", max_length=1000)] = None,
) -> Response[Reports | str]:
    """The console's reports page reads the charts (text/html); other callers the figures."""
    _window(since, until)
    report = feedback.report(wiring.policy(), since, until)
    if accept is not None and "text/html" in accept:
        from leadqual.console.charts import report_html

        return Response(
            status_code=200, content_type="text/html; charset=utf-8", body=report_html(report),
            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
        )  # fmt: skip
    return _json(200, report)


@api_route(api_routes.POLICY, PolicyInWords)
def routing_policy() -> Response[PolicyInWords]:
    from leadqual.domain.qualification.rules import policy_in_words

    return _json(200, policy_in_words(wiring.policy()))


@api_route(api_routes.LIST_REVIEWS, ReviewPage)
def list_reviews(
    reviews: Reviews,
    status: Annotated[Literal["pending"], Query(description="Only pending reviews are listed")] = "pending",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Reviews a page")] = 100,
    account: Annotated[Domain | None, Query(description="Only this account's reviews")] = None,
    cursor: Annotated[str | None, Query(max_length=2000, description="`next` of the page before")] = None,
) -> Response[ReviewPage]:
    try:
        page = reviews.pending(account, limit, cursor)
    except ValueError:
        raise HttpError(
            422, "validation_failed", "cursor is not one this API returned",
            [{"field": "cursor", "message": "invalid"}],
        ) from None  # fmt: skip
    return _json(200, page)


@api_route(api_routes.GET_REVIEW, ReviewView)
def get_review(review_id: ReviewId, reviews: Reviews) -> Response[ReviewView]:
    try:
        return _json(200, reviews.get(review_id))
    except ReviewNotFound:
        raise HttpError(404, "not_found", f"No review {review_id}") from None


@api_route(
    api_routes.DECIDE_REVIEW,
    ReviewView,
    also={409: "Decided differently before, or escalated", 503: "Saved, not yet delivered: resend"},
)
def decide_review(
    review_id: ReviewId,
    request: Annotated[ReviewDecisionRequest, Body()],
    reviews: Reviews,
    policy: RoutingPolicy,
) -> Response[ReviewView]:
    claims = _signed_in_person()
    try:
        # A person signed in to the console decides their own queue's reviews; an IAM caller is
        # authorized by IAM (a CRM or SDR tool acting for its users).
        authorize = _in_queue_of(claims, policy) if claims else None
        view = reviews.decide(review_id, request, _reviewer(request), authorize)
    except ReviewNotFound:
        raise HttpError(404, "not_found", f"No review {review_id}") from None
    except ReviewClosed as error:
        raise HttpError(409, "conflict", str(error)) from None
    metrics.add_metric(name=f"Review{request.decision.value.title()}", unit=MetricUnit.Count, value=1)
    return _json(200, view)


def _in_queue_of(claims: dict[str, Any], policy: Policy) -> Callable[[Review], None]:
    names = {str(claims[key]) for key in ("cognito:username", "email") if claims.get(key)}
    groups = _groups_of(claims)

    def authorize(review: Review) -> None:
        if not policy.may_decide(review.suggested_owner, review.territory, names, groups):
            queue = policy.review_queue(review.suggested_owner, review.territory)
            who = ", ".join(queue) if queue else "no one by name"
            raise HttpError(
                403,
                "forbidden",
                f"Review {review.review_id} is in the queue of {who}; the "
                f"{' or '.join(policy.reviewers.decide_any)} groups decide any review",
            )

    return authorize


def _reviewer(request: ReviewDecisionRequest) -> str:
    """Who decides: in AWS the person signed in to the console (their token's e-mail) or the IAM
    caller API Gateway authenticated, never what the body claims.

    `leadqual serve` does no authentication, so there the body's `reviewer` names the SDR.
    """
    claims = _signed_in_person()
    signed_in = claims.get("email") or claims.get("cognito:username")
    identity = app.current_event.request_context.identity
    return str(signed_in or identity.user_arn or identity.user or request.reviewer)


# The console's pages (leadqual.console): files that hold no data, each with its safety headers.
def _console_file(name: str) -> Response[str]:
    from leadqual.console.pages import console_file
    from leadqual.console.settings import current_console_settings

    # The page exchanges its sign-in code at the hosted sign-in's token endpoint: that origin too.
    found = console_file(name, current_console_settings().sign_in_url)
    if found is None:
        raise HttpError(404, "not_found", "No such console file")
    return Response(status_code=200, body=found.body, headers=found.headers)


@api_route(api_routes.CONSOLE_INBOX, None)
def console_inbox() -> Response[str]:
    if not app.current_event.path.endswith("/"):
        # Its files are linked relative to the page, so the inbox lives at /console/ (and, behind
        # API Gateway, /v1/console/): a relative Location keeps the stage.
        return Response(status_code=308, body="", headers={"Location": "console/"})
    return _console_file("inbox.html")


@api_route(api_routes.CONSOLE_LEAD, None)
def console_lead(lead_id: LeadId) -> Response[str]:
    return _console_file("lead.html")


@api_route(api_routes.CONSOLE_REPORTS, None)
def console_reports() -> Response[str]:
    return _console_file("reports.html")


@api_route(api_routes.CONSOLE_POLICY, None)
def console_policy() -> Response[str]:
    return _console_file("policy.html")


@api_route(api_routes.CONSOLE_FILE, None)
def console_asset(name: Annotated[str, Path(description="A file the console ships")]) -> Response[str]:
    # Any other name, however long or odd, is a 404: it is looked up among the shipped files only.
    return _console_file(name)


@api_route(api_routes.CONSOLE_SETTINGS, None)
def console_settings() -> Response[dict[str, Any]]:
    from leadqual.console.settings import current_console_settings
    from leadqual.domain.schemas.vocabulary import RouteAction

    settings = current_console_settings()
    return _json(
        200,
        {
            "sign_in": settings.console_sign_in,
            # The hosted sign-in pages and the console's app client: public by design (the code
            # flow with PKCE needs no secret); the page adds its own address as the redirect.
            "sign_in_url": settings.sign_in_url or None,
            "client_id": settings.sign_in_client_id or None,
            "api": api_routes.PEOPLE_PREFIX,
            "refresh_seconds": settings.console_refresh_seconds,
            "routes": [action.value for action in RouteAction],
        },
        {"Cache-Control": "no-store"},
    )


@app.exception_handler(HttpError)
def http_error(error: HttpError) -> Response[Any]:
    return _json(error.status, error.body())


@app.exception_handler(RequestValidationError)
def invalid_request(error: RequestValidationError) -> Response[Any]:
    refused = validation_failed(error.errors())
    return _json(refused.status, refused.body())


@app.exception_handler(ResponseValidationError)
def answer_off_contract(error: ResponseValidationError) -> Response[Any]:
    # An answer that does not match its own model is leadqual's bug, not the caller's: a 5xx, logged.
    logger.error("an answer failed its response model", errors=str(error.errors())[:2000])
    return _json(500, HttpError(500, "internal", "The answer did not match the contract").body())


@app.exception_handler(DecisionNotDelivered)
def decision_not_delivered(error: DecisionNotDelivered) -> Response[Any]:
    logger.exception("review decision saved but not delivered")
    return _json(503, HttpError(503, "unavailable", str(error)).body(), {"Retry-After": "2"})


@app.exception_handler(IdempotencyKeyInUse)
def key_in_use(error: IdempotencyKeyInUse) -> Response[Any]:
    return _json(
        409,
        HttpError(409, "conflict", str(error), [{"field": "Idempotency-Key", "message": "in use"}]).body(),
    )


@app.exception_handler(IngestUnavailable)
def unavailable(error: IngestUnavailable) -> Response[Any]:
    logger.exception("ingest unavailable")
    return _json(503, HttpError(503, "unavailable", str(error)).body())


@app.not_found
def not_found(_: Exception) -> Response[Any]:
    event = app.current_event
    allowed = api_routes.methods_at(event.path)
    if allowed:
        # API Gateway never forwards a method it has no integration for (it answers 403); under
        # `leadqual serve` the path exists, so the answer says which methods it takes.
        refused = HttpError(405, "method_not_allowed", f"{event.path[:200]} takes {', '.join(allowed)}")
        return _json(405, refused.body(), {"Allow": ", ".join(allowed)})
    return _json(404, HttpError(404, "not_found", f"No route {event.http_method} {event.path[:200]}").body())


def openapi_document() -> dict[str, Any]:
    """The contract as OpenAPI 3.1, generated from the routes above (docs/openapi.json holds it)."""
    from aws_lambda_powertools.event_handler.openapi.models import Server

    document: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(
            title="leadqual",
            version=API_VERSION,
            description="Lead qualification: submit leads and signals, read scores and routes, decide "
            "reviews, report outcomes. The rules every route follows are in docs/api.md.",
            servers=[Server(url="http://127.0.0.1:8000", description="leadqual serve (no authentication)")],
            security_schemes=_security_schemes(),
        )
    )
    return document


@lambda_entry(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # What the resolver would take for a body it cannot read (a form post, an empty body, one
    # over 1 MB or not UTF-8) is refused before it: docs/api.md answers those 415, 400 and 413.
    refused = body_refused(event)
    if refused is not None:
        return proxy_response(refused)
    return app.resolve(event, context)
