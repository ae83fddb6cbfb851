"""Score received leads with the ONNX model, store the scores, start their workflows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from leadqual.domain.features import FeatureSpec
from leadqual.domain.models import Lead, LeadStatus, Scores
from leadqual.domain.ports import LeadStore, Model, SignalStore, Workflow
from leadqual.domain.records import serving_record
from leadqual.domain.scoring import ScoringProfile, score_records
from leadqual.services.context import gather_signals
from leadqual.services.leads import add_history, update_lead


def _needs_scores(lead: Lead) -> bool:
    return lead.status is LeadStatus.RECEIVED or lead.scores is None


@dataclass
class ScoringService:
    leads: LeadStore
    signals: SignalStore
    model: Model
    spec: FeatureSpec
    profile: ScoringProfile
    workflow: Workflow

    def score_batch(self, lead_ids: Sequence[str]) -> dict[str, Scores]:
        """Scores for the leads of one queue batch that still need them, from ONE model inference.

        Only computes: `score_lead` stores each lead's scores and starts its workflow, one message at
        a time, so a failure still returns just that message to the queue.
        """
        pending = [
            lead
            for lead in (self.leads.get_lead(lead_id) for lead_id in dict.fromkeys(lead_ids))
            if lead is not None and _needs_scores(lead)
        ]
        scores = score_records(self.spec, self.profile, self.model, [self._record(lead) for lead in pending])
        return {lead.lead_id: s for lead, s in zip(pending, scores, strict=True)}

    def score_lead(self, lead_id: str, computed: Mapping[str, Scores] | None = None) -> Scores | None:
        lead = self.leads.get_lead(lead_id)
        if lead is None:
            # Raising sends the message back; after a few receives it lands in the DLQ (alarmed).
            raise LookupError(f"lead {lead_id} does not exist")
        scores = lead.scores
        if _needs_scores(lead):
            scores = (computed or {}).get(lead_id) or score_records(
                self.spec, self.profile, self.model, [self._record(lead)]
            )[0]

            def store_scores(current: Lead) -> bool:
                if current.status is not LeadStatus.RECEIVED:
                    return False  # scored by an earlier delivery of the same message
                current.scores = scores
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

    def _record(self, lead: Lead) -> dict[str, object]:
        context = gather_signals(lead, self.signals)
        return serving_record(lead, context.account, context.events, context.intents, self.spec.behaviour)
