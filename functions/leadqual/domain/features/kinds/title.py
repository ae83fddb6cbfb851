"""A job title, read as a rep reads it: seniority and department (`leadqual.domain.titles`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from leadqual.domain.features.kinds.base import Describer, FeatureKind, FeatureSettings, HotPositions
from leadqual.domain.features.values import is_missing
from leadqual.domain.titles import DEPARTMENTS, SENIORITIES, department_of, seniority_of


class Title(FeatureKind):
    name = "title"

    def output_columns(self, feature: FeatureSettings) -> list[str]:
        return [f"{feature.name}:seniority={s}" for s in SENIORITIES] + [
            f"{feature.name}:department={d}" for d in DEPARTMENTS
        ]

    def describer(self, feature: FeatureSettings) -> Describer:
        label = feature.label

        def title(raw: Any, as_of: datetime | None) -> str:
            text = None if is_missing(raw) else str(raw)
            return f"{label}: {text or 'none given'} ({seniority_of(text)}, {department_of(text)})"

        return title

    def hot_positions(self, feature: FeatureSettings, start: int) -> Callable[[Any], HotPositions]:
        seniority_at = {s: start + i for i, s in enumerate(SENIORITIES)}
        department_at = {d: start + len(SENIORITIES) + i for i, d in enumerate(DEPARTMENTS)}

        def title(raw: Any) -> HotPositions:
            text = None if is_missing(raw) else str(raw)
            return seniority_at[seniority_of(text)], department_at[department_of(text)]

        return title
