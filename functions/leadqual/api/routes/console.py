"""The console's pages (leadqual.console): files that hold no data, each with its safety headers,
and how the console signs in."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Request, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from leadqual import api_routes
from leadqual.api.errors import HttpError
from leadqual.api.routes import LeadId, api_route, json_answer

router = Router()


def _console_file(name: str) -> Response[str]:
    from leadqual.console.pages import console_file
    from leadqual.console.settings import current_console_settings

    # The page exchanges its sign-in code at the hosted sign-in's token endpoint: that origin too.
    found = console_file(name, current_console_settings().sign_in_url)
    if found is None:
        raise HttpError(404, "not_found", "No such console file")
    return Response(status_code=200, body=found.body, headers=found.headers)


@api_route(router, api_routes.CONSOLE_INBOX, None)
def console_inbox(answering: Request) -> Response[str]:
    if not answering.resolved_event.path.endswith("/"):
        # Its files are linked relative to the page, so the inbox lives at /console/ (and, behind
        # API Gateway, /v1/console/): a relative Location keeps the stage.
        return Response(status_code=308, body="", headers={"Location": "console/"})
    return _console_file("inbox.html")


@api_route(router, api_routes.CONSOLE_LEAD, None)
def console_lead(lead_id: LeadId) -> Response[str]:
    return _console_file("lead.html")


@api_route(router, api_routes.CONSOLE_REPORTS, None)
def console_reports() -> Response[str]:
    return _console_file("reports.html")


@api_route(router, api_routes.CONSOLE_POLICY, None)
def console_policy() -> Response[str]:
    return _console_file("policy.html")


@api_route(router, api_routes.CONSOLE_CRM, None)
def console_crm() -> Response[str]:
    return _console_file("crm.html")


@api_route(router, api_routes.CONSOLE_ROSTER, None)
def console_roster() -> Response[str]:
    return _console_file("roster.html")


@api_route(router, api_routes.CONSOLE_ACK, None)
def console_ack(token: Annotated[str, Path(description="An e-mail's acknowledge link")]) -> Response[str]:
    return _console_file("ack.html")


@api_route(router, api_routes.CONSOLE_FILE, None)
def console_asset(name: Annotated[str, Path(description="A file the console ships")]) -> Response[str]:
    # Any other name, however long or odd, is a 404: it is looked up among the shipped files only.
    return _console_file(name)


@api_route(router, api_routes.CONSOLE_SETTINGS, None)
def console_settings() -> Response[dict[str, Any]]:
    from leadqual.console.settings import current_console_settings
    from leadqual.domain.schemas.vocabulary import RouteAction

    settings = current_console_settings()
    return json_answer(
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
