"""One value of a few (industry, country, form): the most frequent in training, else 'other'."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from leadqual.domain.features.kinds.base import Describer, FeatureKind, FeatureSettings, HotPositions
from leadqual.domain.features.values import OTHER, category_of, is_missing


class LearnedVocabulary(FeatureKind):
    """A kind whose columns are values learned from training data: one column per category."""

    def output_columns(self, feature: FeatureSettings) -> list[str]:
        if feature.categories is None:
            raise ValueError(f"feature {feature.name!r} is not fitted: it has no categories yet")
        return [f"{feature.name}={c}" for c in feature.categories]

    def is_fitted(self, feature: FeatureSettings) -> bool:
        return feature.categories is not None


class Categorical(LearnedVocabulary):
    name = "categorical"

    def describer(self, feature: FeatureSettings) -> Describer:
        label = feature.label
        return lambda raw, as_of: f"{label}: {'unknown' if is_missing(raw) else str(raw).strip()}"

    def hot_positions(self, feature: FeatureSettings, start: int) -> Callable[[Any], HotPositions]:
        position = {c: start + i for i, c in enumerate(feature.categories or [])}
        if OTHER not in position:
            raise ValueError(f"categorical feature {feature.name!r} needs {OTHER!r} among its categories")
        other = position[OTHER]
        return lambda raw: (position.get(category_of(raw), other),)

    def learn(self, feature: FeatureSettings, values: Sequence[Any]) -> list[str] | None:
        counts = Counter(category_of(value) for value in values)
        counts.pop(OTHER, None)
        return [*sorted(c for c, _ in counts.most_common(feature.max_categories)), OTHER]
