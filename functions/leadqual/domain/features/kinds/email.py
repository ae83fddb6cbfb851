"""An e-mail address, read only as free-mail or corporate (never the address itself)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from leadqual.domain.features.kinds.base import Describer, FeatureKind, FeatureSettings, HotPositions
from leadqual.domain.features.values import is_free_mail_value


class Email(FeatureKind):
    name = "email"
    repeats = False  # an address hardly ever comes twice

    def output_columns(self, feature: FeatureSettings) -> list[str]:
        return [f"{feature.name}:free_mail"]

    def describer(self, feature: FeatureSettings) -> Describer:
        label = feature.label
        return lambda raw, as_of: (
            f"{label}: {'free-mail address' if is_free_mail_value(raw) else 'corporate address'}"
        )

    def hot_positions(self, feature: FeatureSettings, start: int) -> Callable[[Any], HotPositions]:
        return lambda raw: (start,) if is_free_mail_value(raw) else ()
