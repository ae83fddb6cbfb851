"""Fair distribution: which rep of a pool takes a lead, and why each other rep did not.

Pure: the distribution service reads the roster, the reps' loads and the pool's ledger, asks
`rank` for the candidate table and claims the reps in its order (domain/ports.py `Roster`).

A rep's **shortfall** is what the pool owes them this cycle, in leads:

    shortfall = (1 - lambda) * (share * N - n) + lambda * (share * V - v) / (V / N)

with `share` their weight over the pool's active reps' weights, `n` and `v` their leads and
expected value (the sum of calibrated probabilities) as the ledger holds them, and `N` and `V` the
pool's. The eligible rep with the largest shortfall takes the lead; ties go to the higher weight,
then to whoever has waited longest, then to a stable hash of lead and rep. At lambda = 0 this is
count fairness (cal.com's and Chili Piper's); above 0, reps get equal pipeline, not only equal
numbers.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from leadqual.domain.policy import Cycle, Distribution, Newcomer, Returning
from leadqual.domain.schemas.roster import WEEKDAYS, Candidate, Exclusion, RepProfile, Role, WorkingHours

TIE = 1e-9


@dataclass(frozen=True)
class RepLoad:
    """What a rep holds: open leads, and leads taken today and this week in their own time zone."""

    open: int = 0
    today: int = 0
    this_week: int = 0
    last_assigned_at: datetime | None = None


@dataclass(frozen=True)
class LedgerEntry:
    """A rep's line in a pool's ledger for one cycle.

    `leads` and `value` are what they were given, less credits. `adjust_*` is calibration: where a
    newcomer starts, and what a rep back from time off is not owed. `owed_*` is catch-up released
    `extra_per_day` at a time from `returned_at` (Returning.LIMITED). `away_since` is set while the
    rep is away or inactive, so their return is seen once.
    """

    leads: float = 0.0
    value: float = 0.0
    adjust_leads: float = 0.0
    adjust_value: float = 0.0
    owed_leads: float = 0.0
    owed_value: float = 0.0
    returned_at: datetime | None = None
    away_since: datetime | None = None
    revision: int = 0  # of the calibration: a save that read an older one is dropped

    def released(self, settings: Distribution, now: datetime) -> float:
        """The share of what is owed that counts by now (1 when nothing is owed)."""
        if self.owed_leads <= 0 or self.returned_at is None:
            return 1.0
        days = max(0, (now - self.returned_at).days) + 1
        return min(1.0, settings.extra_per_day * days / self.owed_leads)

    def effective(self, settings: Distribution, now: datetime) -> tuple[float, float]:
        """(leads, value) as fairness counts them: given, calibrated, less what is still held back."""
        held_back = 1.0 - self.released(settings, now)
        return (
            self.leads + self.adjust_leads + self.owed_leads * held_back,
            self.value + self.adjust_value + self.owed_value * held_back,
        )


@dataclass(frozen=True)
class Ranking:
    """The candidate table, best first (eligible reps, then the excluded), and the ledger lines
    that changed by looking (newcomers calibrated, reps gone away or back), to be saved."""

    candidates: list[Candidate]
    ledger_changes: dict[str, tuple[LedgerEntry | None, LedgerEntry]]  # rep -> (as read, as it is now)
    within_hours: bool  # False: nobody was working, the reps who start soonest were eligible

    @property
    def eligible(self) -> list[Candidate]:
        return [c for c in self.candidates if c.excluded is None]


# --- time -------------------------------------------------------------------------------------


def cycle_key(cycle: Cycle, now: datetime) -> str:
    at = now.astimezone(UTC)
    if cycle is Cycle.WEEK:
        year, week, _ = at.isocalendar()
        return f"{year}-W{week:02d}"
    if cycle is Cycle.QUARTER:
        return f"{at.year}-Q{(at.month - 1) // 3 + 1}"
    return f"{at.year}-{at.month:02d}"


def count_keys(profile: RepProfile, now: datetime) -> tuple[str, str]:
    """The rep's own day and ISO week (their time zone), which their daily and weekly caps count in."""
    local = now.astimezone(profile.hours.zone) if profile.hours else now.astimezone(UTC)
    year, week, _ = local.isocalendar()
    return local.date().isoformat(), f"{year}-W{week:02d}"


def _shift_on(hours: WorkingHours, day: date) -> tuple[datetime, datetime] | None:
    if WEEKDAYS[day.weekday()] not in hours.days:
        return None
    start = datetime.combine(day, hours.starts, hours.zone)
    end = datetime.combine(day, hours.ends, hours.zone)
    if end <= start:  # a night shift ends the next day
        end += timedelta(days=1)
    return start, end


def is_working(hours: WorkingHours | None, at: datetime) -> bool:
    if hours is None:
        return True
    local = at.astimezone(hours.zone).date()
    for day in (local - timedelta(days=1), local):  # yesterday's night shift may still run
        shift = _shift_on(hours, day)
        if shift and shift[0] <= at < shift[1]:
            return True
    return False


def next_start(hours: WorkingHours | None, at: datetime) -> datetime:
    """When the rep is next at work (`at` itself if they are)."""
    if hours is None or is_working(hours, at):
        return at
    local = at.astimezone(hours.zone).date()
    for offset in range(8):
        shift = _shift_on(hours, local + timedelta(days=offset))
        if shift and shift[0] > at:
            return shift[0]
    raise AssertionError("a week of working hours holds at least one shift")  # days has min_length 1


def away_now(profile: RepProfile, at: datetime) -> datetime | None:
    """The end of the time off the rep is in at `at`, if any."""
    ends = [a.end for a in profile.away if a.start <= at < a.end]
    return max(ends) if ends else None


# --- eligibility --------------------------------------------------------------------------------


def exclusion(profile: RepProfile, load: RepLoad, at: datetime) -> tuple[Exclusion, str] | None:
    """Why the rep cannot take a lead at `at` whatever the hour, with the words for the table."""
    if not profile.active:
        return Exclusion.INACTIVE, "inactive (archived in the CRM, or by RevOps)"
    back = away_now(profile, at)
    if back is not None:
        return Exclusion.AWAY, f"out of office until {_local(back, profile)}"
    caps = profile.caps
    if caps.open is not None and load.open >= caps.open:
        return Exclusion.OPEN_CAP, f"{load.open} open of {caps.open}"
    if caps.daily is not None and load.today >= caps.daily:
        return Exclusion.DAILY_CAP, f"{load.today} today of {caps.daily}"
    if caps.weekly is not None and load.this_week >= caps.weekly:
        return Exclusion.WEEKLY_CAP, f"{load.this_week} this week of {caps.weekly}"
    return None


def _local(at: datetime, profile: RepProfile) -> str:
    zone = profile.hours.zone if profile.hours else UTC
    return at.astimezone(zone).strftime("%a %d %b %H:%M ") + (
        profile.hours.timezone if profile.hours else "UTC"
    )


# --- the ranking --------------------------------------------------------------------------------


def rank(
    lead_id: str,
    pool: str,
    reps: Sequence[RepProfile],
    loads: Mapping[str, RepLoad],
    ledger: Mapping[str, LedgerEntry],
    settings: Distribution,
    now: datetime,
    passed_over: Collection[str] = (),
) -> Ranking:
    """The pool's reps for this lead, best first, each with why they were or were not chosen;
    `passed_over`: reps who had the lead and let it go cold (an SLA's reassignment)."""
    members = sorted((r for r in reps if pool in r.pools and r.role is Role.REP), key=lambda r: r.rep)
    loads = {r.rep: loads.get(r.rep, RepLoad()) for r in members}
    excluded = {r.rep: exclusion(r, loads[r.rep], now) for r in members}
    for name in passed_over:
        if name in excluded and excluded[name] is None:
            excluded[name] = (Exclusion.PASSED_OVER, "had it and did not acknowledge in time")
    # Fairness is among the reps who could take leads this cycle: the active and present.
    present = [r for r in members if (found := excluded[r.rep]) is None or found[0] not in _ABSENT]
    lines, changes = _calibrated(present, members, excluded, ledger, settings, now)

    within_hours = True
    hours_exclusion: dict[str, tuple[Exclusion, str]] = {}
    open_reps = [r for r in members if excluded[r.rep] is None]
    working = [r for r in open_reps if is_working(r.hours, now)]
    if not working:
        within_hours = False
        horizon = now + timedelta(hours=settings.available_within_hours)
        working = [r for r in open_reps if next_start(r.hours, now) <= horizon]
    for rep in open_reps:
        if rep not in working:
            start = next_start(rep.hours, now)
            hours_exclusion[rep.rep] = (Exclusion.OFF_HOURS, f"off hours, starts {_local(start, rep)}")

    shortfalls = _shortfalls(present, lines, settings, now)
    candidates: list[Candidate] = []
    for rep in members:
        leads, value = lines[rep.rep].effective(settings, now) if rep.rep in lines else (0.0, 0.0)
        why = excluded[rep.rep] or hours_exclusion.get(rep.rep)
        detail = why[1] if why else ""
        if why is None and not is_working(rep.hours, now):
            detail = f"nobody at work: starts {_local(next_start(rep.hours, now), rep)}"
        candidates.append(
            Candidate(
                rep=rep.rep,
                weight=rep.weight,
                leads=round(leads, 4),
                value=round(value, 4),
                shortfall=None if why else round(shortfalls.get(rep.rep, 0.0), 4),
                excluded=why[0] if why else None,
                detail=detail,
            )
        )
    by_rep = {r.rep: r for r in members}

    def preference(candidate: Candidate) -> tuple[float, float, float, str]:
        waited = loads[candidate.rep].last_assigned_at
        return (
            -round((candidate.shortfall or 0.0) / TIE) * TIE,
            -by_rep[candidate.rep].weight,
            waited.timestamp() if waited else -math.inf,
            hashlib.sha256(f"{lead_id}:{candidate.rep}".encode()).hexdigest(),
        )

    eligible = sorted((c for c in candidates if c.excluded is None), key=preference)
    others = [c for c in candidates if c.excluded is not None]
    return Ranking([*eligible, *others], changes, within_hours)


_ABSENT = (Exclusion.INACTIVE, Exclusion.AWAY)


def _shortfalls(
    present: Sequence[RepProfile], lines: Mapping[str, LedgerEntry], settings: Distribution, now: datetime
) -> dict[str, float]:
    counted = {r.rep: lines[r.rep].effective(settings, now) for r in present}
    total_weight = sum(r.weight for r in present)
    total_leads = sum(leads for leads, _ in counted.values())
    total_value = sum(value for _, value in counted.values())
    per_lead = total_value / total_leads if total_leads > 0 and total_value > 0 else 1.0
    blend = settings.value_weight
    shortfalls = {}
    for rep in present:
        share = rep.weight / total_weight
        leads, value = counted[rep.rep]
        by_count = share * total_leads - leads
        by_value = (share * total_value - value) / per_lead
        shortfalls[rep.rep] = (1 - blend) * by_count + blend * by_value
    return shortfalls


def _calibrated(
    present: Sequence[RepProfile],
    members: Sequence[RepProfile],
    excluded: Mapping[str, tuple[Exclusion, str] | None],
    ledger: Mapping[str, LedgerEntry],
    settings: Distribution,
    now: datetime,
) -> tuple[dict[str, LedgerEntry], dict[str, tuple[LedgerEntry | None, LedgerEntry]]]:
    """The ledger with newcomers placed, reps gone away marked, and reps back from time off settled."""
    lines = dict(ledger)
    changes: dict[str, tuple[LedgerEntry | None, LedgerEntry]] = {}

    def change(rep: str, entry: LedgerEntry) -> None:
        changes[rep] = (changes[rep][0] if rep in changes else ledger.get(rep), entry)
        lines[rep] = entry

    for rep in members:
        line = lines.get(rep.rep)
        gone = excluded[rep.rep] is not None and excluded[rep.rep][0] in _ABSENT  # type: ignore[index]
        if gone and (line is None or line.away_since is None):
            # Noted once, so their return is settled by the returning rule, not as a newcomer's.
            change(rep.rep, replace(line or LedgerEntry(), away_since=now))
    known = [r for r in present if r.rep in lines]
    for rep in present:
        line = lines.get(rep.rep)
        if line is None:
            change(rep.rep, _newcomer(rep, known, lines, settings, now))
        elif line.away_since is not None:
            change(rep.rep, _returned(rep, line, present, lines, settings, now))
    return lines, changes


def _newcomer(
    rep: RepProfile,
    known: Sequence[RepProfile],
    lines: Mapping[str, LedgerEntry],
    settings: Distribution,
    now: datetime,
) -> LedgerEntry:
    counted = [(r.weight, *lines[r.rep].effective(settings, now)) for r in known]
    if settings.newcomer is Newcomer.ZERO or not counted or sum(c[1] for c in counted) <= 0:
        return LedgerEntry()
    if settings.newcomer is Newcomer.MAX:
        per_weight_leads = max(leads / weight for weight, leads, _ in counted)
        per_weight_value = max(value / weight for weight, _, value in counted)
    else:  # level with the pool: the share the others' average per weight would give them
        weights = sum(weight for weight, _, _ in counted)
        per_weight_leads = sum(leads for _, leads, _ in counted) / weights
        per_weight_value = sum(value for _, _, value in counted) / weights
    return LedgerEntry(adjust_leads=per_weight_leads * rep.weight, adjust_value=per_weight_value * rep.weight)


def _returned(
    rep: RepProfile,
    line: LedgerEntry,
    present: Sequence[RepProfile],
    lines: Mapping[str, LedgerEntry],
    settings: Distribution,
    now: datetime,
) -> LedgerEntry:
    """Back from time off: what they missed is forgiven, owed in full, or owed a few a day."""
    back = replace(line, away_since=None)
    if settings.returning is Returning.FULL:
        return back
    # What they are behind, by count and by value: the x that levels them, s(N + x) = n + x (the
    # pool's total grows with what they are given). Only a shortfall is settled, never a surplus.
    counted = {r.rep: lines[r.rep].effective(settings, now) for r in present}
    share = rep.weight / sum(r.weight for r in present)
    if share >= 1:
        return back  # alone in the pool: nobody to be level with
    total_leads, total_value = (sum(c[i] for c in counted.values()) for i in (0, 1))
    behind_leads = max(0.0, (share * total_leads - counted[rep.rep][0]) / (1 - share))
    behind_value = max(0.0, (share * total_value - counted[rep.rep][1]) / (1 - share))
    if settings.returning is Returning.NONE or settings.extra_per_day == 0:
        return replace(
            back, adjust_leads=back.adjust_leads + behind_leads, adjust_value=back.adjust_value + behind_value
        )
    # Settle what was owed before (already released or not) and hold back what is behind now.
    released = line.released(settings, now)
    return replace(
        back,
        adjust_leads=back.adjust_leads + line.owed_leads * (1 - released),
        adjust_value=back.adjust_value + line.owed_value * (1 - released),
        owed_leads=behind_leads,
        owed_value=behind_value,
        returned_at=now,
    )


# --- claims -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One rep taking one lead: counted against their caps and in the pool's ledger, in one write.

    `attempt` is 0 for the route and n for the n-th reassignment (an SLA's), so each is claimed once
    however often it is retried.
    """

    lead_id: str
    attempt: int
    rep: RepProfile
    pool: str
    cycle: str
    value: float
    at: datetime

    @property
    def counted_in(self) -> tuple[str, str]:
        return count_keys(self.rep, self.at)


@dataclass(frozen=True)
class Assignment:
    """A lead's claim as stored: whom it went to, in which pool and cycle, and what has moved it."""

    lead_id: str
    attempt: int
    rep: str
    pool: str
    cycle: str
    value: float
    assigned_at: datetime
    released: bool = False
    credits: tuple[str, ...] = ()


class ClaimRefused(Exception):
    """The rep reached a cap (or was made inactive) between the ranking and the claim."""
