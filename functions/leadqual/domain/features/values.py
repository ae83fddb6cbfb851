"""Raw values as exports and stored leads give them, read leniently: gaps, text numbers, dates, labels.

Every feature kind reads its column through these, in training and serving alike.
"""

import bisect
import itertools
import math
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import Any, TypeVar

from leadqual.domain.identity import is_free_mail

OTHER = "other"
T = TypeVar("T")
# Distinct raw values remembered per feature: industries, countries, titles and forms repeat a lot.
MEMO_LIMIT = 10_000


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


def to_number(raw: Any) -> float:
    """A number as the model reads it: a gap, or text that is no number, stays missing (NaN)."""
    if is_missing(raw):
        return math.nan
    if isinstance(raw, str):
        try:
            return float(raw.replace(",", ""))
        except ValueError:
            return math.nan
    return to_float(raw)


def to_bool(raw: Any) -> bool:
    if is_missing(raw):
        return False
    if isinstance(raw, str):
        return raw.strip().lower() in {"1", "true", "yes", "y", "t"}
    return bool(raw)


def normalised(value: Any) -> str:
    return str(value).strip().lower()


def parse_time(raw: Any) -> datetime | None:
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
    moment = parse_time(raw)
    if moment is None:
        return missing_days
    return max(0.0, (as_of - moment).total_seconds() / 86400.0)


def banded_words(label: str, edges: list[float]) -> Callable[[float], str]:
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
