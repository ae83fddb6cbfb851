"""Reasons must say what the model did.

The shipped model is a sum of terms (each feature, and each pair of features it was given), so two
things must hold for every lead: the contributions the graph returns add up (with the base
log-odds) to the very logit behind its probability, and changing one input moves only the terms it
is part of, by exactly the change in the logit. Measured here on the shipped ONNX graph, not on the
training code; `tests/integration/test_pair_terms.py` proves the same of a model with pairs.
"""

import math
from datetime import UTC, datetime, timedelta

import pytest

from leadqual.adapters.onnx_model import OnnxModel
from leadqual.domain.features.model_input import serving_record
from leadqual.domain.ports import ModelOutputs
from leadqual.domain.schemas.lead import Lead, LeadStatus
from leadqual.domain.schemas.shared import Company
from leadqual.domain.schemas.vocabulary import FormType
from leadqual.domain.scoring import Scorer
from leadqual.domain.signals import StoredEvent
from leadqual.settings import DEFAULT_MODEL_ROOT

MODEL = OnnxModel(DEFAULT_MODEL_ROOT / (DEFAULT_MODEL_ROOT / "CURRENT").read_text().strip())
SCORER = Scorer(MODEL.spec, MODEL.profile)


def _predict(*records: dict[str, object]) -> ModelOutputs:
    return MODEL.predict(SCORER.features.build(records))


def _lead(**changes: object) -> Lead:
    now = datetime.now(UTC)
    values: dict[str, object] = dict(
        lead_id="ld_1", status=LeadStatus.RECEIVED, email="dana@northwind.io", account="northwind.io",
        title="VP of Sales", company=Company(employees=1200, industry="Software", country="US"),
        form=FormType.DEMO_REQUEST, submitted_at=now, received_at=now,
    )  # fmt: skip
    values.update(changes)
    return Lead.model_validate(values)


def _logit(probability: float) -> float:
    return math.log(probability / (1 - probability))


ENGAGED = serving_record(
    _lead(),
    None,
    [
        StoredEvent(
            type="page_view", page_category="pricing", occurred_at=datetime.now(UTC) - timedelta(days=d)
        )
        for d in (1, 2, 3)
    ],  # fmt: skip
    [],
    MODEL.spec.behaviour,
)
COLD = serving_record(
    _lead(form=FormType.NEWSLETTER, title="Student", email="sam@gmail.com", account=None, company=Company()),
    None,
    [],
    [],
    MODEL.spec.behaviour,
)


def test_the_shipped_model_returns_one_contribution_per_term() -> None:
    output = _predict(ENGAGED)
    assert output.contributions.shape == (1, len(MODEL.spec.terms()))


@pytest.mark.parametrize("record", [ENGAGED, COLD], ids=["engaged", "cold"])
def test_contributions_sum_to_the_models_logit(record: dict[str, object]) -> None:
    output = _predict(record)
    assert math.isclose(
        MODEL.profile.base_logit + output.contributions[0].sum(), _logit(output.probability[0]), abs_tol=1e-6
    )


@pytest.mark.parametrize("feature", [f.name for f in MODEL.spec.features])
def test_changing_one_input_moves_only_its_own_contribution_by_the_logit_change(feature: str) -> None:
    """The measured effect of swapping one input equals the change in its reported contribution."""
    definition = next(f for f in MODEL.spec.features if f.name == feature)
    swapped = {**ENGAGED, definition.column: COLD[definition.column]}
    output = _predict(ENGAGED, swapped)
    (before, after), (p_before, p_after) = output.contributions.tolist(), output.probability.tolist()
    index = MODEL.spec.features.index(definition)
    terms = MODEL.spec.terms()
    own = [t for t, term in enumerate(terms) if index in term.features]
    for other, (b, a) in enumerate(zip(before, after, strict=True)):
        if other not in own:
            assert math.isclose(a, b, abs_tol=1e-6), f"{feature} moved {terms[other].name}"
    measured = _logit(p_after) - _logit(p_before)
    reported = sum(after[t] - before[t] for t in own)
    assert math.isclose(measured, reported, abs_tol=1e-6)


def test_reasons_name_the_strongest_factors_with_their_true_share() -> None:
    output = _predict(COLD)
    [scores] = SCORER.explain([COLD], output)
    contributions = output.contributions[0].tolist()
    assert scores.grade == "D"
    negative = {r.feature: r for r in scores.top_negative}
    assert negative["form"].text == "Form submitted: newsletter"
    index = [t.name for t in MODEL.spec.terms()].index("form")
    assert math.isclose(negative["form"].contribution, contributions[index], abs_tol=1e-4)
    # Every reason shown is at least as strong as every factor on its side that is not shown.
    shown = {r.feature for r in scores.top_negative}
    weakest_shown = max(r.contribution for r in scores.top_negative)
    hidden = [c for t, c in zip(MODEL.spec.terms(), contributions, strict=True) if t.name not in shown]
    assert all(c >= weakest_shown for c in hidden if c < 0)


def test_reasons_read_the_way_a_rep_talks() -> None:
    [scores] = SCORER.score(MODEL, [ENGAGED])
    texts = {r.feature: r.text for r in [*scores.top_positive, *scores.top_negative]}
    assert texts.get("company_size", "Company size (employees): 1,000-4,999") == (
        "Company size (employees): 1,000-4,999"
    )
    assert texts["form"] == "Form submitted: demo_request"


def test_batch_scoring_gives_the_same_scores_as_one_at_a_time() -> None:
    batch = SCORER.score(MODEL, [ENGAGED, COLD])
    single = [SCORER.score(MODEL, [r])[0] for r in (ENGAGED, COLD)]
    assert batch == single
    assert batch[0].conversion_probability > batch[1].conversion_probability
