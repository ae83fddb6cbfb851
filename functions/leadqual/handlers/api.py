"""The HTTP API, version 1 (docs/api.md), behind API Gateway; `leadqual serve` feeds it the same events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from leadqual import api_routes, wiring
from leadqual.api_routes import ApiRoute
from leadqual.domain.identity import normalize_domain
from leadqual.domain.models import (
    AccountProfile,
    BehaviourEvent,
    EventBatch,
    IntentBatch,
    LeadSubmission,
    OutcomeReport,
    ReportWindow,
    ReviewDecisionRequest,
)
from leadqual.handlers.http_errors import HttpError, known_id, parse_json_body, parse_model
from leadqual.observability import lambda_entry, logger, metrics
from leadqual.services.leads import IdempotencyKeyInUse, IngestUnavailable
from leadqual.services.outcomes import UnknownLeadForOutcome
from leadqual.services.reviews import DecisionNotDelivered, ReviewClosed, ReviewNotFound
from leadqual.services.signals import UnknownLead

app = APIGatewayRestResolver()
MAX_PAGE = 500


def api_route(route: ApiRoute) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers a handler for a route of the table API Gateway is also made from."""
    register: Callable[[Callable[..., Any]], Callable[..., Any]] = app.route(
        route.resolver_path, method=[route.method], summary=route.summary
    )
    return register


def _header(name: str) -> str | None:
    headers = app.current_event.headers or {}
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _body() -> Any:
    try:
        raw = app.current_event.decoded_body
    except (UnicodeDecodeError, ValueError):
        raise HttpError(
            400, "invalid_body", "The body is not UTF-8 text", [{"field": "body", "message": "not UTF-8"}]
        ) from None
    return parse_json_body(raw, _header("content-type"))


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


@api_route(api_routes.SUBMIT_LEAD)
def submit_lead() -> Response:
    submission = parse_model(LeadSubmission, _body())
    key = _header("idempotency-key")
    if key is not None and not (0 < len(key) <= 255):
        raise HttpError(
            400,
            "invalid_header",
            "Idempotency-Key must be 1-255 characters",
            [{"field": "Idempotency-Key", "message": "1-255 characters"}],
        )
    result = wiring.lead_service().ingest(submission, key)
    logger.info(
        "lead received" if not result.get("duplicate") else "lead touched again", lead_id=result["lead_id"]
    )
    metrics.add_metric(
        name="LeadsReceived" if not result.get("duplicate") else "LeadTouches", unit=MetricUnit.Count, value=1
    )
    return _json(202, result)


@api_route(api_routes.GET_LEAD)
def get_lead(lead_id: str) -> Response:
    known_id(lead_id, "lead")
    view = wiring.lead_service().read(lead_id)
    if view is None:
        raise HttpError(404, "not_found", f"No lead {lead_id}")
    return _json(200, view)


@api_route(api_routes.EXPLAIN_RULES)
def explain_lead_rules(lead_id: str) -> Response:
    known_id(lead_id, "lead")
    # Imported here: the rules and their YAML stay off the cold start of every other request.
    from leadqual.services.routing import explain_rules

    lead = wiring.lead_service().store.get_lead(lead_id)
    if lead is None:
        raise HttpError(404, "not_found", f"No lead {lead_id}")
    return _json(200, explain_rules(lead, wiring.policy()))


@api_route(api_routes.REPORT_OUTCOME)
def report_outcome(lead_id: str) -> Response:
    report = parse_model(OutcomeReport, _body())
    known_id(lead_id, "lead")
    try:
        result = wiring.outcome_service().record(lead_id, report)
    except UnknownLeadForOutcome:
        raise HttpError(404, "not_found", f"No lead {lead_id}") from None
    logger.info("outcome reported", lead_id=lead_id, outcome=report.outcome.value, misrouted=report.misrouted)
    metrics.add_metric(name="OutcomesReported", unit=MetricUnit.Count, value=1)
    if report.misrouted:
        metrics.add_metric(name="Misroutes", unit=MetricUnit.Count, value=1)
    return _json(202, result)


@api_route(api_routes.POST_EVENTS)
def post_events() -> Response:
    data = _body()
    batch = parse_model(EventBatch, data) if isinstance(data, dict) and "events" in data else None
    events = batch.events if batch else [parse_model(BehaviourEvent, data)]
    try:
        accepted = wiring.signal_service().record_events(events)
    except UnknownLead as error:
        raise HttpError(
            404, "not_found", f"No lead {error}", [{"field": "lead_id", "message": "unknown lead"}]
        ) from None
    return _json(202, {"accepted": accepted})


@api_route(api_routes.POST_INTENT)
def post_intent() -> Response:
    batch = parse_model(IntentBatch, _body())
    return _json(202, {"accepted": wiring.signal_service().record_intent(batch.signals)})


@api_route(api_routes.PUT_ACCOUNT)
def put_account(domain: str) -> Response:
    profile = parse_model(AccountProfile, _body())
    try:
        account = wiring.signal_service().put_account(domain, profile)
    except ValueError as error:
        raise HttpError(
            422,
            "validation_failed",
            f"Invalid domain {domain!r}",
            [{"field": "domain", "message": str(error)}],
        ) from None
    return _json(200, account.model_dump(mode="json"))


@api_route(api_routes.RETROSPECTIVE)
def retrospective_report() -> Response:
    """Do high grades convert? Conversion, calibration and misroutes over leads with outcomes."""
    window = parse_model(ReportWindow, dict(app.current_event.query_string_parameters or {}))
    return _json(200, wiring.feedback_service().retrospective(window.since, window.until))


@api_route(api_routes.LIST_REVIEWS)
def list_reviews() -> Response:
    query = app.current_event.query_string_parameters or {}
    status = query.get("status", "pending")
    if status != "pending":
        raise HttpError(
            422,
            "validation_failed",
            "Only status=pending can be listed",
            [{"field": "status", "message": "must be pending"}],
        )
    try:
        limit = int(query.get("limit", "100"))
    except ValueError:
        limit = -1
    if not 1 <= limit <= MAX_PAGE:
        raise HttpError(
            422,
            "validation_failed",
            f"limit must be 1-{MAX_PAGE}",
            [{"field": "limit", "message": f"integer 1-{MAX_PAGE}"}],
        )
    account = query.get("account")
    if account is not None:
        try:
            account = normalize_domain(account)
        except ValueError as error:
            raise HttpError(422, "validation_failed", "account is not a domain",
                            [{"field": "account", "message": str(error)}]) from None  # fmt: skip
    try:
        page = wiring.review_service().pending(account, limit, query.get("cursor"))
    except ValueError:
        raise HttpError(
            422,
            "validation_failed",
            "cursor is not one this API returned",
            [{"field": "cursor", "message": "invalid"}],
        ) from None
    return _json(200, page)


@api_route(api_routes.DECIDE_REVIEW)
def decide_review(review_id: str) -> Response:
    request = parse_model(ReviewDecisionRequest, _body())
    known_id(review_id, "review")
    try:
        view = wiring.review_service().decide(review_id, request, _reviewer(request))
    except ReviewNotFound:
        raise HttpError(404, "not_found", f"No review {review_id}") from None
    except ReviewClosed as error:
        raise HttpError(409, "conflict", str(error)) from None
    except DecisionNotDelivered as error:
        logger.exception("review decision saved but not delivered", review_id=review_id)
        return Response(
            status_code=503,
            content_type=content_types.APPLICATION_JSON,
            body={"error": "unavailable", "message": str(error), "details": []},
            headers={"Retry-After": "2"},
        )
    metrics.add_metric(name=f"Review{request.decision.value.title()}", unit=MetricUnit.Count, value=1)
    return _json(200, view)


def _reviewer(request: ReviewDecisionRequest) -> str:
    """Who decides: in AWS the caller API Gateway authenticated (IAM), never what the body claims.

    `leadqual serve` does no authentication, so there the body's `reviewer` names the SDR.
    """
    identity = app.current_event.request_context.identity
    return identity.user_arn or identity.user or request.reviewer


@app.exception_handler(HttpError)
def http_error(error: HttpError) -> Response:
    return _json(error.status, error.body())


@app.exception_handler(IdempotencyKeyInUse)
def key_in_use(error: IdempotencyKeyInUse) -> Response:
    return _json(
        409,
        {
            "error": "conflict",
            "message": str(error),
            "details": [{"field": "Idempotency-Key", "message": "in use"}],
        },
    )


@app.exception_handler(IngestUnavailable)
def unavailable(error: IngestUnavailable) -> Response:
    logger.exception("ingest unavailable")
    return _json(503, {"error": "unavailable", "message": str(error), "details": []})


@app.not_found
def not_found(_: Exception) -> Response:
    return _json(
        404,
        {
            "error": "not_found",
            "message": f"No route {app.current_event.http_method} {app.current_event.path}",
            "details": [],
        },
    )


@lambda_entry(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
