"""Reviews on whole fakes of their ports: recorded once with their token, decided once, never lost,
and a decision that cannot be delivered is said so (moto is for the adapters and the whole flow)."""

from __future__ import annotations

import re

import pytest

from leadqual.domain.ports import TaskTokenExpired
from leadqual.domain.schemas.decision import RoutingDecision
from leadqual.domain.schemas.inputs import ReviewDecisionRequest
from leadqual.domain.schemas.lead import LeadStatus
from leadqual.domain.schemas.review import Review
from leadqual.domain.schemas.vocabulary import DecisionKind, ReviewStatus, RouteAction
from leadqual.services.reviews import (
    DecisionNotDelivered,
    NotYourReview,
    ReviewClosed,
    ReviewNotFound,
    ReviewService,
    review_id_for,
)
from tests.fakes import InMemoryDecisions, InMemoryLeads, RecordingNotifier, RecordingWorkflow, a_lead

APPROVE = ReviewDecisionRequest(decision=DecisionKind.APPROVE, reviewer="body says")
REJECT = ReviewDecisionRequest(decision=DecisionKind.REJECT, reviewer="body says", note="a student")


class Setup:
    def __init__(self) -> None:
        self.leads = InMemoryLeads().add(a_lead("ld_r1", status=LeadStatus.SCORED))
        self.decisions = InMemoryDecisions()
        self.decisions.save_decision(
            RoutingDecision(
                lead_id="ld_r1", tier="named_account", tier_reason="on the list", action=RouteAction.AE_NOTIFY,
                owner="maria.lopez", rule="named-account-review", needs_review=True, triggers=["named_account"],
                flags=["named_account"], reasons=[], territory="na",
            )
        )  # fmt: skip
        self.notifier, self.workflow = RecordingNotifier(), RecordingWorkflow()
        self.service = ReviewService(
            self.leads, self.decisions, self.notifier, self.workflow, timeout_seconds=600
        )

    def requested(self) -> Review:
        return self.service.request("ld_r1", 0, "token-1")


@pytest.fixture
def given() -> Setup:
    return Setup()


def test_a_review_is_recorded_once_and_the_sdrs_told_once(given: Setup) -> None:
    first = given.requested()
    again = given.service.request("ld_r1", 0, "token-1")  # SQS delivers the request again
    assert first.review_id == again.review_id == review_id_for("ld_r1")
    assert len(given.notifier.sent) == 1
    lead = given.leads.leads["ld_r1"][0]
    assert (
        lead.status is LeadStatus.PENDING_REVIEW
        and [h.event for h in lead.history].count("review_requested") == 1
    )


def test_an_unknown_review_is_not_found(given: Setup) -> None:
    with pytest.raises(ReviewNotFound):
        given.service.decide("rv_nope", APPROVE, "sam.sdr")
    with pytest.raises(ReviewNotFound):
        given.service.get("rv_nope")


def test_a_decision_is_saved_then_delivered_and_the_same_one_again_is_answered_not_resent(
    given: Setup,
) -> None:
    review = given.requested()
    decided = given.service.decide(review.review_id, REJECT, "sam.sdr")
    assert (decided.review.status, decided.review.decided_by, decided.review.delivered) == (
        ReviewStatus.REJECTED, "sam.sdr", True,
    )  # fmt: skip
    ((token, resumed_with),) = given.workflow.resumed
    assert token == "token-1" and resumed_with == {
        "review_id": review.review_id, "action": "nurture", "status": "rejected", "escalated": False,
        "requested_at": review.created_at.isoformat().replace("+00:00", "Z"),
        "decided_at": decided.review.decided_at.isoformat().replace("+00:00", "Z") if decided.review.decided_at else None,
    }  # fmt: skip
    # who decided is on the lead before the workflow resumes, and never in what resumes it
    summary = given.leads.leads["ld_r1"][0].review
    assert summary is not None and (summary.decided_by, summary.decided_at) == (
        "sam.sdr",
        decided.review.decided_at,
    )
    assert "sam.sdr" not in str(resumed_with)
    assert given.service.decide(review.review_id, REJECT, "sam.sdr").review.status is ReviewStatus.REJECTED
    assert len(given.workflow.resumed) == 1


def test_another_decision_on_a_decided_review_is_refused_saying_who_decided(given: Setup) -> None:
    review = given.requested()
    given.service.decide(review.review_id, REJECT, "sam.sdr")
    with pytest.raises(ReviewClosed, match=re.escape("already decided: reject -> nurture by sam.sdr")):
        given.service.decide(review.review_id, APPROVE, "priya.sdr")


def test_an_expired_review_takes_no_decision(given: Setup) -> None:
    review = given.requested()
    assert given.service.settle_at_deadline("ld_r1") is not None
    with pytest.raises(ReviewClosed, match="expired at its deadline"):
        given.service.decide(review.review_id, APPROVE, "sam.sdr")
    assert given.workflow.resumed == []


def test_a_decision_not_delivered_is_kept_and_the_same_request_delivers_it(given: Setup) -> None:
    review = given.requested()
    given.workflow.resume_fails = RuntimeError("SendTaskSuccess throttled")
    with pytest.raises(DecisionNotDelivered, match="send the same decision again"):
        given.service.decide(review.review_id, APPROVE, "sam.sdr")
    saved = given.decisions.reviews[review.review_id][0]
    assert (saved.status, saved.delivered) == (ReviewStatus.APPROVED, False)  # saved, not lost
    given.workflow.resume_fails = None
    assert given.service.decide(review.review_id, APPROVE, "sam.sdr").review.delivered
    assert len(given.workflow.resumed) == 1


def test_a_decision_whose_workflow_stopped_waiting_is_settled_by_the_deadline(given: Setup) -> None:
    review = given.requested()
    given.workflow.resume_fails = TaskTokenExpired("TaskTimedOut")
    decided = given.service.decide(review.review_id, APPROVE, "sam.sdr")
    assert decided.review.status is ReviewStatus.APPROVED and decided.review.delivered


def test_a_person_outside_the_reviews_queue_changes_nothing(given: Setup) -> None:
    review = given.requested()

    def refuse(_: Review) -> None:
        raise NotYourReview("not in the queue")

    with pytest.raises(NotYourReview):
        given.service.decide(review.review_id, APPROVE, "lena.sdr", authorize=refuse)
    assert given.decisions.reviews[review.review_id][0].status is ReviewStatus.PENDING
    assert given.workflow.resumed == []
