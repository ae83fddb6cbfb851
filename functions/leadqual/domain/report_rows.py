"""A lead as the reports read it: one small row of what was served, how fast and what came of it.

The console's reports go over every lead of a window (10,000 and more). Reading whole lead
documents for that (history, model input, reasons) moved twenty times the bytes the figures need;
so each save of a lead also stores its row beside it (see `adapters/dynamo_leads.py`), and the
retrospective and the flow report are computed from rows alone.
"""

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel

from leadqual.domain.schemas.lead import Lead, OutcomeRecord
from leadqual.domain.schemas.vocabulary import OutcomeKind, ReviewStatus, RouteAction

STILL_OPEN = "open"
DECIDED = (OutcomeKind.CLOSED_WON, OutcomeKind.CLOSED_LOST, OutcomeKind.DISQUALIFIED)


def final_outcome(outcomes: Sequence[OutcomeRecord]) -> str:
    """A won deal is the answer; else the latest closed-lost or disqualified; else the lead is open.

    Meetings and opportunities are steps, not outcomes: such a lead is left out of training and
    of conversion rates until it closes.
    """
    decided = sorted((o for o in outcomes if o.outcome in DECIDED), key=lambda o: o.occurred_at)
    if any(o.outcome is OutcomeKind.CLOSED_WON for o in decided):
        return OutcomeKind.CLOSED_WON.value
    return decided[-1].outcome.value if decided else STILL_OPEN


def correct_route(outcomes: Sequence[OutcomeRecord]) -> str:
    """The route sales said the lead should have had (the latest such report), or ""."""
    correction = next((o.correct_route for o in reversed(outcomes) if o.correct_route), None)
    return correction.value if correction else ""


class ReportRow(BaseModel):
    lead_id: str
    submitted_at: datetime
    grade: str | None = None
    probability: float | None = None
    tier: str | None = None
    route: RouteAction | None = None
    rule: str | None = None
    owner: str | None = None  # who the lead went to (a rep, a team queue, a default owner)
    # Seconds from submission to the route, and of those spent waiting on an SDR; None: not routed.
    seconds_to_route: float | None = None
    seconds_in_review: float | None = None
    # From the route to the first acknowledgement (in Slack); None: not acknowledged (yet).
    seconds_to_acknowledge: float | None = None
    # From the route to the first activity on the CRM record; None: none yet.
    seconds_to_first_activity: float | None = None
    review_status: ReviewStatus | None = None
    suggested_route: RouteAction | None = None
    review_requested_at: datetime | None = None
    # `final_outcome` of what sales reported; None: nothing reported yet.
    outcome: str | None = None
    misrouted: bool = False
    correct_route: str = ""

    @property
    def routed(self) -> bool:
        return self.seconds_to_route is not None

    def submitted_within(self, since: datetime | None, until: datetime | None) -> bool:
        """Whether the lead was submitted in a report's window: `since` included, `until` not."""
        return (since is None or self.submitted_at >= since) and (until is None or self.submitted_at < until)


def report_row(lead: Lead) -> ReportRow:
    requested = next((entry.at for entry in lead.history if entry.event == "review_requested"), None)
    return ReportRow(
        lead_id=lead.lead_id,
        submitted_at=lead.submitted_at,
        grade=lead.scores.grade if lead.scores else None,
        probability=lead.scores.conversion_probability if lead.scores else None,
        tier=lead.tier,
        route=lead.route.action if lead.route else None,
        rule=lead.route.rule if lead.route else None,
        owner=lead.route.owner if lead.route else None,
        seconds_to_route=lead.sla.seconds_to_route if lead.sla else None,
        seconds_in_review=lead.sla.seconds_in_review if lead.sla else None,
        seconds_to_acknowledge=lead.sla.seconds_to_acknowledge if lead.sla else None,
        seconds_to_first_activity=lead.sla.seconds_to_first_activity if lead.sla else None,
        review_status=lead.review.status if lead.review else None,
        suggested_route=lead.review.suggested_route if lead.review else None,
        review_requested_at=requested if lead.review else None,
        outcome=final_outcome(lead.outcomes) if lead.outcomes else None,
        # Sales' own reassignment in the CRM is a misroute too, as a reported one is.
        misrouted=any(o.misrouted for o in lead.outcomes) or bool(lead.crm and lead.crm.corrections),
        correct_route=correct_route(lead.outcomes),
    )
