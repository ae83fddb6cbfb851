"""Fields and bases every schema shares: times, e-mail and domain fields; the company and UTM parts."""

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    WithJsonSchema,
)

from leadqual.domain.identity import (
    DOMAIN_MAX_LENGTH,
    DOMAIN_PATTERN,
    EMAIL_MAX_LENGTH,
    EMAIL_PATTERN,
    normalize_domain,
    normalize_email,
)

MAX_BACKFILL = timedelta(days=3 * 365)
MAX_CLOCK_SKEW = timedelta(minutes=5)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _within_accepted_window(value: datetime) -> datetime:
    now = utc_now()
    if value > now + MAX_CLOCK_SKEW:
        raise ValueError("is in the future (more than 5 minutes of clock skew)")
    if value < now - MAX_BACKFILL:
        raise ValueError("is more than 3 years in the past")
    return value.astimezone(UTC)


_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _iso_8601_text(value: Any) -> Any:
    # Pydantic would also read a number (or a numeric string, as every query value is) as Unix
    # time; the contract says ISO 8601 text, so that is all that is read.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or _NUMBER.fullmatch(value.strip()):
        raise ValueError("must be ISO 8601 text with a time zone, e.g. 2026-12-01T09:30:00Z")
    return value


# A time as ISO 8601 text with a zone.
IsoTime = Annotated[AwareDatetime, BeforeValidator(_iso_8601_text)]
# A caller-given time: ISO 8601 with a zone, at most 3 years back, not in the future.
CallerTimestamp = Annotated[IsoTime, AfterValidator(_within_accepted_window)]
EmailAddress = Annotated[
    str,
    AfterValidator(normalize_email),
    WithJsonSchema({"type": "string", "pattern": EMAIL_PATTERN, "maxLength": EMAIL_MAX_LENGTH}),
]
Domain = Annotated[
    str,
    AfterValidator(normalize_domain),
    WithJsonSchema({"type": "string", "pattern": DOMAIN_PATTERN, "maxLength": DOMAIN_MAX_LENGTH}),
]
ShortText = Annotated[str, Field(max_length=500)]


class StrictModel(BaseModel):
    """What callers send, accepted exactly as the OpenAPI document describes it (so no silent
    trimming, and numbers and booleans are JSON's own: "5" is not 5, nor 0 false). Validators are built on first use, not at import: most functions never see a
    request body, and building these schemas up front cost ~20-40 ms of every cold start."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class BuiltOnFirstUse(BaseModel):
    """Records only some functions handle (decisions, reviews): their validators are built when first
    used, so the scoring function, which never sees one, does not build them on every cold start."""

    model_config = ConfigDict(defer_build=True)


# What a caller says about the company and the campaign; the lead keeps them as sent.
class Company(StrictModel):
    name: ShortText | None = None
    domain: Domain | None = None
    employees: Annotated[int, Strict(), Field(ge=0, le=10_000_000)] | None = None
    annual_revenue: Annotated[float, Strict(), Field(ge=0, le=1e13)] | None = None
    industry: ShortText | None = None
    country: Annotated[str, Field(min_length=2, max_length=2)] | None = None


class Utm(StrictModel):
    source: ShortText | None = None
    medium: ShortText | None = None
    campaign: ShortText | None = None
    term: ShortText | None = None
    content: ShortText | None = None
