"""Pair terms keep reasons exact: a model trained with pairs, measured on its own ONNX graph.

The outbound-calls history (`bench/outbound_calls.py`) has outcomes that depend on pairs of
columns (the channel only works in some months; age works one way for students and another for
retirees), so training chooses pairs there. For every lead, the graph's contributions, one per
feature and one per pair, must add up to its logit; changing one input must move only the terms
that input is part of, by exactly the change in the logit; and a pair reads as both its values.
"""

import math

import numpy as np
import pytest
import yaml
from bench.outbound_calls import SPEC, write_outbound_calls

from leadqual.adapters.onnx_model import OnnxModel
from leadqual.domain.scoring import Scorer
from leadqual_training.exports import load_rows
from leadqual_training.train import PAIRS_KIND, train


def _quiet(_: str) -> None:
    pass


@pytest.fixture(scope="module")
def paired(tmp_path_factory: pytest.TempPathFactory) -> tuple[OnnxModel, list[dict[str, object]]]:
    work = tmp_path_factory.mktemp("pairs")
    data = write_outbound_calls(work / "calls.csv", rows=8000)
    spec = work / "calls.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    result = train(data, spec, work / "models", version="paired", progress=_quiet, kinds=(PAIRS_KIND,))
    return OnnxModel(result.directory), load_rows(data)[::26][:300]  # calls of every month


def _logit(probability: float) -> float:
    return math.log(probability / (1 - probability))


def test_training_chooses_pairs_where_the_outcome_depends_on_them(paired: tuple[OnnxModel, list]) -> None:
    model, _ = paired
    pairs = {frozenset(pair) for pair in model.spec.pairs}
    assert 1 <= len(pairs) <= 10
    assert frozenset({"contact", "month"}) in pairs  # the strongest pair of the ground truth
    card = (model.directory / "model_card.md").read_text()
    assert "pair terms: " in card and "contact x month" in card


def test_contributions_of_features_and_pairs_sum_to_the_logit(paired: tuple[OnnxModel, list]) -> None:
    model, rows = paired
    scorer = Scorer(model.spec, model.profile)
    output = model.predict(scorer.features.build(rows))
    assert output.contributions.shape == (len(rows), len(model.spec.terms()))
    logits = np.log(output.probability / (1 - output.probability))
    assert np.abs(model.profile.base_logit + output.contributions.sum(axis=1) - logits).max() < 1e-6


@pytest.mark.parametrize("column", ["month", "contact", "age", "job", "poutcome"])
def test_changing_one_input_moves_only_its_terms_by_the_logit_change(
    paired: tuple[OnnxModel, list], column: str
) -> None:
    model, rows = paired
    scorer = Scorer(model.spec, model.profile)
    terms = model.spec.terms()
    index = next(i for i, f in enumerate(model.spec.features) if f.column == column)
    own = [t for t, term in enumerate(terms) if index in term.features]
    moved = 0
    for row, other in zip(rows[:60], rows[60:120], strict=True):
        swapped = {**row, column: other[column]}
        output = model.predict(scorer.features.build([row, swapped]))
        (before, after), (p_before, p_after) = output.contributions.tolist(), output.probability.tolist()
        for t, (b, a) in enumerate(zip(before, after, strict=True)):
            if t not in own:
                assert math.isclose(a, b, abs_tol=1e-9), f"{column} moved {terms[t].name}"
        reported = sum(after[t] - before[t] for t in own)
        assert math.isclose(_logit(p_after) - _logit(p_before), reported, abs_tol=1e-6)
        moved += reported != 0
    assert moved > 0  # the swaps did change something


def test_a_pair_reads_as_both_of_its_values(paired: tuple[OnnxModel, list]) -> None:
    model, rows = paired
    scorer = Scorer(model.spec, model.profile)
    shown = [
        reason
        for scores in scorer.score(model, rows)
        for reason in [*scores.top_positive, *scores.top_negative]
    ]
    pair_reasons = [r for r in shown if ":" in r.feature]
    assert pair_reasons, "no pair among the strongest reasons of 300 calls"
    reason = next(r for r in pair_reasons if r.feature == "contact:month" or r.feature == "month:contact")
    first, second = reason.feature.split(":")
    labels = {f.name: f.label for f in model.spec.features}
    assert reason.text.startswith(f"{labels[first]}: ") and f" with {labels[second]}: " in reason.text
