"""What a feature kind decides: the model columns one raw value makes, and how a rep reads it.

A kind never sees the specification it is part of, only the settings of one feature
(`FeatureSettings`, which `FeatureDef` satisfies), so kinds and the specification do not import
each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar, Protocol

# One raw value in a rep's words; only a date reads the moment its record describes (else None).
Describer = Callable[[Any, datetime | None], str]
# The positions set to 1.0 for one raw value, relative to the matrix's first column.
HotPositions = tuple[int, ...]


class FeatureSettings(Protocol):
    """One feature's settings, as its kind reads them (the fields of `FeatureDef`)."""

    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def bands(self) -> list[float] | None: ...
    @property
    def none_from(self) -> float | None: ...
    @property
    def missing_days(self) -> float: ...
    @property
    def max_categories(self) -> int: ...
    @property
    def categories(self) -> list[str] | None: ...


class FeatureKind:
    """One kind of raw input. Subclasses set `name` and the flags, and say how values become columns."""

    name: ClassVar[str]
    # Its columns hold the number itself (parsed, clipped, logged in one numpy block), not 1.0s.
    numeric: ClassVar[bool] = False
    # Its words depend on the moment the record describes ("12 days before").
    reads_moment: ClassVar[bool] = False
    # Few distinct values across leads (forms, countries, titles): each is worked out once.
    repeats: ClassVar[bool] = True

    def output_columns(self, feature: FeatureSettings) -> list[str]:
        return [feature.name]

    def describer(self, feature: FeatureSettings) -> Describer:
        raise NotImplementedError

    def hot_positions(self, feature: FeatureSettings, start: int) -> Callable[[Any], HotPositions]:
        """Which columns one raw value sets to 1.0, for a feature whose columns begin at `start`."""
        raise NotImplementedError(f"{self.name} features are numbers, not one-hot columns")

    def learn(self, feature: FeatureSettings, values: Sequence[Any]) -> list[str] | None:
        """Categories learned from training values, or None for a kind that learns nothing."""
        return None

    def is_fitted(self, feature: FeatureSettings) -> bool:
        return True
