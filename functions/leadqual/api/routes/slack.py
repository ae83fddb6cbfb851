"""Slack's interactions: a person pressed a button, or submitted a modal, in a leadqual message."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any, cast

from aws_lambda_powertools.event_handler import Request, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from pydantic import BaseModel

from leadqual import api_routes, wiring
from leadqual.api.errors import HttpError
from leadqual.api.routes import api_route, json_answer
from leadqual.domain.ports import ChatUnavailable
from leadqual.observability import logger
from leadqual.services.slack_interactions import (
    NoSlack,
    NotAnInteraction,
    NotSignedBySlack,
    SlackInteractionService,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

router = Router()
Interactions = Annotated[SlackInteractionService, Depends(wiring.slack_interaction_service)]


class InteractionTaken(BaseModel):
    """Slack reads nothing of a button's answer but its status; a modal's may name its errors."""

    response_action: str | None = None
    errors: dict[str, str] | None = None


@api_route(
    router, api_routes.SLACK_INTERACTIONS, InteractionTaken,
    also={400: "Not a Slack interaction", 401: "Not signed by Slack (X-Slack-Signature), or over 5 minutes old",
          404: "No Slack app is configured here", 503: "Slack could not be asked who pressed it: Slack retries"},
)  # fmt: skip
def slack_interactions(interactions: Interactions, answering: Request) -> Response[Any]:
    event = cast("APIGatewayProxyEvent", answering.resolved_event)
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    try:
        answer = interactions.answer(
            event.decoded_body or "", headers.get("x-slack-request-timestamp", ""),
            headers.get("x-slack-signature", ""), time.time(),
        )  # fmt: skip
    except NoSlack:
        raise HttpError(404, "not_found", "No Slack app is configured here") from None
    except NotSignedBySlack as refused:
        raise HttpError(401, "unauthorized", str(refused)) from None
    except NotAnInteraction as bad:
        raise HttpError(400, "bad_request", str(bad)) from None
    except ChatUnavailable as unavailable:
        # Nothing was decided: Slack retries a non-200 (X-Slack-Retry-Num), so the press is not lost.
        raise HttpError(503, "unavailable", f"{unavailable}; Slack will send it again") from None
    # Ids only: a retry (X-Slack-Retry-Num) is logged as such and, having changed nothing, says so.
    logger.info("slack interaction", acted=answer.acted, retry=headers.get("x-slack-retry-num"))
    return json_answer(200, answer.body or {})
