"""Telling people in Slack: the rep a lead went to, and a review's reviewers; then what follows
from what they did there (the message updated, the lead's timeline, the ledger, the model's feedback).

Each announcement is posted once to each person: the alert is created, then each person is claimed
with a conditional write before their post, so a redelivered request never posts twice (Slack's
chat.postMessage has no idempotency key). When Slack certainly did not post (it answered
`ratelimited` past what the adapter waits out, or an error), the claim is given back and the
request fails, so SQS delivers it again and the post is made then. When Slack may have posted (no
answer came back), the claim stays, and the lead's timeline says the DM may not have arrived; the
SLA chain still reminds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from leadqual.domain import slack_blocks, teams_cards
from leadqual.domain.ack_links import sign_link
from leadqual.domain.alert_email import reminder_email, review_email, time_left
from leadqual.domain.distribution import next_start
from leadqual.domain.policy import Policy, SlaAction, SlaStep
from leadqual.domain.ports import (
    AlertStore,
    CardChannel,
    ChatGateway,
    ChatRefused,
    ChatUnavailable,
    CrmChangeQueue,
    DecisionStore,
    LeadStore,
    Mailer,
    SlaScheduler,
)
from leadqual.domain.schemas.alerts import Alert, AlertKind, SendChannel, SentMessage, alert_id_for
from leadqual.domain.schemas.inputs import OutcomeReport
from leadqual.domain.schemas.lead import Lead
from leadqual.domain.schemas.messages import AlertWork, AlertWorkKind, CrmChange, CrmSyncRequest
from leadqual.domain.schemas.review import Review
from leadqual.domain.schemas.roster import CreditReason, RepProfile, Role
from leadqual.domain.schemas.shared import utc_now
from leadqual.domain.schemas.vocabulary import OutcomeKind, ReviewStatus
from leadqual.services.distribution import DistributionService
from leadqual.services.leads import add_history, duration_in_words, update_lead
from leadqual.services.outcomes import OutcomeService


@dataclass
class AlertService:
    leads: LeadStore
    decisions: DecisionStore
    alerts: AlertStore
    chat: ChatGateway | None  # None: no Slack in the connections file
    distribution: DistributionService
    outcomes: OutcomeService
    policy: Policy
    scheduler: SlaScheduler | None = None  # None: no SLA chain (no schedule group in this stack)
    crm_changes: CrmChangeQueue | None = None  # a reassignment's new owner goes to the CRM
    mailer: Mailer | None = None  # None: no e-mail sender configured (leadqual:alertsFromEmail)
    link_key: Callable[[], str] | None = None  # signs the e-mail's acknowledge link
    console_url: str = ""
    clock: Callable[[], datetime] = field(default=utc_now)
    teams: CardChannel | None = None  # None: no Teams workflow in the connections file

    # --- announcing -------------------------------------------------------------------------------

    def handle(self, work: AlertWork) -> None:
        """One piece of alert work from the queue; each is safe to receive twice."""
        match work.kind:
            case AlertWorkKind.ANNOUNCE_ASSIGNMENT:
                self.announce_assignment(work.lead_id, work.attempt)
            case AlertWorkKind.ANNOUNCE_REVIEW:
                assert work.review_id is not None
                self.announce_review(work.review_id)
            case AlertWorkKind.SLA_STEP:
                self.sla_step(work)
            case AlertWorkKind.CRM_ACTIVITY:
                self.crm_activity(work)
            case _:
                self.follow_up(work)

    def announce_assignment(self, lead_id: str, attempt: int = 0) -> Alert | None:
        lead = self.leads.get_lead(lead_id)
        if lead is None or lead.route is None:
            raise LookupError(f"lead {lead_id} is not routed: nothing to announce")
        rep = self._person(lead.route.owner)
        if rep is None:
            return None  # a team queue or a default owner, not a person of the roster
        alert = self.alerts.create(
            Alert(
                alert_id=alert_id_for(lead_id, attempt),
                kind=AlertKind.ASSIGNED,
                lead_id=lead_id,
                people=[rep.rep],
                created_at=self.clock(),
            )  # fmt: skip
        )
        steps = self.policy.sla.get(lead.route.action, [])
        started = max(alert.created_at, next_start(rep.hours, alert.created_at))  # the clock runs at work
        if not alert.acknowledged and self.scheduler is not None:
            for number, step in enumerate(steps):
                work = AlertWork(work_id=f"{alert.alert_id}-sla{number}", kind=AlertWorkKind.SLA_STEP,
                                 alert_id=alert.alert_id, lead_id=lead_id, attempt=attempt, step=number)  # fmt: skip
                self.scheduler.schedule(work, started + timedelta(minutes=step.after_minutes))
        deadline = self._deadline(steps, started)
        zone = rep.hours.timezone if rep.hours else "UTC"
        text, blocks = slack_blocks.assignment_message(
            lead, alert.alert_id, deadline, zone, self.console_url, self._crm_link(lead)
        )
        self._post_once(alert, [(rep, text, blocks)], lead_id)
        self._card_once(alert, lead, rep, deadline, zone)
        return self.alerts.get(alert.alert_id)

    def _card_once(
        self, alert: Alert, lead: Lead, rep: RepProfile, deadline: datetime | None, zone: str
    ) -> None:
        """The lead's card in the team's Teams channel, once, its Acknowledge the signed link (a
        Workflows card can only open links; the link's page acknowledges with a POST)."""
        teams, link_key = self.teams, self.link_key
        if teams is None or link_key is None:
            return
        link = f"{self.console_url}ack/{sign_link(link_key(), alert.alert_id, self.clock(), via='teams')}"
        due = slack_blocks.local_time(deadline, zone) if deadline else None
        card = teams_cards.assignment_card(lead, rep.name, link, due, self.console_url)
        try:
            posted = self._send_once(alert, "teams", rep.rep, lambda: teams.post(card))
        except ChatUnavailable as unavailable:
            if not unavailable.maybe_done:
                raise  # SQS delivers the request again, and the card is posted then
            self._note(lead.lead_id, "alerted", "Teams did not answer the card: it may not have arrived")
            return
        except ChatRefused as refused:
            self._note(lead.lead_id, "alerted", f"Teams refused the card: {refused}")
            return
        if posted:
            self._note(
                lead.lead_id,
                "alerted",
                f"posted a card for {rep.rep} in Teams, with a link that acknowledges",
            )

    def _send_once(self, alert: Alert, channel: SendChannel, person: str, send: Callable[[], None]) -> bool:
        """Sends to `person` by `channel` (an e-mail, a Teams card) once however often the request
        is delivered: claimed on the alert first, and the claim given back when the send certainly
        did not happen, so SQS's redelivery sends it. False: sent (or being sent) already."""
        if person in getattr(alert, channel) or not self.alerts.claim_send(alert.alert_id, channel, person):
            return False
        try:
            send()
        except ChatRefused:
            raise  # refused for good: never sent again
        except ChatUnavailable as unavailable:
            if not unavailable.maybe_done:
                self.alerts.release_send(alert.alert_id, channel, person)
            raise
        except Exception:
            # An e-mail SES refused: nobody got it.
            self.alerts.release_send(alert.alert_id, channel, person)
            raise
        return True

    def announce_review(self, review_id: str) -> Alert | None:
        found = self.decisions.get_review(review_id)
        if found is None:
            raise LookupError(f"no review {review_id}")
        review = found[0]
        if review.status is not ReviewStatus.PENDING:
            return None  # decided before anyone could be told
        lead = self.leads.get_lead(review.lead_id)
        if lead is None:
            raise LookupError(f"review {review_id}'s lead {review.lead_id} is gone")
        queue = self.policy.review_queue(review.suggested_owner, review.territory)
        roster = self.distribution.reps()  # read once: the queue's people and the owner's name
        by_name = {p.rep: p for p in roster}
        people = [by_name[name] for name in queue if name in by_name]
        alert = self.alerts.create(
            Alert(
                alert_id=review_id,
                kind=AlertKind.REVIEW,
                lead_id=lead.lead_id,
                people=[p.rep for p in people],
                created_at=self.clock(),
            )  # fmt: skip
        )
        posts = []
        owner = self._owner_name(review, roster)
        for person in people:
            zone = person.hours.timezone if person.hours else "UTC"
            text, blocks = slack_blocks.review_message(lead, review, zone, self.console_url, owner)
            posts.append((person, text, blocks))
        self._post_once(alert, posts, lead.lead_id)
        self._email_reviewers(alert, lead, review, people)
        return self.alerts.get(alert.alert_id)

    def _email_reviewers(self, alert: Alert, lead: Lead, review: Review, people: list[RepProfile]) -> None:
        """E-mails each reviewer once (SES), with a signed link of their own that picks the review up."""
        mailer, link_key = self.mailer, self.link_key
        if mailer is None or link_key is None:
            return
        company = lead.company.name or lead.account or "a lead"
        left = time_left(review.due_at, self.clock())
        inbox = f"{self.console_url}?review={review.review_id}"
        sent = []
        for person in people:
            if not person.email:
                continue
            token = sign_link(link_key(), alert.alert_id, self.clock(), person=person.rep)
            subject, text = review_email(lead, review, f"{self.console_url}ack/{token}", inbox, company, left)
            if self._send_once(
                alert, "emailed", person.rep, partial(mailer.send, person.email, subject, text)
            ):
                sent.append(person.rep)
        if sent:
            self._note(
                lead.lead_id,
                "alerted",
                f"e-mailed {', '.join(sent)} about the review, each a link to pick it up",
            )

    def _post_once(
        self, alert: Alert, posts: list[tuple[RepProfile, str, list[dict[str, Any]]]], lead_id: str
    ) -> None:
        if self.chat is None or not posts:
            return
        told: list[str] = []
        missing: list[str] = []
        unsure: list[str] = []
        for person, text, blocks in posts:
            if person.rep in alert.posting or not self.alerts.start_posting(alert.alert_id, person.rep):
                continue  # posted (or being posted) by an earlier delivery of this request
            try:
                user_id = self._slack_id(person)
            except ChatUnavailable:
                self.alerts.stop_posting(alert.alert_id, person.rep)
                raise
            if user_id is None:
                missing.append(person.rep)
                self.alerts.add_unreachable(
                    alert.alert_id, f"{person.rep}: no Slack user for {person.email or 'no e-mail'}"
                )
                continue
            try:
                channel, ts = self.chat.post(user_id, text, blocks)
            except ChatRefused as refused:
                missing.append(person.rep)
                self.alerts.add_unreachable(alert.alert_id, f"{person.rep}: {refused}")
                continue
            except ChatUnavailable as unavailable:
                if not unavailable.maybe_done:
                    self.alerts.stop_posting(alert.alert_id, person.rep)
                    if told:
                        self._note(lead_id, "alerted", f"told {', '.join(told)} in Slack")
                    raise  # SQS delivers the request again: the rest are posted then
                unsure.append(person.rep)
                continue
            self.alerts.add_message(alert.alert_id, SentMessage(person=person.rep, channel=channel, ts=ts))
            told.append(person.rep)
        what = "the lead" if alert.kind is AlertKind.ASSIGNED else "the review"
        detail = (
            f"told {', '.join(told)} in Slack about {what}"
            if told
            else f"nobody could be told in Slack about {what}"
        )
        if missing:
            detail += f"; not found in Slack: {', '.join(missing)}"
        if unsure:
            detail += f"; Slack did not answer the DM to {', '.join(unsure)}: it may not have arrived"
        if told or missing or unsure:
            self._note(lead_id, "alerted", detail)

    def _slack_id(self, person: RepProfile) -> str | None:
        if person.slack_user_id:
            return person.slack_user_id
        if self.chat is None or not person.email:
            return None
        found = self.chat.find_user(person.email)
        if found:
            self.distribution.remember_slack_id(person.rep, found)
        return found

    def _person(self, name: str) -> RepProfile | None:
        return next((p for p in self.distribution.reps() if p.rep == name), None)

    def _deadline(self, steps: list[SlaStep], started: datetime) -> datetime | None:
        """When the lead is taken from the rep (the SLA's reassign step), else the alert's deadline."""
        reassign = next((s for s in steps if s.do is SlaAction.REASSIGN), None)
        minutes = reassign.after_minutes if reassign else self.policy.alerts.acknowledge_within_minutes
        return started + timedelta(minutes=minutes) if minutes else None

    # --- the SLA chain ----------------------------------------------------------------------------

    def sla_step(self, work: AlertWork) -> None:
        """A step of the chain is due: it runs only while nobody has acknowledged, and only for the
        alert of the lead's current assignment (a reassigned lead's old chain is spent)."""
        alert, lead = self.alerts.get(work.alert_id), self.leads.get_lead(work.lead_id)
        if alert is None or lead is None or lead.route is None or work.step is None:
            return
        current = self.distribution.assignment_of(lead.lead_id)
        if alert.acknowledged or alert.not_a_fit or current is None or current.attempt != work.attempt:
            return
        steps = self.policy.sla.get(lead.route.action, [])
        if work.step >= len(steps) or work.work_id in alert.follow_ups_done:
            return
        step = steps[work.step]
        rep, waited = alert.people[0], duration_in_words((self.clock() - alert.created_at).total_seconds())
        if step.do is SlaAction.REMIND:
            self._remind(alert, lead, rep, waited, step.email)
        elif step.do is SlaAction.REASSIGN:
            self._reassign(alert, lead, current.pool, rep, waited, work.attempt)
        else:
            self._tell_managers(lead, current.pool, rep, waited)
        self.alerts.follow_up_done(alert.alert_id, work.work_id)

    def _remind(self, alert: Alert, lead: Lead, rep: str, waited: str, email: bool) -> None:
        person = self._person(rep)
        told = False
        if person is not None and self.chat is not None and (user_id := self._slack_id(person)) is not None:
            zone = person.hours.timezone if person.hours else "UTC"
            text, blocks = slack_blocks.assignment_message(
                lead, alert.alert_id, None, zone, self.console_url, self._crm_link(lead)
            )
            try:
                channel, ts = self.chat.post(
                    user_id, f"Reminder: not acknowledged after {waited}. {text}",
                    [slack_blocks.reminder_block(waited), *blocks],
                )  # fmt: skip
                self.alerts.add_message(alert.alert_id, SentMessage(person=rep, channel=channel, ts=ts))
                told = True
            except ChatRefused as refused:
                self.alerts.add_unreachable(alert.alert_id, f"{rep}: {refused}")
        how = "in Slack" if told else "(not reachable in Slack)"
        more = f"; {self._email(alert, lead, person, waited)}" if email else ""
        self._note(
            lead.lead_id, "sla_reminded", f"{rep} reminded {how}: not acknowledged after {waited}{more}"
        )

    def _email(self, alert: Alert, lead: Lead, person: RepProfile | None, waited: str) -> str:
        """E-mails the rep a signed, single-use link that acknowledges; says what became of it."""
        if self.mailer is None or self.link_key is None:
            return "e-mail not sent: no sender configured (cdk deploy -c leadqual:alertsFromEmail=...)"
        if person is None or not person.email:
            return "e-mail not sent: the roster has no e-mail for them"
        link = f"{self.console_url}ack/{sign_link(self.link_key(), alert.alert_id, self.clock())}"
        company = lead.company.name or lead.account or "a lead"
        self.mailer.send(person.email, *reminder_email(lead, link, waited, company))
        return "e-mailed a link that acknowledges"

    def _reassign(self, alert: Alert, lead: Lead, pool: str, rep: str, waited: str, attempt: int) -> None:
        probability = lead.scores.conversion_probability if lead.scores else 0.0
        given = self.distribution.assign(lead.lead_id, pool, probability, attempt + 1, passed_over=[rep])
        if given.rep is None:
            self._note(lead.lead_id, "sla_not_reassigned",
                       f"not acknowledged after {waited}, and nobody else in pool {pool} can take it: stays with {rep}")  # fmt: skip
            return
        # The rep who let it go cold is not charged for it, and their slot is free.
        self.distribution.credit(lead.lead_id, CreditReason.SLA_REASSIGNED, attempt=attempt)
        self.distribution.release(lead.lead_id, attempt=attempt)
        new = given.rep

        def move(current: Lead) -> bool:
            if current.route is None or current.route.owner != rep:
                return False
            current.route.owner = new
            current.route.assignment = given.reason
            current.route.candidates = given.candidates
            add_history(
                current, "sla_reassigned", f"not acknowledged by {rep} after {waited}: reassigned to {new}"
            )
            return True

        update_lead(self.leads, lead.lead_id, move)
        self._settle_messages(alert, f"Reassigned to {new}: not acknowledged after {waited}.")
        if self.crm_changes is not None:
            self.crm_changes.send(CrmSyncRequest(change_id=f"{lead.lead_id}-a{attempt + 1}", lead_id=lead.lead_id,
                                                 change=CrmChange.ROUTED))  # fmt: skip
        self.announce_assignment(lead.lead_id, attempt + 1)

    def _tell_managers(self, lead: Lead, pool: str, rep: str, waited: str) -> None:
        managers = [
            p for p in self.distribution.reps() if p.role is Role.MANAGER and (pool in p.pools or not p.pools)
        ]
        company = lead.company.name or lead.account or lead.lead_id
        words = (
            f"Nobody has acknowledged {slack_blocks.person_line(lead)} at {company} ({rep}'s) after {waited}."
        )
        told = []
        for manager in managers:
            user_id = self._slack_id(manager) if self.chat is not None else None
            if user_id is None or self.chat is None:
                continue
            try:
                self.chat.post(
                    user_id, words, [{"type": "section", "text": {"type": "plain_text", "text": words}}]
                )
                told.append(manager.rep)
            except ChatRefused:
                continue
        whom = ", ".join(told) or f"no manager (none of pool {pool} is in Slack or the roster)"
        self._note(lead.lead_id, "sla_manager_told", f"not acknowledged after {waited}: told {whom}")

    # --- what follows a person's action -----------------------------------------------------------

    def follow_up(self, work: AlertWork) -> None:
        alert = self.alerts.get(work.alert_id)
        if alert is None and work.kind is AlertWorkKind.REVIEW_DECIDED:
            return  # decided before anyone was told in Slack: no message to update
        if alert is None:
            raise LookupError(f"no alert {work.alert_id}")
        if work.work_id in alert.follow_ups_done:
            return
        match work.kind:
            case AlertWorkKind.ACKNOWLEDGED:
                self._acknowledged(alert)
            case AlertWorkKind.NOT_A_FIT:
                self._not_a_fit(alert)
            case AlertWorkKind.REVIEW_DECIDED:
                self._review_decided(alert)
        self.alerts.follow_up_done(alert.alert_id, work.work_id)

    def crm_activity(self, work: AlertWork) -> None:
        """Activity on the lead's CRM record acknowledges its alert, as a press in Slack does: the
        first acknowledgement wins; the chain stops and the DM says so, once."""
        alert = self.alerts.get(work.alert_id)
        if alert is None or alert.kind is not AlertKind.ASSIGNED:
            return  # nobody was alerted about this lead
        assert work.at is not None
        stored = (
            alert
            if alert.acknowledged
            else self.alerts.acknowledge(alert.alert_id, alert.people[0], work.at, "crm")
        )
        if stored.acknowledged_via == "crm" and work.work_id not in stored.follow_ups_done:
            self._acknowledged(stored)
            self.alerts.follow_up_done(alert.alert_id, work.work_id)

    def _acknowledged(self, alert: Alert) -> None:
        assert alert.acknowledged_by is not None and alert.acknowledged_at is not None
        by, at = alert.acknowledged_by, alert.acknowledged_at
        if alert.kind is AlertKind.REVIEW:
            # A reviewer picked the review up from their e-mail: the others' DMs keep their buttons
            # (the decision is still to make); the timeline says who has it.
            self._note(
                alert.lead_id, "review_picked_up", f"{by} picked the review up via {alert.acknowledged_via}"
            )
            return
        self._stop_chain(alert)
        self._settle_messages(alert, f"Acknowledged by {by} at {self._local(by, at)}.")

        def note(current: Lead) -> None:
            add_history(current, "acknowledged", f"by {by} via {alert.acknowledged_via} after "
                        f"{duration_in_words((at - current.route.routed_at).total_seconds()) if current.route else '?'}")  # fmt: skip
            if (
                current.sla is not None
                and current.route is not None
                and current.sla.seconds_to_acknowledge is None
            ):
                current.sla.seconds_to_acknowledge = (at - current.route.routed_at).total_seconds()

        update_lead(self.leads, alert.lead_id, note)

    def _not_a_fit(self, alert: Alert) -> None:
        verdict = alert.not_a_fit
        assert verdict is not None
        self._stop_chain(alert)
        self._settle_messages(
            alert, f"Not a fit ({verdict.reason}), said {verdict.by}. It goes to the model's feedback."
        )
        # The rep is not charged for it, the model learns from it, and the rep's slot is freed.
        self.distribution.credit(alert.lead_id, CreditReason.NOT_A_FIT)
        self.outcomes.record(
            alert.lead_id,
            OutcomeReport(
                outcome=OutcomeKind.DISQUALIFIED,
                note=f"not a fit: {verdict.reason} (by {verdict.by})",
                occurred_at=verdict.at,
            ),  # fmt: skip
        )

    def _review_decided(self, alert: Alert) -> None:
        found = self.decisions.get_review(alert.alert_id)
        if found is None:
            return
        review = found[0]
        if review.decision is None:
            if review.status is ReviewStatus.EXPIRED:
                self._settle_messages(alert, "Nobody decided before the deadline: escalated.")
            return
        route = slack_blocks.ROUTE_WORDS[review.final_route] if review.final_route else "?"
        at = review.decided_at or self.clock()
        done = review.decision.value.capitalize() if review.decision else "Decided"
        self._settle_messages(alert, f"{done} by {review.decided_by} at {at:%H:%M} UTC: {route}.")

    def _settle_messages(self, alert: Alert, words: str) -> None:
        if self.chat is None:
            return
        lead = self.leads.get_lead(alert.lead_id)
        # The roster and the review read once, not once a message.
        people = {p.rep: p for p in self.distribution.reps()}
        review = self.decisions.get_review(alert.alert_id) if alert.kind is AlertKind.REVIEW else None
        owner = self._owner_name(review[0], list(people.values())) if review else ""
        for message in alert.messages:
            person = people.get(message.person)
            zone = person.hours.timezone if person and person.hours else "UTC"
            if lead is None:
                blocks: list[dict[str, Any]] = []
            elif alert.kind is AlertKind.ASSIGNED:
                _, blocks = slack_blocks.assignment_message(
                    lead, alert.alert_id, None, zone, self.console_url, self._crm_link(lead)
                )
            else:
                blocks = (
                    slack_blocks.review_message(lead, review[0], zone, self.console_url, owner)[1]
                    if review
                    else []
                )
            try:
                self.chat.update(message.channel, message.ts, words, slack_blocks.settled(blocks, words))
            except ChatRefused:
                continue  # the message was deleted in Slack: nothing to update

    def _owner_name(self, review: Review, roster: list[RepProfile]) -> str:
        key = (review.suggested_owner, review.territory)
        return self.distribution.owner_names([key], roster)[key]

    def _crm_link(self, lead: Lead) -> str | None:
        """The "Open in the CRM" button's address, when RevOps set where records open: the lead's
        console page, which opens the record once leadqual has written it (the CRM write and the DM
        race each other; the button works whichever comes first)."""
        if not self.console_url or not self.policy.crm.record_links.any:
            return None
        return f"{self.console_url}leads/{lead.lead_id}?open=crm"

    def _stop_chain(self, alert: Alert) -> None:
        if self.scheduler is not None:
            self.scheduler.cancel(alert.alert_id, max((len(s) for s in self.policy.sla.values()), default=0))

    def _local(self, name: str, at: datetime) -> str:
        person = self._person(name)
        return slack_blocks.local_time(at, person.hours.timezone if person and person.hours else "UTC")

    def _note(self, lead_id: str, event: str, detail: str) -> None:
        update_lead(self.leads, lead_id, lambda current: add_history(current, event, detail))
