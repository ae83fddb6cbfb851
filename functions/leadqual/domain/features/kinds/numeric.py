"""A number (employees, revenue, page views): clipped and optionally logged; read in bands."""

from __future__ import annotations

from typing import Any

from leadqual.domain.features.kinds.base import Describer, FeatureKind, FeatureSettings
from leadqual.domain.features.values import banded_words, is_missing, to_float


class Numeric(FeatureKind):
    name = "numeric"
    numeric = True
    repeats = False

    def describer(self, feature: FeatureSettings) -> Describer:
        label, none_from = feature.label, feature.none_from
        banded = banded_words(label, feature.bands) if feature.bands else None

        def number(raw: Any, as_of: object) -> str:
            if type(raw) is float or type(raw) is int:  # a stored number: the hot path
                missing = raw != raw
                value = 0.0 if missing else float(raw)
            else:
                missing, value = is_missing(raw), to_float(raw)
            if none_from is not None and value >= none_from:
                return f"{label}: none recorded"
            if missing:
                return f"{label}: unknown"
            if banded is not None:
                return banded(value)
            return f"{label}: {value:,.0f}" if value >= 10 or value == int(value) else f"{label}: {value:.1f}"

        return number
