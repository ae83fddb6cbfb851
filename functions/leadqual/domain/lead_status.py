"""Which status a lead may move to from which: the one table every status change goes through.

A lead is `received`, scored, perhaps waits for an SDR (`pending_review`), and ends `routed`, held
(`hold`, until new signals or time route it again) or `failed` with its reason. Nothing moves a
lead back: a redelivered message or a retried task that would, is refused instead of saved.
"""

from __future__ import annotations

from leadqual.domain.schemas.lead import Lead, LeadStatus

S = LeadStatus
TRANSITIONS: dict[LeadStatus, frozenset[LeadStatus]] = {
    S.RECEIVED: frozenset({S.SCORED, S.FAILED}),
    S.SCORED: frozenset({S.PENDING_REVIEW, S.ROUTED, S.HOLD, S.FAILED}),
    S.PENDING_REVIEW: frozenset({S.ROUTED, S.HOLD, S.FAILED}),
    # A held lead re-evaluated: reviewed again, routed, or held still.
    S.HOLD: frozenset({S.PENDING_REVIEW, S.ROUTED, S.FAILED}),
    # Stored before it is sent: a route that could not be sent fails the lead.
    S.ROUTED: frozenset({S.FAILED}),
    S.FAILED: frozenset(),
}


class TransitionRefused(ValueError):
    """A status change the table does not allow; nothing is saved."""


def may_move(current: LeadStatus, to: LeadStatus) -> bool:
    return to is current or to in TRANSITIONS[current]


def move(lead: Lead, to: LeadStatus) -> None:
    """Sets the lead's status, if the table allows it from the one it has."""
    if not may_move(lead.status, to):
        raise TransitionRefused(f"lead {lead.lead_id} cannot go from {lead.status.value} to {to.value}")
    lead.status = to
