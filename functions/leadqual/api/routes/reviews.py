"""Reviews: the pending inbox, one review, and an SDR's decision."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

from aws_lambda_powertools.event_handler import Request, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.metrics import MetricUnit

from leadqual import api_routes
from leadqual.api.access import in_queue_of, reviewer_of_record, signed_in_person
from leadqual.api.errors import HttpError
from leadqual.api.routes import Distribution, ReviewId, Reviews, RoutingPolicy, api_route, json_answer
from leadqual.api.views import ReviewPage, ReviewView
from leadqual.domain.schemas.inputs import ReviewDecisionRequest
from leadqual.domain.schemas.shared import Domain
from leadqual.observability import metrics
from leadqual.services.reviews import ReviewClosed, ReviewNotFound, ReviewRead

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

    from leadqual.domain.policy import Policy
    from leadqual.services.distribution import DistributionService

router = Router()
MAX_PAGE = 500


def _shown(read: ReviewRead, distribution: DistributionService, policy: Policy) -> dict[str, Any]:
    review = read.review
    names = distribution.owner_names([(review.suggested_owner, review.territory)])
    view = ReviewView.of(
        review, read.lead, names[review.suggested_owner, review.territory], policy.score_bands
    )
    return view.model_dump(mode="json")


@api_route(router, api_routes.LIST_REVIEWS, ReviewPage)
def list_reviews(
    reviews: Reviews,
    distribution: Distribution,
    policy: RoutingPolicy,
    status: Annotated[Literal["pending"], Query(description="Only pending reviews are listed")] = "pending",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Reviews a page")] = 100,
    account: Annotated[Domain | None, Query(description="Only this account's reviews")] = None,
    cursor: Annotated[str | None, Query(max_length=2000, description="`next` of the page before")] = None,
) -> Response[ReviewPage]:
    try:
        pending = reviews.pending(account, limit, cursor)
    except ValueError:
        raise HttpError(
            422, "validation_failed", "cursor is not one this API returned",
            [{"field": "cursor", "message": "invalid"}],
        ) from None  # fmt: skip
    page = ReviewPage.of(pending, distribution.owner_names, policy.score_bands)
    return json_answer(200, page.model_dump(mode="json"))


@api_route(router, api_routes.GET_REVIEW, ReviewView)
def get_review(
    review_id: ReviewId, reviews: Reviews, distribution: Distribution, policy: RoutingPolicy
) -> Response[ReviewView]:
    try:
        found = reviews.get(review_id)
    except ReviewNotFound:
        raise HttpError(404, "not_found", f"No review {review_id}") from None
    return json_answer(200, _shown(found, distribution, policy))


@api_route(
    router,
    api_routes.DECIDE_REVIEW,
    ReviewView,
    also={409: "Decided differently before, or escalated", 503: "Saved, not yet delivered: resend"},
)
def decide_review(
    review_id: ReviewId,
    request: Annotated[ReviewDecisionRequest, Body()],
    reviews: Reviews,
    policy: RoutingPolicy,
    distribution: Distribution,
    answering: Request,
) -> Response[ReviewView]:
    # Routes are included in the REST resolver, whose events are API Gateway proxy events.
    event = cast("APIGatewayProxyEvent", answering.resolved_event)
    claims = signed_in_person(event)
    # A person signed in to the console decides their own queue's reviews; an IAM caller is
    # authorized by IAM (a CRM or SDR tool acting for its users).
    authorize = in_queue_of(claims, policy) if claims else None
    try:
        decided = reviews.decide(review_id, request, reviewer_of_record(event, request.reviewer), authorize)
    except ReviewNotFound:
        raise HttpError(404, "not_found", f"No review {review_id}") from None
    except ReviewClosed as error:
        raise HttpError(409, "conflict", str(error)) from None
    metrics.add_metric(name=f"Review{request.decision.value.title()}", unit=MetricUnit.Count, value=1)
    return json_answer(200, _shown(decided, distribution, policy))
