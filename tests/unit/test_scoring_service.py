"""The scoring service on in-memory fakes and the shipped model: one entry point for a queue batch,
each lead read once, one inference for the batch, and a failure that stays with its own request."""

from __future__ import annotations

from typing import Any

import pytest

from leadqual.adapters.onnx_model import OnnxModel
from leadqual.domain.schemas.lead import LeadStatus, Reevaluation
from leadqual.domain.schemas.messages import ScoringRequest
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.scoring import Scorer
from leadqual.services.scoring import ScoringService
from leadqual.settings import DEFAULT_MODEL_ROOT
from tests.fakes import InMemoryLeads, InMemorySignals, RecordingWorkflow, a_lead

MODEL = OnnxModel(DEFAULT_MODEL_ROOT / (DEFAULT_MODEL_ROOT / "CURRENT").read_text().strip())


class CountingModel:
    """The shipped model, counting inferences; `fail_batches` makes a batch of more than one fail."""

    def __init__(self, fail_batches: bool = False) -> None:
        self.inferences: list[int] = []
        self.fail_batches = fail_batches
        self.version = MODEL.version

    def predict(self, features: Any) -> Any:
        self.inferences.append(len(features))
        if self.fail_batches and len(features) > 1:
            raise RuntimeError("inference failed for the batch")
        return MODEL.predict(features)


def _service(leads: InMemoryLeads, model: CountingModel) -> tuple[ScoringService, RecordingWorkflow]:
    workflow = RecordingWorkflow()
    service = ScoringService(
        leads,
        InMemorySignals(),
        model,
        Scorer(MODEL.spec, MODEL.profile),
        workflow,
    )
    return service, workflow


def test_a_batch_reads_each_lead_once_scores_them_in_one_inference_and_starts_each_workflow() -> None:
    leads = InMemoryLeads().add(a_lead("ld_a1"), a_lead("ld_a2"), a_lead("ld_a3"))
    model = CountingModel()
    service, workflow = _service(leads, model)

    batch = service.score(
        [ScoringRequest(lead_id="ld_a1"), ScoringRequest(lead_id="ld_a2"), ScoringRequest(lead_id="ld_a3")]
    )

    assert all(isinstance(o, Scores) for o in batch.outcomes) and batch.inference_error is None
    assert model.inferences == [3]
    assert leads.reads == {"ld_a1": 1, "ld_a2": 1, "ld_a3": 1}
    assert all(leads.leads[i][0].status is LeadStatus.SCORED for i in ("ld_a1", "ld_a2", "ld_a3"))
    assert workflow.started == ["ld_a1", "ld_a2", "ld_a3"]


def test_an_unknown_lead_fails_alone_and_a_failed_inference_falls_back_to_one_by_one() -> None:
    leads = InMemoryLeads().add(a_lead("ld_a1"), a_lead("ld_a2"))
    model = CountingModel(fail_batches=True)
    service, workflow = _service(leads, model)

    batch = service.score(
        [ScoringRequest(lead_id="ld_a1"), ScoringRequest(lead_id="ld_nope"), ScoringRequest(lead_id="ld_a2")]
    )

    first, unknown, second = batch.outcomes
    assert isinstance(first, Scores) and isinstance(second, Scores)
    assert isinstance(unknown, LookupError) and "ld_nope" in str(unknown)
    assert isinstance(batch.inference_error, RuntimeError)
    assert model.inferences == [2, 1, 1]
    assert workflow.started == ["ld_a1", "ld_a2"]


def test_a_redelivered_message_stores_nothing_twice_and_a_held_lead_is_reevaluated_once() -> None:
    scored = a_lead("ld_a1")
    leads = InMemoryLeads().add(scored, a_lead("ld_h1", status=LeadStatus.HOLD))
    service, workflow = _service(leads, CountingModel())
    service.score([ScoringRequest(lead_id="ld_a1")])

    again = service.score(
        [
            ScoringRequest(lead_id="ld_a1"),
            ScoringRequest(lead_id="ld_h1", reevaluation=Reevaluation.NEW_SIGNALS),
            ScoringRequest(lead_id="ld_h1", reevaluation=Reevaluation.NEW_SIGNALS),
        ]
    )

    assert isinstance(again.outcomes[0], Scores) and leads.saves["ld_a1"] == 1
    assert isinstance(again.outcomes[1], Scores) and again.outcomes[2] is None  # one re-evaluation
    held = leads.leads["ld_h1"][0]
    assert held.evaluations == 1 and held.reevaluation is Reevaluation.NEW_SIGNALS
    assert workflow.started == ["ld_a1", "ld_h1-e1"]


@pytest.mark.parametrize("batch_size", [1, 10])
def test_every_request_gets_an_outcome_in_order(batch_size: int) -> None:
    ids = [f"ld_b{i}" for i in range(batch_size)]
    leads = InMemoryLeads().add(*(a_lead(i) for i in ids))
    service, _ = _service(leads, CountingModel())
    batch = service.score([ScoringRequest(lead_id=i) for i in ids])
    assert len(batch.outcomes) == batch_size
    assert [leads.leads[i][0].scores for i in ids] == batch.outcomes


def test_a_lead_whose_signals_cannot_be_read_fails_alone_and_the_rest_share_one_inference() -> None:
    class BrokenForOneAccount(InMemorySignals):
        def events_for(self, person_keys: Any) -> list[Any]:
            if any("crashco" in key for key in person_keys):
                raise RuntimeError("ValidationException")
            return []

    leads = InMemoryLeads().add(a_lead("ld_a1"), a_lead("ld_x1", email="ivy@crashco.io"), a_lead("ld_a2"))
    model = CountingModel()
    workflow = RecordingWorkflow()
    service = ScoringService(
        leads, BrokenForOneAccount(), model,
        Scorer(MODEL.spec, MODEL.profile), workflow,
    )  # fmt: skip
    first, broken, second = service.score(
        [ScoringRequest(lead_id=i) for i in ("ld_a1", "ld_x1", "ld_a2")]
    ).outcomes
    assert isinstance(first, Scores) and isinstance(second, Scores) and isinstance(broken, RuntimeError)
    assert model.inferences == [2] and workflow.started == ["ld_a1", "ld_a2"]
