"""Score a received lead with the ONNX model, store the scores, start its workflow."""

from __future__ import annotations

from dataclasses import dataclass

from leadqual.domain.features import FeatureSpec
from leadqual.domain.models import Lead, LeadStatus, Scores
from leadqual.domain.ports import LeadStore, Model, SignalStore, Workflow
from leadqual.domain.records import serving_record
from leadqual.domain.scoring import ScoringProfile, score_records
from leadqual.services.context import gather_signals
from leadqual.services.leads import add_history, update_lead


@dataclass
class ScoringService:
    leads: LeadStore
    signals: SignalStore
    model: Model
    spec: FeatureSpec
    profile: ScoringProfile
    workflow: Workflow

    def score_lead(self, lead_id: str) -> Scores | None:
        lead = self.leads.get_lead(lead_id)
        if lead is None:
            # Raising sends the message back; after a few receives it lands in the DLQ (alarmed).
            raise LookupError(f"lead {lead_id} does not exist")
        scores = lead.scores
        if lead.status is LeadStatus.RECEIVED or scores is None:
            scores = self.compute(lead)

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

    def compute(self, lead: Lead) -> Scores:
        context = gather_signals(lead, self.signals)
        record = serving_record(lead, context.account, context.events, context.intents, self.spec.behaviour)
        return score_records(self.spec, self.profile, self.model, [record])[0]
