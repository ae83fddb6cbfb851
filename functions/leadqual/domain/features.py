"""The one feature specification: it turns a raw record into the model's input vector.

Training (leadqual_training) and serving (the scoring function) both call `FeatureSpec.vectorize`,
so the model can never see features built differently from how it was trained. A raw record is a
flat mapping of column -> value: a row of a CRM export at training time, or the record that
`leadqual.domain.records.serving_record` builds from stored state at serving time.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from leadqual.domain.identity import is_free_mail
from leadqual.domain.signals import BehaviourWindows
from leadqual.domain.titles import DEPARTMENTS, SENIORITIES, department_of, seniority_of

FeatureKind = Literal["numeric", "boolean", "categorical", "multi_label", "title", "email", "date"]
FeatureGroup = Literal["fit", "engagement", "intent"]
OTHER = "other"
# Appends one feature's columns, for one raw value at one moment, to a vector.
Encoder = Callable[[Any, datetime, list[float]], None]


class LabelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str
    positive: list[str] = Field(min_length=1, description="Values of `column` that count as converted")
    undecided: list[str] = Field(
        default=[],
        description="Values meaning the outcome is not known yet (e.g. 'open'): such rows are left out",
    )

    def is_positive(self, value: Any) -> bool:
        return _norm(value) in {_norm(p) for p in self.positive}

    def is_decided(self, value: Any) -> bool:
        return not _is_missing(value) and _norm(value) not in {_norm(u) for u in self.undecided}


class FeatureDef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    column: str
    kind: FeatureKind
    group: FeatureGroup
    label: str = Field(description="How a rep reads this input, e.g. 'Company size'")
    log1p: bool = Field(default=False, description="Compress a long-tailed count or amount")
    clip_max: float | None = None
    bands: list[float] | None = Field(
        default=None, description="Numeric only: band edges a rep reads, e.g. company size 1,000-4,999"
    )
    missing_days: float = Field(
        default=365.0, description="Date only: the age used when the date is empty (never happened)"
    )
    none_from: float | None = Field(
        default=None, description="Numeric only: from this value on, a rep reads 'none recorded' (a cap)"
    )
    max_categories: int = 12
    # Learned by `fit` from training data; a value not seen in training maps to 'other'.
    categories: list[str] | None = None

    def output_columns(self) -> list[str]:
        if self.kind in ("numeric", "boolean", "date"):
            return [self.name]
        if self.kind == "email":
            return [f"{self.name}:free_mail"]
        if self.kind == "title":
            return [f"{self.name}:seniority={s}" for s in SENIORITIES] + [
                f"{self.name}:department={d}" for d in DEPARTMENTS
            ]
        if self.categories is None:
            raise ValueError(f"feature {self.name!r} is not fitted: it has no categories yet")
        return [f"{self.name}={c}" for c in self.categories]

    def encode(self, raw: Any, as_of: datetime) -> list[float]:
        vector: list[float] = []
        self.encoder()(raw, as_of, vector)
        return vector

    def encoder(self) -> Encoder:
        """A function that appends this feature's columns for one raw value to a vector.

        Built once per fitted feature (FeatureSpec caches them): scoring calls it for every
        feature of every lead, so each kind's decisions are taken here, not per call.
        """
        if self.kind in ("numeric", "date"):
            clip, log, date = self.clip_max, self.log1p, self.kind == "date"

            def number(raw: Any, as_of: datetime, out: list[float]) -> None:
                value = self._days_before(raw, as_of) if date else _to_float(raw)
                if clip is not None and value > clip:
                    value = clip
                out.append(math.log1p(value if value > 0.0 else 0.0) if log else value)

            return number
        if self.kind in ("boolean", "email"):
            test = _to_bool if self.kind == "boolean" else _is_free
            return lambda raw, as_of, out: out.append(1.0 if test(raw) else 0.0)
        if self.kind == "title":
            seniority_at = {s: i for i, s in enumerate(SENIORITIES)}
            department_at = {d: len(SENIORITIES) + i for i, d in enumerate(DEPARTMENTS)}
            width = len(SENIORITIES) + len(DEPARTMENTS)

            def title(raw: Any, as_of: datetime, out: list[float]) -> None:
                text = None if _is_missing(raw) else str(raw)
                start = len(out)
                out.extend([0.0] * width)
                out[start + seniority_at[seniority_of(text)]] = 1.0
                out[start + department_at[department_of(text)]] = 1.0

            return title
        if self.categories is None:
            raise ValueError(f"feature {self.name!r} is not fitted: it has no categories yet")
        position = {c: i for i, c in enumerate(self.categories)}
        width = len(self.categories)

        def multi_label(raw: Any, as_of: datetime, out: list[float]) -> None:
            start = len(out)
            out.extend([0.0] * width)
            for label in _labels(raw):
                if label in position:
                    out[start + position[label]] = 1.0

        if self.kind == "multi_label":
            return multi_label
        if OTHER not in position:
            raise ValueError(f"categorical feature {self.name!r} needs {OTHER!r} among its categories")
        other = position[OTHER]

        def categorical(raw: Any, as_of: datetime, out: list[float]) -> None:
            start = len(out)
            out.extend([0.0] * width)
            out[start + position.get(_category(raw), other)] = 1.0

        return categorical

    def describe(self, raw: Any, as_of: datetime) -> str:
        """How a rep reads this input's value for one lead, e.g. 'Company size: 1,000-4,999'."""
        if self.kind == "numeric":
            value = _to_float(raw)
            if self.none_from is not None and value >= self.none_from:
                return f"{self.label}: none recorded"
            if self.bands and not _is_missing(raw):
                return f"{self.label}: {_band(value, self.bands)}"
            shown = f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
            return f"{self.label}: {'unknown' if _is_missing(raw) else shown}"
        if self.kind == "date":
            if _parse_time(raw) is None:
                return f"{self.label}: never"
            return f"{self.label}: {self._days_before(raw, as_of):,.0f} days before"
        if self.kind == "boolean":
            return f"{self.label}: {'yes' if _to_bool(raw) else 'no'}"
        if self.kind == "email":
            return f"{self.label}: {'free-mail address' if _is_free(raw) else 'corporate address'}"
        if self.kind == "title":
            title = None if _is_missing(raw) else str(raw)
            return f"{self.label}: {title or 'none given'} ({seniority_of(title)}, {department_of(title)})"
        if self.kind == "multi_label":
            return f"{self.label}: {', '.join(_labels(raw)) or 'none known'}"
        return f"{self.label}: {'unknown' if _is_missing(raw) else str(raw).strip()}"

    def _days_before(self, raw: Any, as_of: datetime) -> float:
        moment = _parse_time(raw)
        if moment is None:
            return self.missing_days
        return max(0.0, (as_of - moment).total_seconds() / 86400.0)


class FeatureSpec(BaseModel):
    """Which columns the model uses and how; the fitted copy ships with the model."""

    model_config = ConfigDict(extra="forbid")
    label: LabelSpec
    time_column: str | None = Field(
        default=None,
        description="When each lead arrived: orders the holdout split and dates 'days before' features",
    )
    id_column: str | None = Field(default=None, description="Carried into batch-score output")
    exclude: list[str] = Field(
        default=[],
        description="Columns filled in after first contact (they leak the outcome): never used",
    )
    features: list[FeatureDef] = Field(min_length=1)
    behaviour: BehaviourWindows = Field(
        default_factory=BehaviourWindows, description="How serving summarises behaviour and intent"
    )
    _compiled: list[tuple[str, Encoder]] = PrivateAttr(default_factory=list)
    _compiled_for: list[FeatureDef] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _consistent(self) -> FeatureSpec:
        names = [f.name for f in self.features]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"feature names must be unique, repeated: {duplicates}")
        leaking = sorted({f.column for f in self.features} & set(self.exclude))
        if leaking:
            raise ValueError(f"columns are both used and excluded: {leaking}")
        if self.label.column in {f.column for f in self.features}:
            raise ValueError(f"the label column {self.label.column!r} cannot also be a feature")
        return self

    @property
    def is_fitted(self) -> bool:
        return all(
            f.categories is not None for f in self.features if f.kind in ("categorical", "multi_label")
        )

    def required_columns(self) -> list[str]:
        return sorted({f.column for f in self.features})

    def fit(self, records: Iterable[Mapping[str, Any]]) -> FeatureSpec:
        """Learn the category vocabularies from training records; returns a fitted copy."""
        rows = list(records)
        fitted = []
        for feature in self.features:
            if feature.kind == "categorical":
                counts = Counter(_category(r.get(feature.column)) for r in rows)
                counts.pop(OTHER, None)
                top = sorted(c for c, _ in counts.most_common(feature.max_categories))
                feature = feature.model_copy(update={"categories": [*top, OTHER]})
            elif feature.kind == "multi_label":
                counts = Counter(label for r in rows for label in _labels(r.get(feature.column)))
                top = sorted(c for c, _ in counts.most_common(feature.max_categories))
                feature = feature.model_copy(update={"categories": top})
            fitted.append(feature)
        return self.model_copy(update={"features": fitted})

    def output_columns(self) -> list[str]:
        return [column for f in self.features for column in f.output_columns()]

    def column_owners(self) -> list[int]:
        """For each output column, the index of the feature that made it (same order as the vector)."""
        return [index for index, f in enumerate(self.features) for _ in f.output_columns()]

    def as_of(self, record: Mapping[str, Any]) -> datetime:
        """The moment a record describes: its time column, else now (a lead being scored live)."""
        moment = _parse_time(record.get(self.time_column)) if self.time_column else None
        return moment or datetime.now(UTC)

    def vectorize(self, record: Mapping[str, Any]) -> list[float]:
        moment = self.as_of(record)
        vector: list[float] = []
        for column, encode in self._encoders():
            encode(record.get(column), moment, vector)
        return vector

    def _encoders(self) -> list[tuple[str, Encoder]]:
        # Rebuilt whenever `features` is another list (fit and model_copy make new ones).
        if self._compiled_for is not self.features:
            self._compiled = [(f.column, f.encoder()) for f in self.features]
            self._compiled_for = self.features
        return self._compiled


def _is_missing(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return isinstance(raw, float) and math.isnan(raw)


def _to_float(raw: Any) -> float:
    if type(raw) is float or type(raw) is int:  # the common case, on the scoring hot path
        return float(raw) if raw == raw else 0.0
    if _is_missing(raw):
        return 0.0
    if isinstance(raw, bool):
        return float(raw)
    try:
        return float(str(raw).replace(",", "")) if isinstance(raw, str) else float(raw)
    except ValueError:
        return 0.0


def _to_bool(raw: Any) -> bool:
    if _is_missing(raw):
        return False
    if isinstance(raw, str):
        return raw.strip().lower() in {"1", "true", "yes", "y", "t"}
    return bool(raw)


def _norm(value: Any) -> str:
    return str(value).strip().lower()


def _parse_time(raw: Any) -> datetime | None:
    """ISO dates and datetimes; naive ones are taken as UTC. Anything else counts as missing."""
    if isinstance(raw, datetime):
        moment = raw
    elif _is_missing(raw):
        return None
    else:
        try:
            moment = datetime.fromisoformat(str(raw).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _band(value: float, edges: list[float]) -> str:
    lower = None
    for edge in edges:
        if value < edge:
            return f"under {edge:,.0f}" if lower is None else f"{lower:,.0f}-{edge - 1:,.0f}"
        lower = edge
    return f"{lower:,.0f}+"


def _is_free(raw: Any) -> bool:
    return bool(raw) and is_free_mail(str(raw))


def _category(raw: Any) -> str:
    return OTHER if _is_missing(raw) else str(raw).strip().lower()


def _labels(raw: Any) -> list[str]:
    if _is_missing(raw):
        return []
    if isinstance(raw, list | tuple | set):
        return [str(v).strip().lower() for v in raw if str(v).strip()]
    return [part.strip().lower() for part in str(raw).replace(",", ";").split(";") if part.strip()]
