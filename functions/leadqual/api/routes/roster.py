"""The roster: who takes leads, with what weight, caps and hours; time off; each pool's ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

from aws_lambda_powertools.event_handler import Request, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from leadqual import api_routes
from leadqual.api.access import groups_of, reviewer_of_record, signed_in_person
from leadqual.api.errors import HttpError
from leadqual.api.routes import Distribution, api_route, json_answer
from leadqual.domain.ports import ConflictError
from leadqual.domain.schemas.inputs import AwayUpdate, NewRep, RepUpdate
from leadqual.domain.schemas.roster import REP_ID_PATTERN, RepProfile, RepSettings
from leadqual.services.distribution import RosterOverview, UnknownRep

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

router = Router()
RepId = Annotated[
    str, Path(pattern=REP_ID_PATTERN, description="The rep's user name, as GET /roster lists it")
]
# Who may set anyone's time off; anyone else only their own.
SETS_ANY_AWAY = {"revops", "lead", "manager"}


@api_route(router, api_routes.ROSTER, RosterOverview)
def roster(distribution: Distribution) -> Response[RosterOverview]:
    return json_answer(200, distribution.overview().model_dump(mode="json"))


@api_route(router, api_routes.ADD_REP, RepProfile, also={409: "A rep of that name is in the roster"})
def add_rep(
    request: Annotated[NewRep, Body()], distribution: Distribution, answering: Request
) -> Response[RepProfile]:
    by = reviewer_of_record(cast("APIGatewayProxyEvent", answering.resolved_event), "revops")
    settings = RepSettings.model_validate(request.model_dump(exclude={"rep"}))
    try:
        added = distribution.add(request.rep, settings, by)
    except ConflictError as error:
        raise HttpError(409, "conflict", str(error)) from None
    return json_answer(201, added.model_dump(mode="json"))


@api_route(
    router, api_routes.UPDATE_REP, RepProfile,
    also={404: "No such rep", 409: "Changed since the version read: reload"},
)  # fmt: skip
def update_rep(
    rep: RepId, request: Annotated[RepUpdate, Body()], distribution: Distribution, answering: Request
) -> Response[RepProfile]:
    by = reviewer_of_record(cast("APIGatewayProxyEvent", answering.resolved_event), "revops")
    settings = RepSettings.model_validate(request.model_dump(exclude={"version"}))
    try:
        saved = distribution.update(rep, settings, request.version, by)
    except UnknownRep as error:
        raise HttpError(404, "not_found", str(error)) from None
    except ConflictError as error:
        raise HttpError(409, "conflict", str(error)) from None
    return json_answer(200, saved.model_dump(mode="json"))


@api_route(
    router, api_routes.SET_AWAY, RepProfile,
    also={403: "Someone else's time off", 404: "No such rep", 409: "Changed since the version read: reload"},
)  # fmt: skip
def set_away(
    rep: RepId, request: Annotated[AwayUpdate, Body()], distribution: Distribution, answering: Request
) -> Response[RepProfile]:
    event = cast("APIGatewayProxyEvent", answering.resolved_event)
    claims = signed_in_person(event)
    if claims and not groups_of(claims) & SETS_ANY_AWAY:
        names = {str(claims[key]) for key in ("cognito:username", "email") if claims.get(key)}
        profile = next((p for p in distribution.reps() if p.rep == rep), None)
        if rep not in names and (profile is None or profile.email not in names):
            raise HttpError(
                403, "forbidden", f"You may set your own time off, not {rep}'s; ask RevOps or your lead"
            )
    try:
        saved = distribution.set_away(rep, request.away, request.version, reviewer_of_record(event, rep))
    except UnknownRep as error:
        raise HttpError(404, "not_found", str(error)) from None
    except ConflictError as error:
        raise HttpError(409, "conflict", str(error)) from None
    return json_answer(200, saved.model_dump(mode="json"))
