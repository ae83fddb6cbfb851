"""Gives a lead to a rep of its pool, fairly and explained; the roster RevOps and reps edit."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel

from leadqual.domain.distribution import Assignment, Claim, ClaimRefused, RepLoad, cycle_key, is_working, rank
from leadqual.domain.policy import ROUND_ROBIN, SDR_QUEUE, Distribution, Policy
from leadqual.domain.ports import ConflictError, Roster
from leadqual.domain.schemas.crm import CrmUser
from leadqual.domain.schemas.roster import Away, Candidate, CreditReason, Exclusion, RepProfile, RepSettings
from leadqual.domain.schemas.shared import utc_now


class RosterRep(RepProfile):
    """A rep as the roster page shows them: their settings and what they hold now."""

    open_leads: int
    today: int
    this_week: int
    at_work: bool


class PoolView(BaseModel):
    """A pool's ledger this cycle, and who would take its next lead (the candidate table, now)."""

    pool: str
    cycle: str
    settings: Distribution
    leads: float
    candidates: list[Candidate]
    next_rep: str | None


class RosterOverview(BaseModel):
    at: datetime
    reps: list[RosterRep]
    pools: list[PoolView]


@dataclass(frozen=True)
class Assigned:
    """Who took the lead (a rep, or the pool's team queue when nobody could), and the table of why."""

    owner: str
    rep: str | None
    pool: str
    reason: str
    candidates: list[Candidate]


class UnknownRep(LookupError):
    pass


@dataclass
class DistributionService:
    roster: Roster
    policy: Policy
    clock: Callable[[], datetime] = field(default=utc_now)

    def reps(self) -> list[RepProfile]:
        """The roster, with the reps `policy.yaml` names and the roster does not have yet added."""
        stored = self.roster.profiles()
        seed = self.policy.assignment.seed() if self.policy.assignment else {}
        known = {profile.rep for profile in stored}
        missing = [rep for rep in seed if rep not in known]
        if missing:
            now = self.clock()
            self.roster.seed(
                [RepProfile(rep=rep, joined_at=now, **seed[rep].model_dump()) for rep in missing]
            )
            stored = self.roster.profiles()
        return sorted(stored, key=lambda profile: profile.rep)

    def assign(
        self, lead_id: str, pool: str, probability: float, attempt: int = 0, passed_over: Sequence[str] = ()
    ) -> Assigned:
        """Claims the eligible rep with the largest shortfall; if a cap was reached meanwhile, the
        next; the pool's team queue only when nobody is eligible."""
        assert self.policy.assignment is not None, "the policy validator requires it to distribute"
        now = self.clock()
        settings = self.policy.assignment.distribution_of(pool)
        cycle = cycle_key(settings.cycle, now)
        reps = [profile for profile in self.reps() if pool in profile.pools]
        ranking = rank(
            lead_id,
            pool,
            reps,
            self.roster.loads(reps, now),
            self.roster.ledger(pool, cycle),
            settings,
            now,
            passed_over,
        )
        if ranking.ledger_changes:
            self.roster.save_ledger(pool, cycle, ranking.ledger_changes)
        by_rep = {profile.rep: profile for profile in reps}
        candidates = list(ranking.candidates)
        for position, candidate in enumerate(candidates):
            if candidate.excluded is not None:
                break
            claim = Claim(lead_id, attempt, by_rep[candidate.rep], pool, cycle, probability, now)
            try:
                taken = self.roster.claim(claim)
            except ClaimRefused:
                candidates[position] = candidate.model_copy(
                    update={
                        "excluded": Exclusion.LOST_RACE,
                        "detail": "reached a cap as another lead took it",
                    }
                )
                continue
            candidates = [c.model_copy(update={"chosen": c.rep == taken.rep}) for c in candidates]
            return Assigned(
                taken.rep,
                taken.rep,
                pool,
                explain(pool, taken.rep, candidates, settings.value_weight),
                candidates,
            )
        return Assigned(
            f"{pool}{SDR_QUEUE}",
            None,
            pool,
            explain(pool, None, candidates, settings.value_weight),
            candidates,
        )

    def overview(self) -> RosterOverview:
        """Every rep with their load, and each pool's ledger and next rep, as of now."""
        assert self.policy.assignment is not None
        now = self.clock()
        reps = self.reps()
        loads = self.roster.loads(reps, now)
        shown = [
            RosterRep(**rep.model_dump(), open_leads=loads[rep.rep].open, today=loads[rep.rep].today,
                      this_week=loads[rep.rep].this_week, at_work=is_working(rep.hours, now))
            for rep in reps
        ]  # fmt: skip
        pools = [self._pool(t.id, reps, loads, now) for t in self.policy.assignment.territories]
        return RosterOverview(at=now, reps=shown, pools=pools)

    def _pool(
        self, pool: str, reps: Sequence[RepProfile], loads: Mapping[str, RepLoad], now: datetime
    ) -> PoolView:
        """The pool's ledger this cycle, and who would take its next lead now (nothing is claimed)."""
        assert self.policy.assignment is not None
        settings = self.policy.assignment.distribution_of(pool)
        cycle = cycle_key(settings.cycle, now)
        members = [rep for rep in reps if pool in rep.pools]
        ranking = rank("next", pool, members, loads, self.roster.ledger(pool, cycle), settings, now)
        return PoolView(pool=pool, cycle=cycle, settings=settings, leads=sum(c.leads for c in ranking.candidates),
                        candidates=ranking.candidates, next_rep=ranking.eligible[0].rep if ranking.eligible else None)  # fmt: skip

    def crm_users(self, mapped: dict[str, CrmUser]) -> dict[str, CrmUser]:
        """leadqual's people -> their CRM user ids: the roster's reps (RevOps edits them in the
        console), over `crm.users` of the policy (people outside the roster: AEs, marketing)."""
        return {**mapped, **{rep.rep: rep.crm_user for rep in self.reps() if rep.crm_user is not None}}

    def owner_names(
        self, owners: Collection[tuple[str, str | None]], roster: Sequence[RepProfile] | None = None
    ) -> dict[tuple[str, str | None], str]:
        """Each (suggested owner, territory) as a person reads it, for the inbox: a rep's name; a
        team with its people; a team queue; for round_robin, the rep fairness would give the lead to
        now (the route claims at its own time, and says whom it chose). `roster`: the reps, when
        the caller has read them already."""
        listed = list(roster) if roster is not None else self.reps()
        reps = {rep.rep: rep for rep in listed}
        next_reps: dict[str, str | None] = {}
        assignment = self.policy.assignment
        known = {t.id for t in assignment.territories} if assignment else set()
        pools = {territory for owner, territory in owners if owner == ROUND_ROBIN and territory in known}
        if pools:
            now = self.clock()
            loads = self.roster.loads(listed, now)  # only the pools asked about, from one read of loads
            next_reps = {pool: self._pool(pool, listed, loads, now).next_rep for pool in pools}

        def name(person: str) -> str:
            return reps[person].name if person in reps else person_in_words(person)

        def words(owner: str, territory: str | None) -> str:
            if owner == ROUND_ROBIN:
                chosen = next_reps.get(territory or "")
                if chosen is None:
                    return (
                        f"the {territory} team queue (no rep free now)"
                        if territory
                        else "the next rep by fair share"
                    )
                return f"{name(chosen)} (next by fair share in {territory})"
            if owner.endswith(SDR_QUEUE):
                return f"the {owner.removesuffix(SDR_QUEUE)} SDR team queue"
            team = self.policy.reviewers.teams.get(owner)
            if team:
                return f"{owner} ({', '.join(name(person) for person in team)})"
            return name(owner)

        return {(owner, territory): words(owner, territory) for owner, territory in owners}

    def set_away(self, rep: str, away: list[Away], version: int, by: str) -> RepProfile:
        """A rep's time off, whole (a rep sets their own in the console)."""
        current = self._current(rep, version)
        return self.roster.save_profile(
            current.model_copy(update={"away": away, "updated_by": by, "updated_at": self.clock()})
        )

    def _current(self, rep: str, version: int) -> RepProfile:
        current = next((p for p in self.reps() if p.rep == rep), None)
        if current is None:
            raise UnknownRep(f"no rep {rep!r} in the roster")
        if current.version != version:
            raise ConflictError(
                f"rep {rep} was changed by {current.updated_by or 'someone'} since version {version}; reload"
            )
        return current

    def credit(
        self, lead_id: str, reason: CreditReason, to_rep: str | None = None, attempt: int | None = None
    ) -> bool:
        """Moves the lead off its rep's count in the ledger (onto `to_rep`'s), once per reason."""
        return self.roster.credit(lead_id, reason, to_rep, attempt)

    def release(self, lead_id: str, attempt: int | None = None) -> str | None:
        """Frees the rep's open slot (the lead's outcome came back, or it was taken from them)."""
        return self.roster.release(lead_id, attempt)

    def assignment_of(self, lead_id: str) -> Assignment | None:
        """The lead's latest claim: whose it is, in which pool, which attempt."""
        return self.roster.assignment(lead_id)

    def remember_slack_id(self, rep: str, user_id: str) -> None:
        """Caches the rep's Slack user (looked up by e-mail once), unless an edit came first."""
        current = next((p for p in self.roster.profiles() if p.rep == rep), None)
        if current is None or current.slack_user_id == user_id:
            return
        with contextlib.suppress(ConflictError):  # edited meanwhile: the next alert looks them up again
            self.roster.save_profile(current.model_copy(update={"slack_user_id": user_id}))

    def set_active(self, rep: str, active: bool) -> None:
        """A rep whose CRM user is archived takes no new lead (the roster is seeded first, so a rep
        the CRM archives before leadqual gave out any lead is still marked)."""
        self.reps()
        self.roster.set_active(rep, active)

    def update(self, rep: str, settings: RepSettings, version: int, by: str) -> RepProfile:
        """RevOps' edit of a rep, saved only over the version they read (ConflictError otherwise)."""
        current = self._current(rep, version)
        changed = {
            **current.model_dump(),
            **settings.model_dump(),
            "updated_by": by,
            "updated_at": self.clock(),
        }
        return self.roster.save_profile(RepProfile.model_validate(changed))

    def add(self, rep: str, settings: RepSettings, by: str) -> RepProfile:
        now = self.clock()
        profile = RepProfile(rep=rep, joined_at=now, updated_by=by, updated_at=now, **settings.model_dump())
        if not self.roster.seed([profile]):
            raise ConflictError(f"rep {rep} is in the roster already")
        return next(p for p in self.roster.profiles() if p.rep == rep)


# A user name's last part that says a role, not a name: "ana.ae" is Ana.
_ROLE_PARTS = {"sdr", "bdr", "ae", "am", "csm", "manager", "marketing", "lead", "revops"}


def person_in_words(user_name: str) -> str:
    """A person the roster does not hold (an account owner, an AE) by their user name: maria.lopez
    is Maria Lopez, ana.ae is Ana; an e-mail address by the part before the @."""
    parts = [p for p in re.split(r"[._-]", user_name.split("@", 1)[0]) if p]
    if len(parts) > 1 and parts[-1].lower() in _ROLE_PARTS:
        parts = parts[:-1]
    return " ".join(part.capitalize() for part in parts) or user_name


def explain(pool: str, chosen: str | None, candidates: Sequence[Candidate], value_weight: float) -> str:
    """The route reason, in words: who took the lead and why, and who could not."""
    measure = "leads" if value_weight == 0 else f"leads and pipeline (lambda {value_weight:g})"
    excluded = [c for c in candidates if c.excluded is not None]
    left_out = "; ".join(f"{c.rep} {c.detail}" for c in excluded[:4]) + (
        f"; {len(excluded) - 4} more" if len(excluded) > 4 else ""
    )
    if chosen is None:
        return f"nobody in pool {pool} could take it ({left_out or 'the pool is empty'}): team queue"
    taken = next(c for c in candidates if c.rep == chosen)
    eligible = sum(1 for c in candidates if c.excluded is None)
    text = (
        f"fair share in pool {pool} by {measure}: {chosen} (weight {taken.weight:g}) had the largest "
        f"shortfall of {eligible} eligible, {taken.shortfall or 0:.2f} below their share"
    )
    return text + (f"; not eligible: {left_out}" if left_out else "")
