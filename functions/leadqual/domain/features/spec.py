"""The one feature specification: which raw columns make the model's inputs, and how a rep reads them.

Training (leadqual_training) and serving (the scoring function) both build the model's input with
`leadqual.domain.features.matrix.FeatureMatrix` compiled from this specification, so the model can
never see features built differently from how it was trained. A raw record is a flat mapping of
column -> value: a row of a CRM export at training time, or the record that
`leadqual.domain.features.model_input.serving_record` builds from stored state at serving time.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, NamedTuple, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from leadqual.domain.features.kinds import KINDS
from leadqual.domain.features.kinds.base import Describer, FeatureKind
from leadqual.domain.features.values import is_missing, normalised, parse_time
from leadqual.domain.signals import BehaviourWindows

FeatureGroup = Literal["fit", "engagement", "intent"]


class Term(NamedTuple):
    """One additive part of the model's log-odds: a feature, or a pair of features (by index)."""

    name: str
    features: tuple[int, ...]


def _known_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown feature kind {kind!r}; the kinds are {', '.join(KINDS)}")
    return kind


# A kind's name, as the specification gives it: one of `KINDS`.
KindName = Annotated[str, AfterValidator(_known_kind), WithJsonSchema({"enum": list(KINDS)})]


class LabelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str
    positive: list[str] = Field(min_length=1, description="Values of `column` that count as converted")
    undecided: list[str] = Field(
        default=[],
        description="Values meaning the outcome is not known yet (e.g. 'open'): such rows are left out",
    )

    def is_positive(self, value: Any) -> bool:
        return normalised(value) in {normalised(p) for p in self.positive}

    def is_decided(self, value: Any) -> bool:
        return not is_missing(value) and normalised(value) not in {normalised(u) for u in self.undecided}


class FeatureDef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    column: str
    kind: KindName
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

    @property
    def behaviour(self) -> FeatureKind:
        """What this feature's kind does with its values (`leadqual.domain.features.kinds`)."""
        return KINDS[self.kind]

    def output_columns(self) -> list[str]:
        return self.behaviour.output_columns(self)

    def describe(self, raw: Any, as_of: datetime) -> str:
        """How a rep reads this input's value for one lead, e.g. 'Company size: 1,000-4,999'."""
        return self.describer()(raw, as_of)

    def describer(self) -> Describer:
        """A function from one raw value to its words; scoring builds it once per feature."""
        return self.behaviour.describer(self)


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
    # Learned in training: pairs of features the model has a joint term for, each an exact part of
    # the log-odds like a feature's own ("Company size (employees): 1,000-4,999 with Industry: Logistics").
    pairs: list[tuple[str, str]] = Field(
        default=[], description="Learned: pairs of feature names with a joint term in the model"
    )
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
        unknown = sorted({name for pair in self.pairs for name in pair} - set(names))
        if unknown:
            raise ValueError(f"pairs name features the specification does not have: {unknown}")
        if any(a == b for a, b in self.pairs) or len({frozenset(p) for p in self.pairs}) < len(self.pairs):
            raise ValueError("a pair joins two different features, and is named once")
        return self

    @property
    def is_fitted(self) -> bool:
        return all(f.behaviour.is_fitted(f) for f in self.features)

    def required_columns(self) -> list[str]:
        return sorted({f.column for f in self.features})

    def fit(self, records: Iterable[Mapping[str, Any]]) -> Self:
        """Learn the category vocabularies from training records; returns a fitted copy."""
        rows = list(records)
        fitted = []
        for feature in self.features:
            categories = feature.behaviour.learn(feature, [r.get(feature.column) for r in rows])
            if categories is not None:
                feature = feature.model_copy(update={"categories": categories})
            fitted.append(feature)
        return self.model_copy(update={"features": fitted})

    def output_columns(self) -> list[str]:
        return [column for f in self.features for column in f.output_columns()]

    def terms(self) -> list[Term]:
        """The model's additive terms, in the order of its contributions: every feature, then every
        pair of features."""
        index = {f.name: i for i, f in enumerate(self.features)}
        singles = [Term(f.name, (i,)) for i, f in enumerate(self.features)]
        return [*singles, *(Term(f"{a}:{b}", (index[a], index[b])) for a, b in self.pairs)]

    def column_owners(self) -> list[int]:
        """For each output column, the index of the feature that made it (same order as the vector)."""
        return [index for index, f in enumerate(self.features) for _ in f.output_columns()]

    def as_of(self, record: Mapping[str, Any]) -> datetime:
        """The moment a record describes: its time column, else now (a lead being scored live)."""
        moment = parse_time(record.get(self.time_column)) if self.time_column else None
        return moment or datetime.now(UTC)
