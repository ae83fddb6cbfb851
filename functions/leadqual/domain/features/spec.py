"""The one feature specification: which raw columns make the model's inputs, and how a rep reads them.

Training (leadqual_training) and serving (the scoring function) both build the model's input with
`leadqual.domain.features.matrix.FeatureMatrix` compiled from this specification, so the model can
never see features built differently from how it was trained. A raw record is a flat mapping of
column -> value: a row of a CRM export at training time, or the record that
`leadqual.domain.features.model_input.serving_record` builds from stored state at serving time.
"""

import bisect
import itertools
import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from leadqual.domain.identity import is_free_mail
from leadqual.domain.signals import BehaviourWindows
from leadqual.domain.titles import DEPARTMENTS, SENIORITIES, department_of, seniority_of

FeatureKind = Literal["numeric", "boolean", "categorical", "multi_label", "title", "email", "date"]
FeatureGroup = Literal["fit", "engagement", "intent"]
OTHER = "other"
T = TypeVar("T")
# Distinct raw values remembered per feature: industries, countries, titles and forms repeat a lot.
MEMO_LIMIT = 10_000
# One raw value in a rep's words; only a date reads the moment its record describes (else None).
Describer = Callable[[Any, datetime | None], str]


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
        return not is_missing(value) and _norm(value) not in {_norm(u) for u in self.undecided}


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

    def describe(self, raw: Any, as_of: datetime) -> str:
        """How a rep reads this input's value for one lead, e.g. 'Company size: 1,000-4,999'."""
        return self.describer()(raw, as_of)

    def describer(self) -> Describer:
        """A function from one raw value to its words; scoring builds it once per feature."""
        label = self.label
        if self.kind == "numeric":
            none_from = self.none_from
            banded = _banded_words(label, self.bands) if self.bands else None

            def number(raw: Any, as_of: datetime | None) -> str:
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
                return (
                    f"{label}: {value:,.0f}"
                    if value >= 10 or value == int(value)
                    else f"{label}: {value:.1f}"
                )

            return number
        if self.kind == "date":
            missing_days = self.missing_days

            def date(raw: Any, as_of: datetime | None) -> str:
                if _parse_time(raw) is None:
                    return f"{label}: never"
                if as_of is None:
                    raise ValueError(f"{label}: a date is described at its record's moment, none was given")
                return f"{label}: {days_before(raw, as_of, missing_days):,.0f} days before"

            return date
        if self.kind == "boolean":
            return lambda raw, as_of: f"{label}: {'yes' if to_bool(raw) else 'no'}"
        if self.kind == "email":
            return lambda raw, as_of: (
                f"{label}: {'free-mail address' if is_free_mail_value(raw) else 'corporate address'}"
            )
        if self.kind == "title":

            def title(raw: Any, as_of: datetime | None) -> str:
                text = None if is_missing(raw) else str(raw)
                return f"{label}: {text or 'none given'} ({seniority_of(text)}, {department_of(text)})"

            return title
        if self.kind == "multi_label":
            return lambda raw, as_of: f"{label}: {', '.join(labels_of(raw)) or 'none known'}"
        return lambda raw, as_of: f"{label}: {'unknown' if is_missing(raw) else str(raw).strip()}"


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

    @model_validator(mode="after")
    def _consistent(self) -> Self:
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

    def fit(self, records: Iterable[Mapping[str, Any]]) -> Self:
        """Learn the category vocabularies from training records; returns a fitted copy."""
        rows = list(records)
        fitted = []
        for feature in self.features:
            if feature.kind == "categorical":
                counts = Counter(category_of(r.get(feature.column)) for r in rows)
                counts.pop(OTHER, None)
                top = sorted(c for c, _ in counts.most_common(feature.max_categories))
                feature = feature.model_copy(update={"categories": [*top, OTHER]})
            elif feature.kind == "multi_label":
                counts = Counter(label for r in rows for label in labels_of(r.get(feature.column)))
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


def is_missing(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return isinstance(raw, float) and math.isnan(raw)


def to_float(raw: Any) -> float:
    if type(raw) is float or type(raw) is int:  # the common case, on the scoring hot path
        return float(raw) if raw == raw else 0.0
    if is_missing(raw):
        return 0.0
    if isinstance(raw, bool):
        return float(raw)
    try:
        return float(str(raw).replace(",", "")) if isinstance(raw, str) else float(raw)
    except ValueError:
        return 0.0


def to_bool(raw: Any) -> bool:
    if is_missing(raw):
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
    elif is_missing(raw):
        return None
    else:
        try:
            moment = datetime.fromisoformat(str(raw).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def days_before(raw: Any, as_of: datetime, missing_days: float) -> float:
    """Age in days of a date value at `as_of`; `missing_days` when there is no date (never happened)."""
    moment = _parse_time(raw)
    if moment is None:
        return missing_days
    return max(0.0, (as_of - moment).total_seconds() / 86400.0)


def _banded_words(label: str, edges: list[float]) -> Callable[[float], str]:
    """Value -> '<label>: <its band>' ('under 10', '1,000-4,999', '20,000+'), each text made once."""
    bands = [f"under {edges[0]:,.0f}"]
    bands += [f"{lower:,.0f}-{upper - 1:,.0f}" for lower, upper in itertools.pairwise(edges)]
    bands.append(f"{edges[-1]:,.0f}+")
    words = [f"{label}: {band}" for band in bands]
    return lambda value: words[bisect.bisect_right(edges, value)]


def is_free_mail_value(raw: Any) -> bool:
    return bool(raw) and is_free_mail(str(raw))


def category_of(raw: Any) -> str:
    return OTHER if is_missing(raw) else str(raw).strip().lower()


def labels_of(raw: Any) -> list[str]:
    if is_missing(raw):
        return []
    if isinstance(raw, list | tuple | set):
        return [str(v).strip().lower() for v in raw if str(v).strip()]
    return [part.strip().lower() for part in str(raw).replace(",", ";").split(";") if part.strip()]


def memoised(function: Callable[[Any], T]) -> Callable[[Any], T]:
    """`function` of one raw value, worked out once per distinct value (up to MEMO_LIMIT of them).

    Unhashable values (a list of labels) are worked out every time.
    """
    memo: dict[Hashable, T] = {}

    def cached(raw: Any) -> T:
        try:
            return memo[raw]
        except KeyError:
            found = function(raw)
            if len(memo) < MEMO_LIMIT:
                memo[raw] = found
            return found
        except TypeError:
            return function(raw)

    return cached
