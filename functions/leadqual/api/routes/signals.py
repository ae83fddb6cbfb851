"""Signals: first-party behaviour events, third-party account intent, and accounts' profiles."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from leadqual import api_routes
from leadqual.api.errors import HttpError
from leadqual.api.routes import Signals, api_route, json_answer
from leadqual.api.views import Accepted
from leadqual.domain.schemas.account import Account, AccountProfile
from leadqual.domain.schemas.inputs import EventsPosted, IntentBatch
from leadqual.domain.schemas.shared import Domain
from leadqual.services.signals import UnknownLead

router = Router()


@api_route(router, api_routes.POST_EVENTS, Accepted)
def post_events(posted: Annotated[EventsPosted, Body()], signals: Signals) -> Response[Accepted]:
    try:
        accepted = signals.record_events(posted.all_events())
    except UnknownLead as error:
        raise HttpError(
            404, "not_found", f"No lead {error}", [{"field": "lead_id", "message": "unknown lead"}]
        ) from None
    return json_answer(202, Accepted(accepted=accepted).model_dump(mode="json"))


@api_route(router, api_routes.POST_INTENT, Accepted)
def post_intent(batch: Annotated[IntentBatch, Body()], signals: Signals) -> Response[Accepted]:
    return json_answer(202, Accepted(accepted=signals.record_intent(batch.signals)).model_dump(mode="json"))


@api_route(router, api_routes.PUT_ACCOUNT, Account)
def put_account(
    domain: Annotated[Domain, Path(description="The account's web domain, e.g. northwind.io")],
    profile: Annotated[AccountProfile, Body()],
    signals: Signals,
) -> Response[Account]:
    return json_answer(200, signals.put_account(domain, profile).model_dump(mode="json"))
