"""What sales reported, as training rows: the record each lead was scored on, labelled by its outcome.

`leadqual feedback export` writes these rows in the layout of leadqual's own feature specification
(`training/specs/leadqual_default.yaml`: label column `outcome`, `closed_won` positive, `open`
undecided), so `leadqual retrain` learns from live outcomes exactly as serving saw each lead, with
no features rebuilt after the fact from data that did not exist yet when the lead was scored.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from leadqual.domain.models import Lead, OutcomeKind, OutcomeRecord
from leadqual.domain.ports import LeadStore

LABEL_COLUMN = "outcome"
STILL_OPEN = "open"
DECIDED = (OutcomeKind.CLOSED_WON, OutcomeKind.CLOSED_LOST, OutcomeKind.DISQUALIFIED)


def final_outcome(outcomes: Sequence[OutcomeRecord]) -> str:
    """A won deal is the answer; else the latest closed-lost or disqualified; else the lead is open.

    Meetings and opportunities are steps, not outcomes: such a lead is left out of training until
    it closes.
    """
    decided = sorted((o for o in outcomes if o.outcome in DECIDED), key=lambda o: o.occurred_at)
    if any(o.outcome is OutcomeKind.CLOSED_WON for o in decided):
        return OutcomeKind.CLOSED_WON.value
    return decided[-1].outcome.value if decided else STILL_OPEN


def feedback_row(lead: Lead) -> dict[str, Any]:
    """The model's input for this lead, its outcome, and what leadqual served (for reports)."""
    if lead.model_input is None:
        raise ValueError(f"lead {lead.lead_id} keeps no model input")
    correction = next((o.correct_route for o in reversed(lead.outcomes) if o.correct_route), None)
    return {
        "lead_id": lead.lead_id,
        **lead.model_input,
        LABEL_COLUMN: final_outcome(lead.outcomes),
        "misrouted": any(o.misrouted for o in lead.outcomes),
        "correct_route": correction.value if correction else "",
        # Never features: the spec does not read them. They let a report compare what was served.
        "served_model_version": lead.scores.model_version if lead.scores else "",
        "served_probability": lead.scores.conversion_probability if lead.scores else "",
        "served_grade": lead.scores.grade if lead.scores else "",
        "served_route": lead.route.action.value if lead.route else "",
        "served_rule": lead.route.rule if lead.route else "",
    }


@dataclass(frozen=True)
class FeedbackExport:
    rows: list[dict[str, Any]]
    # Labelled leads scored before leads kept their model input: they cannot be replayed faithfully.
    without_input: int


@dataclass
class FeedbackService:
    leads: LeadStore

    def export(self) -> FeedbackExport:
        rows: list[dict[str, Any]] = []
        without_input = 0
        for lead in self.leads.leads_with_outcomes():
            if lead.model_input is None:
                without_input += 1
            else:
                rows.append(feedback_row(lead))
        rows.sort(key=lambda row: str(row.get("submitted_at", "")))
        return FeedbackExport(rows, without_input)
