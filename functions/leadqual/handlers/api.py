"""The API function's Lambda entry: the HTTP API (`leadqual.api`) behind API Gateway; `leadqual
serve` feeds it the same events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths

from leadqual import wiring
from leadqual.api.app import build_app
from leadqual.api.errors import body_refused, proxy_response
from leadqual.observability import lambda_entry

# Powertools' own modules name the context for type checkers only: importing it costs a cold start.
if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# This environment's resolver, built once at its cold start; and at init (full CPU), not in the
# first request, what POST /leads uses: the lead service and its clients.
app = build_app()
wiring.prepare(wiring.lead_service, clients=("dynamodb", "sqs"))


@lambda_entry(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # What the resolver would take for a body it cannot read (a form post, an empty body, one
    # over 1 MB or not UTF-8) is refused before it: docs/api.md answers those 415, 400 and 413.
    refused = body_refused(event)
    if refused is not None:
        return proxy_response(refused)
    return app.resolve(event, context)
