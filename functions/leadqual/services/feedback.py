"""What sales reported, read back from the leads table: rows to retrain on, the retrospective and
the console's reports.

`leadqual feedback export` writes the rows in the layout of leadqual's own feature specification
(`training/specs/leadqual_default.yaml`: label column `outcome`, `closed_won` positive, `open`
undecided), so `leadqual retrain` learns from live outcomes exactly as serving saw each lead, with
no features rebuilt after the fact from data that did not exist yet when the lead was scored.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leadqual.domain.feedback import feedback_row, retrospective
from leadqual.domain.flow_report import flow_report
from leadqual.domain.policy import Policy
from leadqual.domain.ports import LeadStore
from leadqual.domain.schemas.reports import Reports, Retrospective


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

    def retrospective(self, since: datetime | None = None, until: datetime | None = None) -> Retrospective:
        return Retrospective.model_validate(retrospective(self.leads.report_rows(since, until), since, until))

    def report(self, policy: Policy, since: datetime | None = None, until: datetime | None = None) -> Reports:
        """The console's reports: the retrospective and the flow, from one read of the window's rows."""
        rows = list(self.leads.report_rows(since, until))
        assignment = policy.assignment
        return Reports.model_validate(
            {
                "retrospective": retrospective(rows, since, until),
                "flow": flow_report(
                    rows,
                    sdrs=len(assignment.sdrs) if assignment else 0,
                    reviews_per_sdr_per_day=assignment.reviews_per_sdr_per_day if assignment else 0,
                    since=since,
                    until=until,
                ),
            }
        )
