"""CRM sync as RevOps sees it (the backlog, the budget, owners kept, refusals and their retry), and
the CRM's own webhook, which makes the reader read now."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Annotated, cast

from aws_lambda_powertools.event_handler import Request, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends

from leadqual import api_routes, wiring
from leadqual.api.errors import HttpError
from leadqual.api.routes import api_route, json_answer
from leadqual.services.crm_console import CrmConsoleService, CrmOverview, CrmRetried
from leadqual.services.crm_events import CrmEventsAccepted, CrmEventsService, NotSigned, NoWebhook

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

router = Router()
CrmConsole = Annotated[CrmConsoleService, Depends(wiring.crm_console_service)]


@api_route(router, api_routes.CRM_SYNC, CrmOverview)
def crm_sync(console: CrmConsole) -> Response[CrmOverview]:
    return json_answer(200, console.overview().model_dump(mode="json"))


@api_route(router, api_routes.RETRY_CRM_CHANGES, CrmRetried)
def retry_crm_changes(console: CrmConsole) -> Response[CrmRetried]:
    """Each change goes back to the writer, which writes it again (or refuses it again, saying why)."""
    return json_answer(202, console.retry().model_dump(mode="json"))


CrmEvents = Annotated[CrmEventsService, Depends(wiring.crm_events_service)]


@api_route(
    router, api_routes.HUBSPOT_EVENTS, CrmEventsAccepted,
    also={401: "Not signed by HubSpot (X-HubSpot-Signature-v3), or over 5 minutes old"},
)  # fmt: skip
def hubspot_events(events: CrmEvents, answering: Request) -> Response[CrmEventsAccepted]:
    """HubSpot's webhook. Its signature covers the URL HubSpot called, the body as sent and the
    timestamp; the URL is rebuilt from the request as API Gateway passes it (host, stage, path)."""
    event = cast("APIGatewayProxyEvent", answering.resolved_event)
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    body = event.decoded_body or ""
    uri = (
        f"{headers.get('x-forwarded-proto', 'https')}://{headers.get('host', '')}{event.request_context.path}"
    )
    try:
        changes = json.loads(body)
    except ValueError:
        changes = []
    try:
        accepted = events.hubspot(
            event.http_method, uri, body, headers.get("x-hubspot-request-timestamp", ""),
            headers.get("x-hubspot-signature-v3", ""), len(changes) if isinstance(changes, list) else 1, time.time(),
        )  # fmt: skip
    except NoWebhook:
        raise HttpError(404, "not_found", "No HubSpot webhook is configured here") from None
    except NotSigned as refused:
        raise HttpError(401, "unauthorized", str(refused)) from None
    return json_answer(202, accepted.model_dump(mode="json"))
