"""Several labels at once (technologies used): a column for each frequent label, 1.0 where present."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from leadqual.domain.features.kinds.base import Describer, FeatureSettings, HotPositions
from leadqual.domain.features.kinds.categorical import LearnedVocabulary
from leadqual.domain.features.values import labels_of


class MultiLabel(LearnedVocabulary):
    name = "multi_label"

    def describer(self, feature: FeatureSettings) -> Describer:
        label = feature.label
        return lambda raw, as_of: f"{label}: {', '.join(labels_of(raw)) or 'none known'}"

    def hot_positions(self, feature: FeatureSettings, start: int) -> Callable[[Any], HotPositions]:
        position = {c: start + i for i, c in enumerate(feature.categories or [])}
        return lambda raw: tuple(sorted({position[label] for label in labels_of(raw) if label in position}))

    def learn(self, feature: FeatureSettings, values: Sequence[Any]) -> list[str] | None:
        counts = Counter(label for value in values for label in labels_of(value))
        return sorted(c for c, _ in counts.most_common(feature.max_categories))
