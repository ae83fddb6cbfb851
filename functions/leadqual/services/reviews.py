"""Human checkpoints: record a review with its task token, list them, and take an SDR's decision."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from leadqual.domain.alert_email import time_left
from leadqual.domain.lead_status import move
from leadqual.domain.ports import (
    AlertQueue,
    ConflictError,
    DecisionStore,
    LeadStore,
    Notifier,
    TaskTokenExpired,
    Workflow,
)
from leadqual.domain.schemas.decision import RoutingDecision
from leadqual.domain.schemas.inputs import ReviewDecisionRequest
from leadqual.domain.schemas.lead import Lead, LeadStatus, ReviewSummary
from leadqual.domain.schemas.messages import AlertWork, AlertWorkKind, ReviewOutcome
from leadqual.domain.schemas.review import Review
from leadqual.domain.schemas.shared import utc_now
from leadqual.domain.schemas.vocabulary import DecisionKind, ReviewStatus, RouteAction
from leadqual.services.leads import MAX_SAVE_ATTEMPTS, add_history, update_lead, update_lead_versioned

STATUS_BY_DECISION = {
    DecisionKind.APPROVE: ReviewStatus.APPROVED,
    DecisionKind.REJECT: ReviewStatus.REJECTED,
    DecisionKind.REROUTE: ReviewStatus.REROUTED,
}


class ReviewNotFound(LookupError):
    pass


class ReviewClosed(Exception):
    """The review was already decided or has expired (HTTP 409)."""


class NotYourReview(PermissionError):
    """The person is not in the review's queue, nor in a group that decides any (HTTP 403)."""


def review_id_for(lead_id: str, evaluation: int = 0) -> str:
    # One review per lead workflow (a held lead's re-evaluation is another one), so a redelivered
    # request finds the review it already made.
    suffix = f"-e{evaluation}" if evaluation else ""
    return "rv_" + lead_id.removeprefix("ld_") + suffix


def final_action(review: Review, request: ReviewDecisionRequest) -> RouteAction:
    if request.route is not None:
        return request.route
    if request.decision is DecisionKind.REJECT:
        return RouteAction.NURTURE
    return review.suggested_route


class PendingPage(NamedTuple):
    """A page of the inbox: each pending review with its lead (None if it could not be read)."""

    reviews: list[tuple[Review, Lead | None]]
    next: str | None


class ReviewRead(NamedTuple):
    review: Review
    lead: Lead | None


class ReviewTooLate(Exception):
    """The workflow stopped waiting for this review before it was recorded; nothing to ask."""


def _moved_on(lead: Lead, evaluation: int) -> bool:
    dispatched = lead.route is not None and lead.route.dispatch_id == f"{lead.lead_id}-e{evaluation}"
    return dispatched or lead.escalated or lead.evaluations > evaluation


class DecisionNotDelivered(RuntimeError):
    """The decision is saved, but resuming the workflow failed: the same request delivers it (503)."""


@dataclass
class ReviewService:
    leads: LeadStore
    decisions: DecisionStore
    notifier: Notifier
    workflow: Workflow
    timeout_seconds: int
    # Where the review e-mail links: the console's inbox, `?review=` the review (no token in it).
    console_url: str = ""
    alerts: AlertQueue | None = None  # None: reviewers are not told in Slack

    def request(self, lead_id: str, evaluation: int, task_token: str) -> Review:
        """Records the review the workflow waits on and notifies the SDRs, exactly once each.

        SQS may deliver the request again (after a crash, or a failed notification): the review is
        then found, the lead is not marked twice, and the notification goes out only if it has not.
        """
        decision = self.decisions.get_decision(lead_id, evaluation)
        found = self.leads.get_lead_versioned(lead_id)
        if found is None or decision is None:
            raise LookupError(f"lead {lead_id} (evaluation {evaluation}) has no stored routing decision")
        lead, version = found
        if (
            _moved_on(lead, evaluation)
            and self.decisions.get_review(review_id_for(lead_id, evaluation)) is None
        ):
            # A request that arrives after its deadline (retried past it): the workflow escalated and
            # routed the lead; a review now would ask an SDR about a lead already sent on.
            raise ReviewTooLate(f"lead {lead_id} was routed before its review request could be recorded")
        now = utc_now()
        review = Review(
            review_id=review_id_for(lead.lead_id, decision.evaluation),
            lead_id=lead.lead_id,
            account=lead.account,
            status=ReviewStatus.PENDING,
            triggers=decision.triggers,
            review_reasons=decision.review_reasons,
            reasons=decision.reasons,
            recent_behaviour=decision.recent_behaviour,
            intent_topics=decision.intent_topics,
            scores=lead.scores,
            suggested_route=decision.action,
            suggested_owner=decision.owner,
            rule=decision.rule,
            tier=decision.tier,
            tier_reason=decision.tier_reason,
            territory=decision.territory,
            created_at=now,
            due_at=now + timedelta(seconds=self.timeout_seconds),
        )
        if not self.decisions.create_review(review, task_token):
            existing = self.decisions.get_review(review.review_id)
            assert existing is not None
            review = existing[0]
        if review.status is ReviewStatus.PENDING:
            self._mark_pending(review, read=(lead.model_copy(deep=True), version))
        if not review.notified:
            self.notifier.notify(*review_notification(lead, decision, review, self.console_url))
            review, _ = self._update(review.review_id, lambda r: _set(r, notified=True))
        if review.status is ReviewStatus.PENDING:
            # Posted once however often this is sent (services/alerts.py): no mark needed here.
            self._tell_slack(review, AlertWorkKind.ANNOUNCE_REVIEW, "announce")
        return review

    def _tell_slack(self, review: Review, kind: AlertWorkKind, what: str) -> None:
        if self.alerts is not None:
            self.alerts.send(AlertWork(work_id=f"{review.review_id}-{what}", kind=kind, alert_id=review.review_id,
                                       lead_id=review.lead_id, review_id=review.review_id))  # fmt: skip

    def _mark_pending(self, review: Review, read: tuple[Lead, int]) -> None:
        def mark_pending(current: Lead) -> bool:
            if current.review is not None and current.review.review_id == review.review_id:
                return False  # a redelivered request: marked already
            move(current, LeadStatus.PENDING_REVIEW)
            current.review = ReviewSummary(
                review_id=review.review_id,
                status=review.status,
                triggers=review.triggers,
                due_at=review.due_at,
                suggested_route=review.suggested_route,
            )
            add_history(current, "review_requested", ", ".join(review.triggers))
            return True

        update_lead_versioned(self.leads, review.lead_id, mark_pending, read=read)

    def pending(self, account: str | None, limit: int, cursor: str | None) -> PendingPage:
        reviews, next_cursor = self.decisions.pending_reviews(account, limit, cursor)
        leads = self.leads.get_leads([r.lead_id for r in reviews])
        return PendingPage([(r, leads.get(r.lead_id)) for r in reviews], next_cursor)

    def get(self, review_id: str) -> ReviewRead:
        found = self.decisions.get_review(review_id)
        if found is None:
            raise ReviewNotFound(review_id)
        review = found[0]
        return ReviewRead(review, self.leads.get_lead(review.lead_id))

    def decide(
        self,
        review_id: str,
        request: ReviewDecisionRequest,
        reviewer: str,
        authorize: Callable[[Review], None] | None = None,
    ) -> ReviewRead:
        """Saves the reviewer's decision, then resumes the workflow with it.

        The decision is saved first, so it is never lost: if resuming fails, the reviewer gets a
        retryable error and the same request delivers it; if the review's deadline passes first,
        escalation finds the saved decision and routes by it. The same decision sent twice by the
        same reviewer answers 200 both times; any other decision on a decided review is a 409.
        `authorize` raises `NotYourReview` for a person who may not decide it: nothing is saved.
        """
        found = self.decisions.get_review(review_id)
        if found is None:
            raise ReviewNotFound(review_id)
        review, version, token = found
        if authorize is not None:
            authorize(review)

        def decide_once(review: Review) -> Review | None:
            if review.status is ReviewStatus.PENDING:
                return _set(
                    review,
                    status=STATUS_BY_DECISION[request.decision],
                    decision=request.decision,
                    decided_by=reviewer,
                    decided_at=utc_now(),
                    final_route=final_action(review, request),
                    note=request.note,
                )
            if _is_same_decision(review, request, reviewer):
                return None  # a retry: deliver below if it was not delivered
            raise ReviewClosed(_closed_message(review))

        review, version = self._update(review_id, decide_once, read=(review, version))
        if not review.delivered:
            outcome = ReviewOutcome.of(review)
            try:
                # Who decided goes on the lead before the workflow resumes: Dispatch reads it there.
                self._mark_lead(review)
                self.workflow.resume(token, outcome.model_dump(mode="json"))
            except TaskTokenExpired:
                # The workflow stopped waiting (its deadline passed, or an earlier attempt got
                # through): escalation routes by the saved decision, so it is delivered either way.
                pass
            except Exception as error:
                raise DecisionNotDelivered(
                    f"The decision on {review_id} is saved, but the workflow could not be resumed; "
                    "send the same decision again to deliver it"
                ) from error
            review = self._settle_delivery(review_id, read=(review, version))
        # Every reviewer's Slack DM says who decided (sent again on a retry: dropped or done once).
        # If the queue refuses it, the decision still stands, delivered: a DM left with its buttons
        # answers a press with who decided.
        with contextlib.suppress(Exception):
            self._tell_slack(review, AlertWorkKind.REVIEW_DECIDED, "decided")
        return ReviewRead(review, self.leads.get_lead(review.lead_id))

    def settle_at_deadline(self, lead_id: str, evaluation: int = 0) -> Review | None:
        """At the review's deadline: a saved decision stands; a review nobody decided expires."""
        review_id = review_id_for(lead_id, evaluation)
        found = self.decisions.get_review(review_id)
        if found is None:
            return None

        expired_now: list[Review] = []

        def expire(review: Review) -> Review | None:
            if review.status is not ReviewStatus.PENDING:
                return None
            expired_now.append(review)
            return _set(review, status=ReviewStatus.EXPIRED)

        review, version = self._update(review_id, expire, read=(found[0], found[1]))
        if review.status is ReviewStatus.EXPIRED:
            if expired_now:  # a retried Escalate finds it expired already: the lead says so once
                self._mark_lead(review, "review_expired", "no SDR decision before the deadline")
            self._tell_slack(review, AlertWorkKind.REVIEW_DECIDED, "decided")
            return review
        return self._settle_delivery(review_id, read=(review, version))

    def _settle_delivery(self, review_id: str, read: tuple[Review, int] | None = None) -> Review:
        """Marks the decision delivered (once) and tells the lead."""
        delivered_now: list[Review] = []

        def deliver(review: Review) -> Review | None:
            if review.delivered:
                return None
            delivered_now.append(review)
            return _set(review, delivered=True)

        review, _ = self._update(review_id, deliver, read)
        if delivered_now:
            assert review.decision is not None and review.final_route is not None
            self._mark_lead(review, "review_decided",
                            f"{review.decision.value} by {review.decided_by} -> {review.final_route.value}")  # fmt: skip
        return review

    def _update(
        self,
        review_id: str,
        change: Callable[[Review], Review | None],
        read: tuple[Review, int] | None = None,
    ) -> tuple[Review, int]:
        """Read-modify-write of a review, conditional on its version; `change` returns None to keep it.

        Returns the review and its version as saved. `read` is the review as the caller last read or
        saved it, tried first; if it changed since, the save conflicts and it is read afresh.
        """
        for attempt in range(MAX_SAVE_ATTEMPTS):
            found = read if attempt == 0 and read is not None else self._read(review_id)
            review, version = found
            changed = change(review)
            if changed is None:
                return review, version
            try:
                return changed, self.decisions.save_review(changed, version)
            except ConflictError:
                continue
        raise ConflictError(f"review {review_id} kept changing; gave up after {MAX_SAVE_ATTEMPTS} attempts")

    def _read(self, review_id: str) -> tuple[Review, int]:
        found = self.decisions.get_review(review_id)
        if found is None:
            raise ReviewNotFound(review_id)
        return found[0], found[1]

    def _mark_lead(self, review: Review, event: str | None = None, detail: str | None = None) -> None:
        """The lead's summary of its review says what became of it; `event` adds it to the history."""

        def mark(current: Lead) -> bool:
            summary = current.review
            changed = False
            if summary is not None and summary.review_id == review.review_id:
                noted = (review.status, review.decided_by, review.decided_at)
                changed = (summary.status, summary.decided_by, summary.decided_at) != noted
                summary.status, summary.decided_by, summary.decided_at = noted
            if event is not None:
                add_history(current, event, detail)
            return changed or event is not None

        update_lead(self.leads, review.lead_id, mark)


def review_notification(
    lead: Lead, decision: RoutingDecision, review: Review, console_url: str, now: datetime | None = None
) -> tuple[str, str, dict[str, str]]:
    """The review-request e-mail: who and which company, why a human, the time left, and the link.

    E-mail is read on phones and kept in inboxes: it names the person by first name and title only
    (no address, no phone) and carries no token; everything else is behind the console's sign-in.
    """
    who = ", ".join(part for part in (lead.first_name, lead.title) if part) or "A lead"
    company = lead.company.name or lead.account or "no company given"
    account = f" ({lead.account})" if lead.account and lead.company.name else ""
    left = time_left(review.due_at, now or utc_now())
    link = f"{console_url}?review={review.review_id}" if console_url else ""
    body = [
        f"{who} at {company}{account} needs an SDR decision within {left} "
        f"(before {review.due_at.isoformat(timespec='minutes')}); after that it is escalated.",
        "Why a human: " + "; ".join(review.review_reasons or review.triggers),
        f"Suggested: {decision.action.value.replace('_', ' ')} to {decision.owner}.",
        f"Decide it in the console: {link}"
        if link
        else f"Review {review.review_id} is in the console's inbox.",
    ]
    return (
        f"Review needed: {company}, {', '.join(review.triggers) or decision.rule}, {left} left",
        "\n".join(body),
        {"kind": "review_requested", "lead_id": lead.lead_id, "review_id": review.review_id},
    )


def _set(review: Review, **changes: Any) -> Review:
    return review.model_copy(update=changes)


def _is_same_decision(review: Review, request: ReviewDecisionRequest, reviewer: str) -> bool:
    return (
        review.decided_by == reviewer
        and review.decision is request.decision
        and review.final_route is final_action(review, request)
        and review.note == request.note
    )


def _closed_message(review: Review) -> str:
    if review.decision is None:
        return f"review {review.review_id} expired at its deadline and was escalated"
    at = review.decided_at.isoformat() if review.decided_at else "an earlier time"
    route = review.final_route.value if review.final_route else "?"
    return f"review {review.review_id} was already decided: {review.decision.value} -> {route} by {review.decided_by} at {at}"
