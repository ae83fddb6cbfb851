"""One router per domain; each route is declared from the routes table (`api_routes`), which API
Gateway is made from too, so a route cannot exist in one and not in the other. Services, the
policy included, reach the routes through `Depends`, so a test can give a route a fake
(`app.dependency_overrides`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel

from leadqual import wiring
from leadqual.api.access import only_for
from leadqual.api.errors import ID_PATTERN
from leadqual.api.openapi import ERROR, LINKS, REFUSALS
from leadqual.api_routes import ApiRoute, Auth
from leadqual.domain.policy import Policy
from leadqual.services.distribution import DistributionService
from leadqual.services.feedback import FeedbackService
from leadqual.services.leads import LeadService
from leadqual.services.outcomes import OutcomeService
from leadqual.services.reviews import ReviewService
from leadqual.services.signals import SignalService

Leads = Annotated[LeadService, Depends(wiring.lead_service)]
Signals = Annotated[SignalService, Depends(wiring.signal_service)]
Outcomes = Annotated[OutcomeService, Depends(wiring.outcome_service)]
Reviews = Annotated[ReviewService, Depends(wiring.review_service)]
Feedback = Annotated[FeedbackService, Depends(wiring.feedback_service)]
RoutingPolicy = Annotated[Policy, Depends(wiring.policy)]
Distribution = Annotated[DistributionService, Depends(wiring.distribution_service)]
LeadId = Annotated[str, Path(pattern=ID_PATTERN, description="ld_... as POST /leads answered it")]
ReviewId = Annotated[str, Path(pattern=ID_PATTERN, description="rv_... as GET /reviews lists it")]


def json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers
    )


def api_route(
    router: Router,
    route: ApiRoute,
    answer: type[BaseModel] | None,
    *,
    also: dict[int, str] | None = None,
    html: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers a handler on `router` for a route of the table; `answer` is its success body
    (None for the console's files, which are not in the contract), `html` whether it also answers
    HTML when asked (Accept), and `also` any other answers it gives (409, 503), for the OpenAPI
    document, where the handler's name is the operation's id."""
    success: dict[str, Any] = {"description": route.summary}
    if answer is not None:
        success["content"] = {"application/json": {"model": answer}}
    if html:
        success["content"]["text/html"] = {"schema": {"type": "string"}}
    if route in LINKS:
        success["links"] = LINKS[route]
    responses: dict[int, Any] = {
        route.success: success,
        **REFUSALS,
        **{status: {"description": text, "content": ERROR} for status, text in (also or {}).items()},
    }

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        registered: Callable[..., Any] = router.route(
            route.resolver_path,
            method=[route.method],
            summary=route.summary,
            responses=responses,
            # The console's files need no credentials, and a signed link is its own (in the path,
            # where OpenAPI has no scheme for it): neither names a security scheme.
            security=None if route.auth in (Auth.PUBLIC, Auth.SIGNED_LINK) else [{route.auth.value: []}],
            operation_id=handler.__name__,
            include_in_schema=route.in_contract,
        )(handler)
        if route.groups:
            # The console's twin (PEOPLE_PREFIX): the same handler, for the groups the route names.
            people = route.for_people()
            router.route(
                people.resolver_path,
                method=[people.method],
                summary=people.summary,
                operation_id=f"{handler.__name__}_signed_in",
                include_in_schema=False,
                middlewares=[only_for(people.groups)],
            )(handler)
        return registered

    return register
