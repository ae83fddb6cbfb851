"""A yes/no input (named account, opted in): one column, 1.0 for yes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from leadqual.domain.features.kinds.base import Describer, FeatureKind, FeatureSettings, HotPositions
from leadqual.domain.features.values import to_bool


class Boolean(FeatureKind):
    name = "boolean"

    def describer(self, feature: FeatureSettings) -> Describer:
        label = feature.label
        return lambda raw, as_of: f"{label}: {'yes' if to_bool(raw) else 'no'}"

    def hot_positions(self, feature: FeatureSettings, start: int) -> Callable[[Any], HotPositions]:
        return lambda raw: (start,) if to_bool(raw) else ()
