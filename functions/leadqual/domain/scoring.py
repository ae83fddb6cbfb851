"""From the model's additive output to what a rep sees: probability, sub-scores, grade, reasons.

The ONNX graph returns, per lead, the calibrated probability and each term's contribution to the
log-odds. A term is a feature, or a pair of features the training chose (`FeatureSpec.terms`).
Every model leadqual trains is a sum of such terms (a logistic regression, or boosted trees each
confined to one feature or one chosen pair), so the contributions are exact: with the base log-odds
they sum to the model's logit, and changing one input moves only the terms it is part of. Sub-scores
and reasons are computed from those contributions, so they say what the model did.
"""

import bisect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Self

import numpy as np
from pydantic import BaseModel, Field, model_validator

from leadqual.domain.features.matrix import FeatureMatrix
from leadqual.domain.features.spec import FeatureDef, FeatureSpec
from leadqual.domain.features.values import memoised
from leadqual.domain.ports import Model, ModelOutputs
from leadqual.domain.schemas.scores import Scores

GROUPS: tuple[Literal["fit", "engagement", "intent"], ...] = ("fit", "engagement", "intent")
# By how many grade thresholds a probability clears: 0 -> D ... 3 -> A.
GRADES: tuple[Literal["A", "B", "C", "D"], ...] = ("D", "C", "B", "A")
REASONS_PER_SIDE = 3
# A contribution smaller than this (in log-odds) is noise, not a reason.
MIN_REASON_CONTRIBUTION = 0.05
# One term's value for one lead in a rep's words.
Words = Callable[[Mapping[str, Any]], str]


class GradeThresholds(BaseModel):
    """Minimum calibrated probability for each grade, from the training distribution."""

    A: float
    B: float
    C: float

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.A >= self.B >= self.C:
            raise ValueError(f"grade thresholds must satisfy A >= B >= C, got {self.A}, {self.B}, {self.C}")
        return self


class ScoringProfile(BaseModel):
    """Ships beside model.onnx: how to turn contributions into sub-scores and a grade."""

    model_version: str
    base_logit: float
    # 101 quantiles (0th..100th percentile) of each group's summed contribution on training data.
    group_quantiles: dict[str, list[float]] = Field(min_length=1)
    grades: GradeThresholds


class PercentileScale:
    """Group contribution -> 0-100: the share of training leads whose contribution is below it."""

    def __init__(self, quantiles: Sequence[float]):
        self._quantiles = list(quantiles)
        last = max(1, len(self._quantiles) - 1)
        # One answer per insertion point, worked out once: scoring a lead is then a bisect.
        self._percent = [
            min(100, round(100 * position / last)) for position in range(len(self._quantiles) + 1)
        ]

    def __call__(self, value: float) -> int:
        if not self._quantiles:
            return 50
        return self._percent[bisect.bisect_left(self._quantiles, value)]


class Scorer:
    """A fitted specification and its scoring profile, compiled once per cold start.

    `score` runs a batch of raw records through features, ONE inference and explanations; serving,
    back-tests and the benchmark all call it. Group sums and the ranking of factors are computed
    for the whole batch with numpy; only the few reasons shown are put into words.
    """

    def __init__(self, spec: FeatureSpec, profile: ScoringProfile):
        self.spec = spec
        self.profile = profile
        self.features = FeatureMatrix(spec)
        terms = spec.terms()
        self._membership = group_membership(spec)
        self._scales = [PercentileScale(profile.group_quantiles.get(g, [])) for g in GROUPS]
        grades = profile.grades
        self._grade_edges = [grades.C, grades.B, grades.A]
        self._names = [term.name for term in terms]
        singles = [self._words_for(f) for f in spec.features]
        self._words = [
            singles[term.features[0]]
            if len(term.features) == 1
            else _joined(*(singles[i] for i in term.features))
            for term in terms
        ]

    def _words_for(self, feature: FeatureDef) -> Words:
        describe, column = feature.describer(), feature.column
        if feature.behaviour.reads_moment:  # "n days before": depends on the record's own moment
            return lambda record: describe(record.get(column), self.spec.as_of(record))
        if feature.behaviour.repeats:
            # A few distinct values across all leads (forms, countries, titles): each put into words once.
            text_of = memoised(lambda raw: describe(raw, None))
            return lambda record: text_of(record.get(column))
        return lambda record: describe(record.get(column), None)

    def score(self, model: Model, records: Sequence[Mapping[str, Any]]) -> list[Scores]:
        if not records:
            return []
        return self.explain(records, model.predict(self.features.build(records)))

    def explain(self, records: Sequence[Mapping[str, Any]], outputs: ModelOutputs) -> list[Scores]:
        contributions = outputs.contributions
        if contributions.shape != (len(records), len(self._names)):
            raise ValueError(
                f"model returned contributions of shape {contributions.shape} "
                f"for {len(records)} leads and {len(self._names)} terms"
            )
        group_sums = (contributions @ self._membership).tolist()
        ranked = np.argsort(contributions, axis=1, kind="stable").tolist()
        values = contributions.tolist()
        # Rounded for display by numpy, the batch at once: Python's round() costs ~1 us a number.
        shown = np.round(contributions, 4).tolist()
        names, words = self._names, self._words
        fit_scale, engagement_scale, intent_scale = self._scales
        version = self.profile.model_version

        def reasons(
            indices: list[int], record: Mapping[str, Any], shares: list[float]
        ) -> list[dict[str, Any]]:
            return [
                {
                    "feature": names[j],
                    "text": words[j](record),
                    "contribution": shares[j],
                }
                for j in indices
            ]

        scores = []
        for record, probability, rounded, value, order, shares, (fit, engagement, intent) in zip(
            records,
            outputs.probability.tolist(),
            np.round(outputs.probability, 4).tolist(),
            values,
            ranked,
            shown,
            group_sums,
            strict=True,
        ):
            positive = [j for j in order[: -REASONS_PER_SIDE - 1 : -1] if value[j] >= MIN_REASON_CONTRIBUTION]
            negative = [j for j in order[:REASONS_PER_SIDE] if value[j] <= -MIN_REASON_CONTRIBUTION]
            scores.append(
                {
                    "conversion_probability": rounded,
                    "fit": fit_scale(fit),
                    "engagement": engagement_scale(engagement),
                    "intent": intent_scale(intent),
                    "grade": GRADES[bisect.bisect_right(self._grade_edges, probability)],
                    "model_version": version,
                    "top_positive": reasons(positive, record, shares),
                    "top_negative": reasons(negative, record, shares),
                }
            )
        # Each checked by the class's own validator: a TypeAdapter over the list would build a
        # second validator for Scores, and import pydantic's adapter module, at every cold start.
        return [Scores.model_validate(s) for s in scores]


def group_membership(spec: FeatureSpec) -> np.ndarray:
    """[terms, groups]: how much of each term's contribution counts toward fit, engagement, intent.

    A pair counts half toward each of its features' groups (all of it when the two share one), so
    the three group sums still add up to the whole log-odds.
    """
    return np.array(
        [
            [
                sum(spec.features[i].group == group for i in term.features) / len(term.features)
                for group in GROUPS
            ]
            for term in spec.terms()
        ],
        dtype=np.float64,
    )


def _joined(first: Words, second: Words) -> Words:
    """A pair in words: "Company size (employees): 1,000-4,999 with Industry: Logistics"."""
    return lambda record: f"{first(record)} with {second(record)}"
