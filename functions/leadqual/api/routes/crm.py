"""CRM sync as RevOps sees it: the backlog, the budget, owners kept, refusals and their retry."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends

from leadqual import api_routes, wiring
from leadqual.api.routes import api_route, json_answer
from leadqual.services.crm_console import CrmConsoleService, CrmOverview, CrmRetried

router = Router()
CrmConsole = Annotated[CrmConsoleService, Depends(wiring.crm_console_service)]


@api_route(router, api_routes.CRM_SYNC, CrmOverview)
def crm_sync(console: CrmConsole) -> Response[CrmOverview]:
    return json_answer(200, console.overview().model_dump(mode="json"))


@api_route(router, api_routes.RETRY_CRM_CHANGES, CrmRetried)
def retry_crm_changes(console: CrmConsole) -> Response[CrmRetried]:
    """Each change goes back to the writer, which writes it again (or refuses it again, saying why)."""
    return json_answer(202, console.retry().model_dump(mode="json"))
