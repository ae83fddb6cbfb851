"""Who may do what: the console's groups on its signed-in routes, the reviewer of record, and
whose queue a review is in (the policy's `reviewers`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from leadqual.api.errors import HttpError
from leadqual.api_routes import Group
from leadqual.domain.policy import Policy
from leadqual.domain.schemas.review import Review
from leadqual.services.reviews import NotYourReview

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent


def signed_in_person(event: APIGatewayProxyEvent) -> dict[str, Any]:
    """The claims of the person's token, as API Gateway's Cognito authorizer passed them (empty
    for IAM callers and under `leadqual serve`)."""
    return dict(event.request_context.authorizer.claims)


def groups_of(claims: dict[str, Any]) -> set[str]:
    # API Gateway passes every claim as text: one group is "sdr", several "[sdr, revops]" or
    # "sdr,revops"; a list is read too.
    held = claims.get("cognito:groups") or ""
    return set(held) if isinstance(held, list) else set(re.findall(r"[\w-]+", str(held)))


def only_for(groups: tuple[Group, ...]) -> Callable[..., Response[Any]]:
    """Route middleware: where the console signs people in, only these groups pass."""
    allowed = {group.value for group in groups}

    def only_for_groups(resolver: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
        from leadqual.console.settings import current_console_settings

        if (
            current_console_settings().console_sign_in == "cognito"
            and not groups_of(signed_in_person(resolver.current_event)) & allowed
        ):
            raise HttpError(
                403,
                "forbidden",
                f"Only the {' or '.join(sorted(allowed))} group may do this; ask RevOps to add you",
            )
        return next_middleware(resolver)

    return only_for_groups


def reviewer_of_record(event: APIGatewayProxyEvent, named_in_body: str) -> str:
    """Who decides: in AWS the person signed in to the console (their token's e-mail) or the IAM
    caller API Gateway authenticated, never what the body claims.

    `leadqual serve` does no authentication, so there the body's `reviewer` names the SDR.
    """
    claims = signed_in_person(event)
    signed_in = claims.get("email") or claims.get("cognito:username")
    identity = event.request_context.identity
    return str(signed_in or identity.user_arn or identity.user or named_in_body)


def in_queue_of(claims: dict[str, Any], policy: Policy) -> Callable[[Review], None]:
    """A check that the signed-in person may decide a review: in its queue, or in a group that
    decides any; otherwise NotYourReview (a 403) naming who may."""
    names = {str(claims[key]) for key in ("cognito:username", "email") if claims.get(key)}
    groups = groups_of(claims)

    def authorize(review: Review) -> None:
        if not policy.may_decide(review.suggested_owner, review.territory, names, groups):
            queue = policy.review_queue(review.suggested_owner, review.territory)
            who = ", ".join(queue) if queue else "no one by name"
            raise NotYourReview(
                f"Review {review.review_id} is in the queue of {who}; the "
                f"{' or '.join(policy.reviewers.decide_any)} groups decide any review"
            )

    return authorize
