"""POST /slack/interactions: what a person pressed in one of leadqual's Slack messages.

Answered within Slack's 3 seconds: the request's signature is checked, the person is found, and
the decision is one conditional write (the first acknowledgement wins; a review is decided by the
same service, with the same conflicts, as in the console). What follows (the messages updated, the
lead's timeline, the ledger) goes to the alert queue. Slack's retries (`X-Slack-Retry-Num`) find
the write done and change nothing twice. Anyone who may not act is told so, in a message only
they see.
"""

from __future__ import annotations

import contextlib
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from leadqual.domain import slack_blocks
from leadqual.domain.policy import Policy
from leadqual.domain.ports import AlertQueue, AlertStore, ChatGateway, ChatRefused
from leadqual.domain.schemas.alerts import NotAFit
from leadqual.domain.schemas.inputs import ReviewDecisionRequest
from leadqual.domain.schemas.messages import AlertWork, AlertWorkKind
from leadqual.domain.schemas.roster import RepProfile, Role
from leadqual.domain.schemas.vocabulary import DecisionKind, RouteAction
from leadqual.services.distribution import DistributionService
from leadqual.services.reviews import NotYourReview, ReviewClosed, ReviewNotFound, ReviewService


class NoSlack(LookupError):
    """No Slack app is configured here (the connections file names none)."""


class NotSignedBySlack(PermissionError):
    pass


class NotAnInteraction(ValueError):
    pass


@dataclass(frozen=True)
class InteractionAnswer:
    """What Slack gets back: 200, and for a modal's submit, the errors to show in it (or nothing)."""

    body: dict[str, Any] | None = None
    acted: str = ""  # for the log: what was done (ids only)


@dataclass
class SlackInteractionService:
    signing_secret: Callable[[], str | None]
    signed: Callable[[str, str, str, str, float], bool]
    chat: ChatGateway | None
    alerts: AlertStore
    queue: AlertQueue
    reviews: ReviewService
    distribution: DistributionService
    policy: Policy
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def answer(self, body: str, timestamp: str, signature: str, now: float) -> InteractionAnswer:
        secret = self.signing_secret()
        if secret is None or self.chat is None:
            raise NoSlack("no Slack app is configured here")
        if not self.signed(secret, body, timestamp, signature, now):
            raise NotSignedBySlack("not signed by Slack (X-Slack-Signature), or over 5 minutes old")
        payload = _payload(body)
        user_id = str((payload.get("user") or {}).get("id", ""))
        person = self._person(user_id)
        if payload.get("type") == "block_actions":
            actions = payload.get("actions") or [{}]
            action = actions[0] if isinstance(actions, list) and actions else {}
            return self._pressed(payload, action, person, user_id)
        if payload.get("type") == "view_submission":
            return self._submitted(payload.get("view") or {}, person, user_id)
        return InteractionAnswer(acted="ignored")

    # --- buttons ----------------------------------------------------------------------------------

    def _pressed(self, payload: dict[str, Any], action: dict[str, Any], person: RepProfile | None,
                 user_id: str) -> InteractionAnswer:  # fmt: skip
        action_id, value = str(action.get("action_id", "")), str(action.get("value", ""))
        channel = str(
            (payload.get("container") or {}).get("channel_id") or (payload.get("channel") or {}).get("id", "")
        )
        if action_id in (slack_blocks.OPEN_CONSOLE, slack_blocks.OPEN_CRM):
            return InteractionAnswer(acted="link")  # a link button: Slack opens the page itself
        if person is None:
            self._tell(
                channel,
                user_id,
                "Not yours: leadqual does not know you (ask RevOps to add you to the roster).",
            )
            return InteractionAnswer(acted="unknown person")
        if action_id == slack_blocks.ACKNOWLEDGE:
            return self._acknowledge(value, person, channel, user_id)
        if action_id == slack_blocks.NOT_A_FIT:
            if self._may_act(value, person, channel, user_id):
                assert self.chat is not None
                reasons = self.policy.alerts.not_a_fit_reasons
                self.chat.open_view(
                    str(payload.get("trigger_id", "")), slack_blocks.not_a_fit_view(value, reasons)
                )
            return InteractionAnswer(acted="not a fit asked")
        if action_id in (slack_blocks.APPROVE, slack_blocks.REJECT):
            decision = DecisionKind.APPROVE if action_id == slack_blocks.APPROVE else DecisionKind.REJECT
            error = self._decide(value, decision, None, person)
            if error:
                self._tell(channel, user_id, error)
            return InteractionAnswer(acted=f"{decision.value} {value}")
        if action_id == slack_blocks.REROUTE:
            found = self.reviews.decisions.get_review(value)
            if found is not None:
                assert self.chat is not None
                self.chat.open_view(str(payload.get("trigger_id", "")),
                                    slack_blocks.reroute_view(value, found[0].suggested_route))  # fmt: skip
            return InteractionAnswer(acted="reroute asked")
        return InteractionAnswer(acted="ignored")

    def _acknowledge(
        self, alert_id: str, person: RepProfile, channel: str, user_id: str
    ) -> InteractionAnswer:
        if not self._may_act(alert_id, person, channel, user_id):
            return InteractionAnswer(acted="not theirs")
        stored = self.alerts.acknowledge(alert_id, person.rep, self.clock(), "slack")
        if stored.acknowledged_by != person.rep:
            at = stored.acknowledged_at.strftime("%H:%M UTC") if stored.acknowledged_at else ""
            self._tell(channel, user_id, f"Already acknowledged by {stored.acknowledged_by} at {at}.")
            return InteractionAnswer(acted="acknowledged before")
        # Sent again on a retry: the queue drops a second within five minutes, the follow-up is marked done.
        self.queue.send(AlertWork(work_id=f"{alert_id}-acknowledged", kind=AlertWorkKind.ACKNOWLEDGED,
                                  alert_id=alert_id, lead_id=stored.lead_id))  # fmt: skip
        return InteractionAnswer(acted=f"acknowledged {alert_id}")

    def _may_act(self, alert_id: str, person: RepProfile, channel: str, user_id: str) -> bool:
        alert = self.alerts.get(alert_id)
        if alert is None:
            self._tell(channel, user_id, "This alert is no longer known to leadqual.")
            return False
        if person.rep in alert.people or person.role in (Role.LEAD, Role.MANAGER):
            return True
        self._tell(channel, user_id, f"Not yours: this lead went to {', '.join(alert.people)}; "
                                     "their team lead or manager may act on it too.")  # fmt: skip
        return False

    # --- modals -----------------------------------------------------------------------------------

    def _submitted(self, view: dict[str, Any], person: RepProfile | None, user_id: str) -> InteractionAnswer:
        callback, metadata = view.get("callback_id"), str(view.get("private_metadata", ""))
        picked = slack_blocks.chosen(view)
        if person is None:
            return _field_error("leadqual does not know you: ask RevOps to add you to the roster")
        if picked is None:
            return _field_error("Pick one")
        if callback == slack_blocks.NOT_A_FIT_VIEW:
            alert = self.alerts.get(metadata)
            if alert is None or not (person.rep in alert.people or person.role in (Role.LEAD, Role.MANAGER)):
                return _field_error("Not yours: only the rep it went to, their lead or manager may say so")
            if picked not in self.policy.alerts.not_a_fit_reasons:
                return _field_error("Pick one of the reasons offered")
            stored = self.alerts.note_not_a_fit(
                metadata, NotAFit(reason=picked, by=person.rep, at=self.clock())
            )
            assert stored.not_a_fit is not None
            if stored.not_a_fit.by == person.rep:
                self.queue.send(AlertWork(work_id=f"{metadata}-not-a-fit", kind=AlertWorkKind.NOT_A_FIT,
                                          alert_id=metadata, lead_id=stored.lead_id))  # fmt: skip
            return InteractionAnswer(acted=f"not a fit {metadata}")
        if callback == slack_blocks.REROUTE_VIEW:
            try:
                route = RouteAction(picked)
            except ValueError:
                return _field_error("Pick one of the routes offered")
            error = self._decide(metadata, DecisionKind.REROUTE, route, person)
            return _field_error(error) if error else InteractionAnswer(acted=f"reroute {metadata}")
        return InteractionAnswer(acted="ignored")

    # --- reviews ----------------------------------------------------------------------------------

    def _decide(self, review_id: str, decision: DecisionKind, route: RouteAction | None,
                person: RepProfile) -> str | None:  # fmt: skip
        """Decides as the console does; the words for the person when it could not be done."""
        names = {person.rep, *([person.email] if person.email else [])}
        groups = {person.role.value}

        def authorize(review: Any) -> None:
            if not self.policy.may_decide(review.suggested_owner, review.territory, names, groups):
                queue = ", ".join(self.policy.review_queue(review.suggested_owner, review.territory))
                raise NotYourReview(f"Not yours: this review is in the queue of {queue or 'no one by name'}")

        request = ReviewDecisionRequest(decision=decision, reviewer=person.rep, route=route)
        try:
            decided = self.reviews.decide(review_id, request, person.rep, authorize)
        except ReviewNotFound:
            return "This review is no longer known to leadqual."
        except NotYourReview as refused:
            return str(refused)
        except ReviewClosed as closed:
            return f"{str(closed).capitalize()}. To change it, ask them or a manager in the console."
        self.queue.send(AlertWork(work_id=f"{review_id}-decided", kind=AlertWorkKind.REVIEW_DECIDED,
                                  alert_id=review_id, lead_id=decided.review.lead_id, review_id=review_id))  # fmt: skip
        return None

    # --- people -----------------------------------------------------------------------------------

    def _person(self, user_id: str) -> RepProfile | None:
        """The roster's person for a Slack user: by the id leadqual cached, else by their e-mail."""
        if not user_id:
            return None
        people = self.distribution.reps()
        found = next((p for p in people if p.slack_user_id == user_id), None)
        if found is not None or self.chat is None:
            return found
        email = self.chat.user_email(user_id)
        found = next((p for p in people if email and p.email == email), None)
        if found is not None:
            self.distribution.remember_slack_id(found.rep, user_id)
        return found

    def _tell(self, channel: str, user_id: str, text: str) -> None:
        if self.chat is None or not channel or not user_id:
            return
        with contextlib.suppress(ChatRefused):  # the DM is gone: nothing to tell them in
            self.chat.tell(channel, user_id, text)


def _payload(body: str) -> dict[str, Any]:
    try:
        form = urllib.parse.parse_qs(body, strict_parsing=True)
        payload = json.loads(form["payload"][0])
    except (KeyError, ValueError, IndexError):
        raise NotAnInteraction("the body is not a Slack interaction (payload=<JSON>)") from None
    if not isinstance(payload, dict):
        raise NotAnInteraction("the payload is not a JSON object")
    return payload


def _field_error(words: str) -> InteractionAnswer:
    return InteractionAnswer(body={"response_action": "errors", "errors": {slack_blocks.CHOICE_BLOCK: words[:150]}},
                             acted="refused")  # fmt: skip
