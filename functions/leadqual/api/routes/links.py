"""Signed links: an e-mail's acknowledge link. GET shows what it is about and changes nothing; POST
acknowledges, once."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from leadqual import api_routes, wiring
from leadqual.api.errors import HttpError
from leadqual.api.routes import api_route, json_answer
from leadqual.domain.ack_links import LinkRefused
from leadqual.services.ack_links import AckLinkService, AckLinkView, LinkUsed

router = Router()
Links = Annotated[AckLinkService, Depends(wiring.ack_link_service)]
Token = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,400}\.[A-Za-z0-9_-]{1,100}$", description="The link's token")
]
REFUSED = {401: "Not a link leadqual made, or changed", 410: "Expired (a link lasts 24 hours)"}


def _refused(error: LinkRefused) -> HttpError:
    return HttpError(410, "gone", str(error)) if error.expired else HttpError(401, "unauthorized", str(error))


@api_route(router, api_routes.ACK_LINK, AckLinkView, also=REFUSED)
def ack_link(token: Token, links: Links) -> Response[AckLinkView]:
    try:
        return json_answer(200, links.peek(token).model_dump(mode="json"), {"Cache-Control": "no-store"})
    except LinkRefused as error:
        raise _refused(error) from None


@api_route(
    router, api_routes.ACKNOWLEDGE_BY_LINK, AckLinkView, also={**REFUSED, 409: "The link was used already"}
)
def acknowledge_by_link(token: Token, links: Links) -> Response[AckLinkView]:
    try:
        return json_answer(
            200, links.acknowledge(token).model_dump(mode="json"), {"Cache-Control": "no-store"}
        )
    except LinkRefused as error:
        raise _refused(error) from None
    except LinkUsed as used:
        raise HttpError(409, "conflict", str(used)) from None
