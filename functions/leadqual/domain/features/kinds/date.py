"""A date (last activity, last meeting): its age in days at the moment the record describes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leadqual.domain.features.kinds.base import Describer, FeatureKind, FeatureSettings
from leadqual.domain.features.values import days_before, parse_time


class Date(FeatureKind):
    name = "date"
    numeric = True
    reads_moment = True
    repeats = False

    def describer(self, feature: FeatureSettings) -> Describer:
        label, missing_days = feature.label, feature.missing_days

        def date(raw: Any, as_of: datetime | None) -> str:
            if parse_time(raw) is None:
                return f"{label}: never"
            if as_of is None:
                raise ValueError(f"{label}: a date is described at its record's moment, none was given")
            return f"{label}: {days_before(raw, as_of, missing_days):,.0f} days before"

        return date
