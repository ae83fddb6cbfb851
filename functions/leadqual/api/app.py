"""The resolver and its routes table: one router per domain, each route declared from
`api_routes` (the table API Gateway is made from), every error in the one shape.

Powertools' resolver validates every path, query, header and body against the routes' typed
parameters and each answer against its model; `docs/openapi.json` is generated from the same
routes (`leadqual openapi`).
"""

from __future__ import annotations

import copy
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from leadqual.api import openapi
from leadqual.api.errors import answer_in_the_error_shape, read_json
from leadqual.api.routes import console, crm, leads, links, reports, reviews, roster, signals, slack


def build_app() -> APIGatewayRestResolver:
    """A resolver with every route. It keeps the request it is answering (its event, the matched
    route), so each execution environment builds its own: Lambda one a process, the local mode one
    for each environment it runs at once. Routes read their request as a `Request` parameter,
    never from a router, which would share it between resolvers."""
    app = APIGatewayRestResolver(
        enable_validation=True, json_body_deserializer=read_json, response_validation_error_http_code=500
    )
    for domain in (leads, signals, reviews, reports, crm, roster, slack, links, console):
        # A copy: including a router points it at this resolver (`api_resolver`), and the routers
        # are module-level, shared by every resolver of the process (the local mode runs several
        # execution environments at once): the original would hand one request's event to another.
        app.include_router(copy.copy(domain.router))
    answer_in_the_error_shape(app)
    return app


def openapi_document() -> dict[str, Any]:
    """The contract as OpenAPI 3.1, generated from the routes (docs/openapi.json holds it)."""
    return openapi.openapi_document(build_app())
