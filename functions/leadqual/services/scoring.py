"""Score received leads with the ONNX model, store the scores, start their workflows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from leadqual.domain.features.model_input import serving_record
from leadqual.domain.lead_status import move
from leadqual.domain.ports import LeadStore, Model, SignalStore, Workflow
from leadqual.domain.schemas.lead import Lead, LeadStatus, Reevaluation
from leadqual.domain.schemas.messages import ScoringRequest
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.shared import utc_now
from leadqual.domain.scoring import Scorer
from leadqual.services.context import gather_signals
from leadqual.services.leads import add_history, update_lead_versioned


def _needs_scores(lead: Lead) -> bool:
    return lead.status is LeadStatus.RECEIVED or lead.scores is None


class ScoredLead(NamedTuple):
    """A lead's scores and the raw record they were computed from (kept on the lead for retraining)."""

    scores: Scores
    model_input: dict[str, Any]


# What became of one request: its scores (None: nothing to score), or why it failed.
Outcome = Scores | None | Exception


class ScoredBatch(NamedTuple):
    outcomes: list[Outcome]  # one per request, in order
    # Why the batch's one inference failed, when it did (its leads were then scored one by one).
    inference_error: Exception | None = None


@dataclass
class ScoringService:
    leads: LeadStore
    signals: SignalStore
    model: Model
    scorer: Scorer
    workflow: Workflow

    def score(self, requests: Sequence[ScoringRequest]) -> ScoredBatch:
        """Scores one queue batch and starts each lead's workflow; each request's outcome, in order.

        Each lead is read once; the new leads of the batch are scored in ONE model inference (or,
        if that fails, one by one); each is then stored on its own, so a request that fails (its
        outcome is the exception) sends only its own message back to the queue.
        """
        reads: dict[str, tuple[Lead, int] | Exception | None] = {}
        for lead_id in dict.fromkeys(r.lead_id for r in requests):
            try:
                reads[lead_id] = self.leads.get_lead_versioned(lead_id)
            except Exception as error:
                reads[lead_id] = error
        new = {
            r.lead_id: found[0]
            for r in requests
            if r.reevaluation is None
            and isinstance(found := reads[r.lead_id], tuple)
            and _needs_scores(found[0])
        }
        computed, inference_error = self._infer(list(new.values()))
        outcomes: list[Outcome] = []
        for request in requests:
            # A lead named twice in one batch is read afresh the second time (the first saved it).
            read = reads.pop(request.lead_id, None)
            try:
                if isinstance(read, Exception):
                    raise read
                outcomes.append(self._score_one(request, read, computed.get(request.lead_id)))
            except Exception as error:
                outcomes.append(error)
        return ScoredBatch(outcomes, inference_error)

    def _infer(self, leads: Sequence[Lead]) -> tuple[dict[str, ScoredLead | Exception], Exception | None]:
        # A lead whose signals cannot be read fails alone; the others are scored together.
        found: dict[str, ScoredLead | Exception] = {}
        ready: list[tuple[Lead, dict[str, Any]]] = []
        for lead in leads:
            try:
                ready.append((lead, self._record(lead)))
            except Exception as error:
                found[lead.lead_id] = error
        try:
            scores = self.scorer.score(self.model, [record for _, record in ready])
        except Exception as error:
            # Each lead is then scored on its own, and only one that fails alone fails.
            found.update({lead.lead_id: self._infer_one(lead, record) for lead, record in ready})
            return found, error
        found.update({lead.lead_id: ScoredLead(s, r) for (lead, r), s in zip(ready, scores, strict=True)})
        return found, None

    def _infer_one(self, lead: Lead, record: dict[str, Any]) -> ScoredLead | Exception:
        try:
            [scores] = self.scorer.score(self.model, [record])
        except Exception as error:
            return error
        return ScoredLead(scores, record)

    def _score_one(
        self, request: ScoringRequest, read: tuple[Lead, int] | None, scored: ScoredLead | Exception | None
    ) -> Scores | None:
        read = read or self.leads.get_lead_versioned(request.lead_id)
        if read is None:
            # Raising sends the message back; after a few receives it lands in the DLQ (alarmed).
            raise LookupError(f"lead {request.lead_id} does not exist")
        lead = read[0]
        if request.reevaluation is not None:
            return self._reevaluate(read, request.reevaluation)
        if not _needs_scores(lead):
            self.workflow.start(lead.lead_id)  # a redelivery after scoring: make sure the workflow runs
            return lead.scores
        if isinstance(scored, Exception):
            raise scored
        if scored is None:  # read afresh (a second request for the lead in this batch)
            only = self._infer_one(lead, self._record(lead))  # may raise: this request fails
            if isinstance(only, Exception):
                raise only
            scored = only
        scores = scored.scores

        def store_scores(current: Lead) -> bool:
            if current.status is not LeadStatus.RECEIVED:
                return False  # scored by an earlier delivery of the same message
            current.scores = scores
            current.model_input = scored.model_input
            move(current, LeadStatus.SCORED)
            add_history(
                current,
                "scored",
                f"p={scores.conversion_probability:.2f} grade {scores.grade} model {scores.model_version}",
            )
            return True

        update_lead_versioned(self.leads, lead.lead_id, store_scores, read=read)
        # Named after the lead: a redelivered message can never start a second workflow.
        self.workflow.start(lead.lead_id)
        return scores

    def _reevaluate(self, read: tuple[Lead, int], reason: Reevaluation) -> Scores | None:
        """A held lead, scored again on what is known now, and its rules run again in a new execution.

        Only a lead still in `hold` with no re-evaluation in flight: a lead already routed is never
        routed twice, and a burst of events makes one re-evaluation, not one per event.
        """
        lead = read[0]
        if lead.status is not LeadStatus.HOLD or lead.reevaluation is not None:
            return None
        evaluations = lead.evaluations
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

        updated, _ = update_lead_versioned(self.leads, lead.lead_id, start_reevaluation, read=read)
        if updated.reevaluation is reason and updated.evaluations > evaluations:
            self.workflow.start(lead.lead_id, f"{lead.lead_id}-e{updated.evaluations}")
        return scores

    def _record(self, lead: Lead, as_of: datetime | None = None) -> dict[str, Any]:
        context = gather_signals(lead, self.signals)
        return serving_record(
            lead, context.account, context.events, context.intents, self.scorer.spec.behaviour, as_of=as_of
        )
