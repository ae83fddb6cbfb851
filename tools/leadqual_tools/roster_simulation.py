"""`leadqual roster simulate`: replays a lead export through the distribution leadqual runs, before it
goes live, and prints each rep's share against its target.

The replay uses the production service (services/distribution.py) and ranking over an in-memory
roster that keeps the DynamoDB adapter's promises (caps, one claim per lead and attempt, credits
once), so what it prints is what the pools would have done. The same roster is the service tests'
whole fake of the `Roster` port.
"""

from __future__ import annotations

import csv
import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from leadqual.domain.distribution import Assignment, Claim, ClaimRefused, LedgerEntry, RepLoad, count_keys
from leadqual.domain.policy import Policy
from leadqual.domain.ports import ConflictError, Roster
from leadqual.domain.schemas.roster import Away, CreditReason, RepProfile
from leadqual.services.distribution import DistributionService


@dataclass
class MemoryRoster(Roster):
    """The roster in memory, as DynamoRoster keeps it."""

    stored: dict[str, RepProfile] = field(default_factory=dict)
    open: Counter[str] = field(default_factory=Counter)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (rep, DAY#.. / WEEK#..)
    last_assigned: dict[str, datetime] = field(default_factory=dict)
    lines: dict[tuple[str, str], dict[str, LedgerEntry]] = field(default_factory=lambda: defaultdict(dict))
    claims: dict[tuple[str, int], Assignment] = field(default_factory=dict)

    def profiles(self) -> list[RepProfile]:
        return list(self.stored.values())

    def seed(self, profiles: Sequence[RepProfile]) -> int:
        added = [p for p in profiles if p.rep not in self.stored]
        for profile in added:
            self.stored[profile.rep] = profile.model_copy(update={"version": 1})
        return len(added)

    def save_profile(self, profile: RepProfile) -> RepProfile:
        current = self.stored.get(profile.rep)
        if current is None or current.version != profile.version:
            raise ConflictError(f"rep {profile.rep} was changed since it was read")
        self.stored[profile.rep] = profile.model_copy(update={"version": profile.version + 1})
        return self.stored[profile.rep]

    def set_active(self, rep: str, active: bool) -> None:
        if rep in self.stored:
            self.stored[rep] = self.stored[rep].model_copy(update={"active": active})

    def loads(self, reps: Sequence[RepProfile], at: datetime) -> dict[str, RepLoad]:
        found = {}
        for profile in reps:
            day, week = count_keys(profile, at)
            found[profile.rep] = RepLoad(
                open=self.open[profile.rep],
                today=self.counts[(profile.rep, f"DAY#{day}")],
                this_week=self.counts[(profile.rep, f"WEEK#{week}")],
                last_assigned_at=self.last_assigned.get(profile.rep),
            )
        return found

    def ledger(self, pool: str, cycle: str) -> dict[str, LedgerEntry]:
        return dict(self.lines[(pool, cycle)])

    def save_ledger(
        self, pool: str, cycle: str, changes: Mapping[str, tuple[LedgerEntry | None, LedgerEntry]]
    ) -> None:
        lines = self.lines[(pool, cycle)]
        for rep, (was, now) in changes.items():
            current = lines.get(rep)
            if (current.revision if current else 0) != (was.revision if was else 0):
                continue  # calibrated by another claim meanwhile
            counts = current or LedgerEntry()
            lines[rep] = replace(now, leads=counts.leads, value=counts.value, revision=counts.revision + 1)

    def claim(self, claim: Claim) -> Assignment:
        key = (claim.lead_id, claim.attempt)
        if key in self.claims:
            return self.claims[key]
        rep, caps = claim.rep.rep, claim.rep.caps
        day, week = claim.counted_in
        stored = self.stored.get(rep)
        if (
            (stored is not None and not stored.active)
            or (caps.open is not None and self.open[rep] >= caps.open)
            or (caps.daily is not None and self.counts[(rep, f"DAY#{day}")] >= caps.daily)
            or (caps.weekly is not None and self.counts[(rep, f"WEEK#{week}")] >= caps.weekly)
        ):
            raise ClaimRefused(f"{rep} reached a cap, or was made inactive, meanwhile")
        self.open[rep] += 1
        self.counts[(rep, f"DAY#{day}")] += 1
        self.counts[(rep, f"WEEK#{week}")] += 1
        self.last_assigned[rep] = claim.at
        self._add(claim.pool, claim.cycle, rep, 1, claim.value)
        self.claims[key] = Assignment(
            claim.lead_id, claim.attempt, rep, claim.pool, claim.cycle, claim.value, claim.at
        )
        return self.claims[key]

    def _add(self, pool: str, cycle: str, rep: str, leads: float, value: float) -> None:
        lines = self.lines[(pool, cycle)]
        line = lines.get(rep, LedgerEntry())
        lines[rep] = replace(line, leads=line.leads + leads, value=line.value + value)

    def assignment(self, lead_id: str) -> Assignment | None:
        found = [a for (lead, _), a in self.claims.items() if lead == lead_id]
        return max(found, key=lambda a: a.attempt) if found else None

    def release(self, lead_id: str, attempt: int | None = None) -> str | None:
        current = self.assignment(lead_id) if attempt is None else self.claims.get((lead_id, attempt))
        if current is None or current.released:
            return None
        self.claims[(lead_id, current.attempt)] = replace(current, released=True)
        self.open[current.rep] -= 1
        return current.rep

    def credit(
        self, lead_id: str, reason: CreditReason, to_rep: str | None = None, attempt: int | None = None
    ) -> bool:
        current = self.assignment(lead_id) if attempt is None else self.claims.get((lead_id, attempt))
        if current is None or reason.value in current.credits:
            return False
        self.claims[(lead_id, current.attempt)] = replace(current, credits=(*current.credits, reason.value))
        self._add(current.pool, current.cycle, current.rep, -1, -current.value)
        if to_rep is not None and to_rep != current.rep:
            self._add(current.pool, current.cycle, to_rep, 1, current.value)
        return True


# --- the replay ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulatedLead:
    lead_id: str
    received_at: datetime
    pool: str
    probability: float


@dataclass(frozen=True)
class Share:
    rep: str
    pool: str
    weight: float
    leads: int
    value: float
    target: float  # the share of the pool's leads their weight asks (time off not taken off)

    def share_of(self, total: int) -> float:
        return self.leads / total if total else 0.0


@dataclass(frozen=True)
class SimulationResult:
    shares: list[Share]
    team_queue: Counter[str]  # per pool: leads nobody could take
    by_pool: Counter[str]


def simulate(
    leads: Iterable[SimulatedLead],
    policy: Policy,
    away: Mapping[str, Sequence[Away]] | None = None,
    days_open: float = 7.0,
) -> SimulationResult:
    """Gives out each lead in time order as dispatch would; each lead is worked `days_open` days."""
    roster = MemoryRoster()
    now = [datetime(2000, 1, 1, tzinfo=UTC)]
    service = DistributionService(roster, policy, clock=lambda: now[0])
    ordered = sorted(leads, key=lambda lead: lead.received_at)
    if ordered:
        now[0] = ordered[0].received_at
    for profile in service.reps():
        if away and profile.rep in away:
            roster.stored[profile.rep] = profile.model_copy(update={"away": list(away[profile.rep])})
    closing: list[tuple[datetime, str]] = []
    given: Counter[tuple[str, str]] = Counter()
    values: defaultdict[tuple[str, str], float] = defaultdict(float)
    queued: Counter[str] = Counter()
    by_pool: Counter[str] = Counter()
    for lead in ordered:
        now[0] = lead.received_at
        while closing and closing[0][0] <= lead.received_at:
            roster.release(heapq.heappop(closing)[1])
        by_pool[lead.pool] += 1
        assigned = service.assign(lead.lead_id, lead.pool, lead.probability)
        if assigned.rep is None:
            queued[lead.pool] += 1
            continue
        given[(assigned.rep, lead.pool)] += 1
        values[(assigned.rep, lead.pool)] += lead.probability
        heapq.heappush(closing, (lead.received_at + timedelta(days=days_open), lead.lead_id))
    shares = []
    for profile in service.reps():
        for pool in profile.pools:
            members = [p for p in roster.profiles() if pool in p.pools and p.active]
            weight = sum(p.weight for p in members) or 1.0
            shares.append(
                Share(
                    profile.rep,
                    pool,
                    profile.weight,
                    given[(profile.rep, pool)],
                    round(values[(profile.rep, pool)], 3),
                    profile.weight / weight,
                )  # fmt: skip
            )
    return SimulationResult(shares, queued, by_pool)


def read_leads(path: Path, policy: Policy) -> list[SimulatedLead]:
    """A lead export (CSV): lead_id, received_at (or submitted_at), country (or company_country, or
    a pool), probability (else 0: only counts are shared). A CRM export or the training sample reads."""
    assignment = policy.assignment
    if assignment is None:
        raise ValueError("the policy has no `assignment`: nothing is given out by fairness")
    leads = []
    with path.open(newline="", encoding="utf-8") as file:
        for number, row in enumerate(csv.DictReader(file), start=2):
            try:
                received = datetime.fromisoformat(row.get("received_at") or row["submitted_at"])
                country = row.get("country") or row.get("company_country")
                pool = row.get("pool") or assignment.territory_for(country).id
                leads.append(
                    SimulatedLead(
                        row.get("lead_id") or f"row{number}",
                        received if received.tzinfo else received.replace(tzinfo=UTC),
                        pool,
                        float(row.get("probability") or 0.0),
                    )
                )
            except KeyError:
                raise ValueError(f"{path} line {number}: no received_at (or submitted_at) column") from None
            except ValueError as error:
                raise ValueError(f"{path} line {number}: {error}") from None
    return leads


def read_away(path: Path) -> dict[str, list[Away]]:
    """Time off to replay (YAML): {rep: [{start: ..., end: ..., note: ...}, ...]}."""
    import yaml
    from pydantic import TypeAdapter

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return TypeAdapter(dict[str, list[Away]]).validate_python(data)


def print_shares(result: SimulationResult) -> list[str]:
    lines = [
        f"{'pool':<14}{'rep':<16}{'weight':>7}{'leads':>7}{'share':>8}{'target':>8}{'diff':>8}{'value':>9}"
    ]
    for share in sorted(result.shares, key=lambda s: (s.pool, s.rep)):
        total = result.by_pool[share.pool] - result.team_queue[share.pool]
        actual = share.share_of(total)
        lines.append(
            f"{share.pool:<14}{share.rep:<16}{share.weight:>7g}{share.leads:>7}{actual:>8.1%}"
            f"{share.target:>8.1%}{(actual - share.target) * 100:>+7.1f}p{share.value:>9.2f}"
        )
    for pool, count in sorted(result.team_queue.items()):
        lines.append(f"{pool}: {count} of {result.by_pool[pool]} leads to the team queue (nobody eligible)")
    return lines
