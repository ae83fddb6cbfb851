"""Telling people: the alert a rep gets for a lead, the one reviewers get for a review, and what
they did with it from Slack. An alert is its own record (`ALERT#<id>`), so the first
acknowledgement is one conditional write, never a read-modify-write of the lead."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel

from leadqual.domain.schemas.vocabulary import RouteAction

# Routes whose owner is a person to tell at once (nurture and hold go to marketing's programmes).
ALERTED_ROUTES = frozenset({RouteAction.SDR_OUTREACH, RouteAction.AE_NOTIFY})


# The channels besides Slack each person is told by once (the alert's string set of that name).
SendChannel = Literal["emailed", "teams"]


class AlertKind(StrEnum):
    ASSIGNED = "assigned"  # a rep was given a lead
    REVIEW = "review"  # reviewers are asked to decide


class SentMessage(BaseModel):
    """One Slack message leadqual posted about an alert, to one person."""

    person: str  # leadqual's name for them (the roster's)
    channel: str
    ts: str


class NotAFit(BaseModel):
    reason: str
    by: str
    at: datetime


class Alert(BaseModel):
    """An alert as stored: whom it went to, what they did, and which SLA steps have run."""

    alert_id: str  # <lead>-a<attempt> for a rep's lead, the review id for a review
    kind: AlertKind
    lead_id: str
    people: list[str]  # who was told: the assigned rep, or the review's queue
    created_at: datetime
    # Each person is claimed here before their post, so a redelivered request never posts twice
    # (Slack has no idempotency key); a claim is given back when Slack certainly did not post.
    posting: list[str] = []
    emailed: list[str] = []  # the same, for the e-mail each person is sent (once)
    teams: list[str] = []  # and for the Teams card about each person's lead
    messages: list[SentMessage] = []
    unreachable: list[str] = []  # people leadqual could not find in Slack, with why
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_via: str | None = None  # slack | email | teams (their links) | crm | console
    not_a_fit: NotAFit | None = None
    follow_ups_done: list[str] = []  # follow-up work ids done (the message updated, the CRM told)

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_by is not None


def alert_id_for(lead_id: str, attempt: int) -> str:
    return f"{lead_id}-a{attempt}"
