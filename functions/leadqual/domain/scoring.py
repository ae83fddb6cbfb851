"""From the model's additive output to what a rep sees: probability, sub-scores, grade, reasons.

The ONNX graph returns, per lead, the calibrated probability and each feature's contribution to the
log-odds. Every model leadqual trains is additive in its features (a logistic regression, or
boosted trees constrained to one feature per tree), so the contributions are exact: with the base
log-odds they sum to the model's logit, and changing one input moves only its own contribution.
Sub-scores and reasons are computed from those contributions, so they say what the model did.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from leadqual.domain.features import FeatureSpec
from leadqual.domain.models import Reason, Scores

GROUPS: tuple[Literal["fit", "engagement", "intent"], ...] = ("fit", "engagement", "intent")
REASONS_PER_SIDE = 3
# A contribution smaller than this (in log-odds) is noise, not a reason.
MIN_REASON_CONTRIBUTION = 0.05


class GradeThresholds(BaseModel):
    """Minimum calibrated probability for each grade, from the training distribution."""

    A: float
    B: float
    C: float

    def grade(self, probability: float) -> Literal["A", "B", "C", "D"]:
        if probability >= self.A:
            return "A"
        if probability >= self.B:
            return "B"
        if probability >= self.C:
            return "C"
        return "D"


class ScoringProfile(BaseModel):
    """Ships beside model.onnx: how to turn contributions into sub-scores and a grade."""

    model_version: str
    base_logit: float
    # 101 quantiles (0th..100th percentile) of each group's summed contribution on training data.
    group_quantiles: dict[str, list[float]] = Field(min_length=1)
    grades: GradeThresholds


@dataclass(frozen=True, slots=True)
class ModelOutput:
    """One lead's row of the graph's output (the adapter checks its shape against the spec)."""

    probability: float
    contributions: Sequence[float]


def percentile_score(value: float, quantiles: Sequence[float]) -> int:
    """0-100: the share of training leads whose group contribution is below this lead's."""
    if not quantiles:
        return 50
    position = bisect.bisect_left(quantiles, value)
    return max(0, min(100, round(100 * position / (len(quantiles) - 1))))


def explain(
    spec: FeatureSpec, profile: ScoringProfile, record: Mapping[str, Any], output: ModelOutput
) -> Scores:
    if len(output.contributions) != len(spec.features):
        raise ValueError(
            f"model returned {len(output.contributions)} contributions for {len(spec.features)} features"
        )
    group_sums = dict.fromkeys(GROUPS, 0.0)
    for feature, contribution in zip(spec.features, output.contributions, strict=True):
        group_sums[feature.group] += contribution
    # Only the factors shown are put into words: describing all of them was most of explain's time.
    ranked = sorted(range(len(spec.features)), key=lambda i: output.contributions[i])
    strongest_negative = [
        i for i in ranked[:REASONS_PER_SIDE] if output.contributions[i] <= -MIN_REASON_CONTRIBUTION
    ]
    strongest_positive = [
        i for i in reversed(ranked[-REASONS_PER_SIDE:]) if output.contributions[i] >= MIN_REASON_CONTRIBUTION
    ]
    as_of = spec.as_of(record)

    def reason(index: int) -> Reason:
        feature = spec.features[index]
        return Reason(
            feature=feature.name,
            text=feature.describe(record.get(feature.column), as_of),
            contribution=round(float(output.contributions[index]), 4),
        )

    return Scores(
        conversion_probability=round(output.probability, 4),
        fit=percentile_score(group_sums["fit"], profile.group_quantiles.get("fit", [])),
        engagement=percentile_score(group_sums["engagement"], profile.group_quantiles.get("engagement", [])),
        intent=percentile_score(group_sums["intent"], profile.group_quantiles.get("intent", [])),
        grade=profile.grades.grade(output.probability),
        model_version=profile.model_version,
        top_positive=[reason(i) for i in strongest_positive],
        top_negative=[reason(i) for i in strongest_negative],
    )


class Predictor(Protocol):
    def predict(self, vectors: Sequence[Sequence[float]]) -> list[ModelOutput]: ...


def score_records(
    spec: FeatureSpec, profile: ScoringProfile, model: Predictor, records: Sequence[Mapping[str, Any]]
) -> list[Scores]:
    """Features, one batched inference, then sub-scores and reasons: serving and back-tests share it."""
    if not records:
        return []
    outputs = model.predict([spec.vectorize(record) for record in records])
    return [explain(spec, profile, record, output) for record, output in zip(records, outputs, strict=True)]
