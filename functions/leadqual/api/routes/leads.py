"""Leads: submitted by forms, read with their scores, route and history, explained, given outcomes."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.metrics import MetricUnit

from leadqual import api_routes
from leadqual.api.errors import HttpError
from leadqual.api.routes import LeadId, Leads, Outcomes, RoutingPolicy, api_route, json_answer
from leadqual.api.views import LeadAccepted, LeadView, OutcomeAccepted, RulesExplained
from leadqual.domain.schemas.inputs import LeadSubmission, OutcomeReport
from leadqual.domain.schemas.lead import LeadStatus
from leadqual.observability import logger, metrics
from leadqual.services.outcomes import UnknownLeadForOutcome

router = Router()


@api_route(
    router,
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
    repeat, lead_id = ingested.repeat, ingested.lead_id
    logger.info("lead submitted again" if repeat else "lead received", lead_id=lead_id)
    metrics.add_metric(name="LeadTouches" if repeat else "LeadsReceived", unit=MetricUnit.Count, value=1)
    # The same answer for a repeat: the form's key holder learns nothing of a person (docs/api.md).
    return json_answer(202, LeadAccepted(lead_id=lead_id, status=LeadStatus.RECEIVED).model_dump(mode="json"))


@api_route(router, api_routes.GET_LEAD, LeadView)
def get_lead(lead_id: LeadId, leads: Leads, policy: RoutingPolicy) -> Response[LeadView]:
    found = leads.read(lead_id)
    if found is None:
        raise HttpError(404, "not_found", f"No lead {lead_id}")
    view = LeadView.of(found.lead, found.recent_touches, policy.crm.record_links)
    return json_answer(200, view.model_dump(mode="json"))


@api_route(router, api_routes.EXPLAIN_RULES, RulesExplained)
def explain_lead_rules(lead_id: LeadId, leads: Leads, policy: RoutingPolicy) -> Response[RulesExplained]:
    # Imported here: the rules' explanation stays off the cold start of every other request.
    from leadqual.services.routing import explain_rules

    lead = leads.find(lead_id)
    if lead is None:
        raise HttpError(404, "not_found", f"No lead {lead_id}")
    return json_answer(200, RulesExplained.of(explain_rules(lead, policy)).model_dump(mode="json"))


@api_route(router, api_routes.REPORT_OUTCOME, OutcomeAccepted)
def report_outcome(
    lead_id: LeadId, report: Annotated[OutcomeReport, Body()], outcomes: Outcomes
) -> Response[OutcomeAccepted]:
    try:
        recorded = outcomes.record(lead_id, report)
    except UnknownLeadForOutcome:
        raise HttpError(404, "not_found", f"No lead {lead_id}") from None
    logger.info("outcome reported", lead_id=lead_id, outcome=report.outcome.value, misrouted=report.misrouted)
    metrics.add_metric(name="OutcomesReported", unit=MetricUnit.Count, value=1)
    if report.misrouted:
        metrics.add_metric(name="Misroutes", unit=MetricUnit.Count, value=1)
    return json_answer(202, OutcomeAccepted.of(recorded).model_dump(mode="json"))
