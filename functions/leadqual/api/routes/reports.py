"""Reports: do high scores convert, the flow's timings, and the routing policy in words."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Query

from leadqual import api_routes
from leadqual.api.errors import HttpError
from leadqual.api.routes import Feedback, RoutingPolicy, api_route, json_answer
from leadqual.api.views import PolicyInWords
from leadqual.domain.schemas.reports import Reports, Retrospective
from leadqual.domain.schemas.shared import IsoTime

router = Router()

Since = Annotated[IsoTime | None, Query(description="Leads submitted from (ISO 8601)")]
Until = Annotated[IsoTime | None, Query(description="Leads submitted before (ISO 8601)")]


def _window(since: datetime | None, until: datetime | None) -> None:
    if since is not None and until is not None and until <= since:
        raise HttpError(
            422, "validation_failed", "The request has invalid fields: until",
            [{"field": "until", "message": "must be after since"}],
        )  # fmt: skip


@api_route(router, api_routes.RETROSPECTIVE, Retrospective)
def retrospective_report(
    feedback: Feedback,
    since: Since = None,
    until: Until = None,
) -> Response[Retrospective]:
    """Do high grades convert? Conversion, calibration and misroutes over leads with outcomes."""
    _window(since, until)
    return json_answer(200, feedback.retrospective(since, until).model_dump(mode="json"))


@api_route(router, api_routes.REPORTS, Reports, html=True)
def reports(
    feedback: Feedback,
    policy: RoutingPolicy,
    since: Since = None,
    until: Until = None,
    accept: Annotated[str | None, Header(alias="Accept", max_length=1000)] = None,
) -> Response[Reports | str]:
    """The console's reports page reads the charts (text/html); other callers the figures."""
    _window(since, until)
    report = feedback.report(policy, since, until).model_dump(mode="json")
    if accept is not None and "text/html" in accept:
        from leadqual.console.charts import report_html

        return Response(
            status_code=200, content_type="text/html; charset=utf-8", body=report_html(report),
            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
        )  # fmt: skip
    return json_answer(200, report)


@api_route(router, api_routes.POLICY, PolicyInWords)
def routing_policy(policy: RoutingPolicy) -> Response[PolicyInWords]:
    return json_answer(200, PolicyInWords.of(policy).model_dump(mode="json"))
