"""Score received leads with the ONNX model, store the scores, start their workflows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leadqual.domain.models import Lead, LeadStatus, Reevaluation, Scores, utc_now
from leadqual.domain.ports import LeadStore, Model, SignalStore, Workflow
from leadqual.domain.records import serving_record
from leadqual.domain.scoring import Scorer
from leadqual.services.context import gather_signals
from leadqual.services.leads import add_history, update_lead


def _needs_scores(lead: Lead) -> bool:
    return lead.status is LeadStatus.RECEIVED or lead.scores is None


@dataclass(frozen=True)
class ScoredLead:
    """A lead's scores and the raw record they were computed from (kept on the lead for retraining)."""

    scores: Scores
    model_input: dict[str, Any]


@dataclass
class ScoringService:
    leads: LeadStore
    signals: SignalStore
    model: Model
    scorer: Scorer
    workflow: Workflow

    def score_batch(self, lead_ids: Sequence[str]) -> dict[str, ScoredLead]:
        """Scores for the leads of one queue batch that still need them, from ONE model inference.

        Only computes: `score_lead` stores each lead's scores and starts its workflow, one message at
        a time, so a failure still returns just that message to the queue.
        """
        pending = [
            lead
            for lead in (self.leads.get_lead(lead_id) for lead_id in dict.fromkeys(lead_ids))
            if lead is not None and _needs_scores(lead)
        ]
        records = [self._record(lead) for lead in pending]
        scores = self.scorer.score(self.model, records)
        return {
            lead.lead_id: ScoredLead(s, record)
            for lead, s, record in zip(pending, scores, records, strict=True)
        }

    def score_lead(
        self,
        lead_id: str,
        computed: Mapping[str, ScoredLead] | None = None,
        reevaluation: Reevaluation | None = None,
    ) -> Scores | None:
        # Scored in this batch's inference: the batch has just read the lead, no need to read it again.
        scored = (computed or {}).get(lead_id) if reevaluation is None else None
        if scored is None:
            lead = self.leads.get_lead(lead_id)
            if lead is None:
                # Raising sends the message back; after a few receives it lands in the DLQ (alarmed).
                raise LookupError(f"lead {lead_id} does not exist")
            if reevaluation is not None:
                return self._reevaluate(lead, reevaluation)
            if not _needs_scores(lead):
                self.workflow.start(lead_id)  # a redelivery after scoring: make sure the workflow runs
                return lead.scores
            record = self._record(lead)
            [scores] = self.scorer.score(self.model, [record])
            scored = ScoredLead(scores, record)
        scores = scored.scores

        def store_scores(current: Lead) -> bool:
            if current.status is not LeadStatus.RECEIVED:
                return False  # scored by an earlier delivery of the same message
            current.scores = scores
            current.model_input = scored.model_input
            current.status = LeadStatus.SCORED
            add_history(
                current,
                "scored",
                f"p={scores.conversion_probability:.2f} grade {scores.grade} model {scores.model_version}",
            )
            return True

        update_lead(self.leads, lead_id, store_scores)
        # Named after the lead: a redelivered message can never start a second workflow.
        self.workflow.start(lead_id)
        return scores

    def _reevaluate(self, lead: Lead, reason: Reevaluation) -> Scores | None:
        """A held lead, scored again on what is known now, and its rules run again in a new execution.

        Only a lead still in `hold` with no re-evaluation in flight: a lead already routed is never
        routed twice, and a burst of events makes one re-evaluation, not one per event.
        """
        if lead.status is not LeadStatus.HOLD or lead.reevaluation is not None:
            return None
        record = self._record(lead, as_of=utc_now())
        [scores] = self.scorer.score(self.model, [record])

        def start_reevaluation(current: Lead) -> bool:
            if current.status is not LeadStatus.HOLD or current.reevaluation is not None:
                return False
            current.scores = scores
            current.model_input = record
            current.evaluations += 1
            current.reevaluation = reason
            add_history(
                current,
                "reevaluating",
                f"{reason.value}: p={scores.conversion_probability:.2f} grade {scores.grade}",
            )
            return True

        updated = update_lead(self.leads, lead.lead_id, start_reevaluation)
        if updated.reevaluation is reason and updated.evaluations > lead.evaluations:
            self.workflow.start(lead.lead_id, f"{lead.lead_id}-e{updated.evaluations}")
        return scores

    def _record(self, lead: Lead, as_of: datetime | None = None) -> dict[str, Any]:
        context = gather_signals(lead, self.signals)
        return serving_record(
            lead, context.account, context.events, context.intents, self.scorer.spec.behaviour, as_of=as_of
        )
