"""What the OpenAPI document says beyond the routes themselves: the refusals every route may
answer, how each kind of caller authenticates, and where an answer leads next (links)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from leadqual import api_routes
from leadqual.api.views import ErrorBody
from leadqual.api_routes import ApiRoute, Auth

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

API_VERSION = "1"
ERROR = {"application/json": {"model": ErrorBody}}
# What every route may answer besides its success (docs/api.md, "Bodies, times and errors").
REFUSALS: dict[int, Any] = {
    400: {"description": "Not JSON, not UTF-8, empty, too deep to read, or a bad header", "content": ERROR},
    404: {"description": "An unknown id or route", "content": ERROR},
    413: {"description": "A body over 1 MB", "content": ERROR},
    415: {"description": "A Content-Type that is not JSON", "content": ERROR},
    422: {"description": "A field or query parameter that fails validation", "content": ERROR},
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
LINKS: dict[ApiRoute, dict[str, Any]] = {
    api_routes.SUBMIT_LEAD: _LEAD_LINKS,
    api_routes.REPORT_OUTCOME: {"ReadTheLead": _LEAD_LINKS["ReadTheLead"]},
    api_routes.LIST_REVIEWS: {
        "DecideTheFirstReview": _link("decide_review", review_id="$response.body#/reviews/0/review_id"),
        "ReadItsLead": _link("get_lead", lead_id="$response.body#/reviews/0/lead_id"),
    },
    api_routes.DECIDE_REVIEW: {"ReadTheLead": _LEAD_LINKS["ReadTheLead"]},
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
        Auth.VENDOR_SIGNED.value: APIKey(
            name="X-HubSpot-Signature-v3",
            in_=APIKeyIn.header,
            description="A vendor's webhook, signed with the app's secret and checked by the function: "
            "HubSpot's X-HubSpot-Signature-v3 (with X-HubSpot-Request-Timestamp), or Slack's X-Slack-Signature "
            "(with X-Slack-Request-Timestamp)",
        ),
    }


def openapi_document(app: APIGatewayRestResolver) -> dict[str, Any]:
    """The contract as OpenAPI 3.1, generated from the app's routes (docs/openapi.json holds it)."""
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
