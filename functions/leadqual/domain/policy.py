"""The qualification policy RevOps owns: tiers, triggers, bands and ordered routing rules.

Loaded from YAML and validated by pydantic, so a bad file fails naming the rule and field.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from leadqual.domain.qualification.flags import Flag
from leadqual.domain.schemas.crm import CrmPolicy
from leadqual.domain.schemas.roster import RepSettings, Role
from leadqual.domain.schemas.vocabulary import FormType, RouteAction

KNOWN_FLAGS = frozenset(flag.value for flag in Flag)
BANDS = ("high", "medium", "low")
DEFAULT_POLICY_FILE = Path(__file__).resolve().parent.parent / "config" / "policy.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignalSettings(_Strict):
    pricing_window_days: int = Field(30, gt=0)
    competitor_window_days: int = Field(30, gt=0)
    repeat_engagement_events: int = Field(3, gt=0)
    repeat_engagement_window_hours: int = Field(48, gt=0)
    surge_threshold: float = Field(60, ge=0, le=100)
    surge_window_days: int = Field(21, gt=0)
    cold_after_days: int = Field(90, gt=0)
    demo_forms: list[FormType] = Field(
        default_factory=lambda: [FormType.DEMO_REQUEST, FormType.CONTACT_SALES, FormType.PRICING_REQUEST]
    )


class AmbiguitySettings(_Strict):
    high_fit_min: int = Field(60, ge=0, le=100)
    low_engagement_max: int = Field(25, ge=0, le=100)
    low_fit_max: int = Field(30, ge=0, le=100)
    high_engagement_or_intent_min: int = Field(70, ge=0, le=100)


class ScoreBands(_Strict):
    high: float = Field(gt=0, lt=1)
    medium: float = Field(gt=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> ScoreBands:
        if self.medium >= self.high:
            raise ValueError("medium must be below high")
        return self

    def band(self, probability: float) -> str:
        if probability >= self.high:
            return "high"
        return "medium" if probability >= self.medium else "low"

    def band_words(self, probability: float) -> str:
        """The band with its edges, shown beside the grade: the grade ranks a lead against the
        model's training leads; the band is the policy's cut-off the routing rules read."""
        band = self.band(probability)
        edges = {
            "high": f"{self.high:.0%} or more",
            "medium": f"{self.medium:.0%} to {self.high:.0%}",
            "low": f"below {self.medium:.0%}",
        }
        return f"{band} band ({edges[band]} likely), the cut-off the routing rules read"


class DealSize(_Strict):
    """Estimated annual deal size: seats (a share of the company's people) times the price per seat.

    When only revenue is known, employees are estimated from it.
    """

    seat_share: float = Field(0.02, gt=0, le=1, description="Share of employees who would use the product")
    min_seats: int = Field(3, ge=1)
    price_per_seat: float = Field(1200, gt=0, description="Annual list price per seat")
    revenue_per_employee: float = Field(200_000, gt=0)

    def estimate(self, employees: int | None, annual_revenue: float | None) -> float | None:
        people = employees or (annual_revenue / self.revenue_per_employee if annual_revenue else None)
        if not people:
            return None
        return max(self.min_seats, round(people * self.seat_share)) * self.price_per_seat


ROUND_ROBIN = "round_robin"
# A territory's team queue, where a lead goes when all its SDRs are at capacity: `<territory>-sdr-queue`.
SDR_QUEUE = "-sdr-queue"


class Newcomer(StrEnum):
    """Where a rep who joins a pool mid-cycle starts in its ledger."""

    MEAN = "mean"  # level with the pool: a fair share from now on
    MAX = "max"  # level with the busiest: no lead until the others catch up
    ZERO = "zero"  # from nothing: every lead until level with the pool


class Returning(StrEnum):
    """What a rep back from time off is owed for the leads they missed."""

    NONE = "none"  # nothing: level with the pool on return
    FULL = "full"  # everything missed, as fast as the ledger gives it
    LIMITED = "limited"  # what was missed, at most `extra_per_day` more than their share a day


class Cycle(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


class Distribution(_Strict):
    """How a pool's leads are given out: to the eligible rep with the largest weighted shortfall.

    A rep's shortfall is their weighted share of the pool's leads this cycle less what they had,
    blending the count and the expected value (the sum of calibrated probabilities) by
    `value_weight` (lambda): 0 shares out equal numbers, 1 equal pipeline.
    """

    value_weight: float = Field(0.0, ge=0, le=1, description="lambda: 0 counts leads, 1 counts their value")
    cycle: Cycle = Cycle.MONTH
    newcomer: Newcomer = Newcomer.MEAN
    returning: Returning = Returning.LIMITED
    extra_per_day: int = Field(2, ge=0, le=100, description="With returning: limited")
    # When no rep is within working hours: the reps who start within this many hours take the lead
    # (its SLA runs from their start); 0 sends it to the team queue.
    available_within_hours: float = Field(72, ge=0, le=24 * 14)


class Territory(_Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    countries: list[str] = Field(default=[], description="ISO codes; empty = every other country")
    sdrs: list[str] = Field(min_length=1, description="The pool's members when the roster is first seeded")
    distribution: Distribution | None = Field(
        None, description="What this pool sets differently from assignment's distribution"
    )


class Assignment(_Strict):
    """Who gets an `sdr_outreach` lead when no account owner does: the territory's pool, fairly."""

    capacity_per_sdr: int = Field(25, gt=0, description="Open leads an SDR holds, unless their caps say")
    reviews_per_sdr_per_day: int = Field(
        40, gt=0, description="Reviews an SDR can decide in a day: the reports' review capacity"
    )
    distribution: Distribution = Field(default_factory=Distribution)
    territories: list[Territory] = Field(min_length=1)
    # The roster's seed: reps' e-mail, weight, caps, hours. A rep in a territory and not here
    # takes the defaults (weight 1, open cap capacity_per_sdr, any hours).
    reps: dict[str, RepSettings] = {}

    @model_validator(mode="after")
    def _catch_all_last(self) -> Assignment:
        if self.territories[-1].countries:
            raise ValueError(
                f"the last territory ({self.territories[-1].id!r}) must have no countries (catch-all)"
            )
        pools = {t.id for t in self.territories}
        for rep, settings in self.reps.items():
            unknown = sorted(set(settings.pools) - pools)
            if unknown:
                raise ValueError(
                    f"reps.{rep}.pools names unknown territories {unknown}; known: {sorted(pools)}"
                )
            if not settings.pools and rep not in self.sdrs and settings.role is Role.REP:
                raise ValueError(f"reps.{rep} is in no territory and names no pools: they would take no lead")
        return self

    def distribution_of(self, pool: str) -> Distribution:
        """The pool's settings: assignment's, with what the territory sets itself."""
        territory = next((t for t in self.territories if t.id == pool), None)
        if territory is None or territory.distribution is None:
            return self.distribution
        return self.distribution.model_copy(update=territory.distribution.model_dump(exclude_unset=True))

    def seed(self) -> dict[str, RepSettings]:
        """Each rep named in a territory or in `reps`, with the pools that name them."""
        reps: dict[str, RepSettings] = {}
        for rep in [*self.sdrs, *self.reps]:
            settings = self.reps.get(rep, RepSettings())
            pools = settings.pools or [t.id for t in self.territories if rep in t.sdrs]
            caps = settings.caps
            if caps.open is None:
                caps = caps.model_copy(update={"open": self.capacity_per_sdr})
            reps[rep] = settings.model_copy(update={"pools": pools, "caps": caps})
        return reps

    @property
    def sdrs(self) -> list[str]:
        return sorted({sdr for territory in self.territories for sdr in territory.sdrs})

    def territory_for(self, country: str | None) -> Territory:
        code = (country or "").upper()
        return next(
            t for t in self.territories if code in {c.upper() for c in t.countries} or not t.countries
        )


class TierCondition(_Strict):
    named_account: bool | None = None
    strategic: bool | None = None
    min_employees: int | None = Field(None, ge=0)
    min_annual_revenue: float | None = Field(None, ge=0)
    min_deal_size: float | None = Field(None, ge=0)
    account_tiers: list[str] | None = None


class TierDef(_Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    description: str
    match: Literal["all", "any"] = "all"
    when: TierCondition


class RuleCondition(_Strict):
    """Every condition given must hold (an absent one is not checked)."""

    tiers: list[str] | None = None
    bands: list[Literal["high", "medium", "low"]] | None = None
    flags_any: list[str] | None = None
    flags_all: list[str] | None = None
    flags_none: list[str] | None = None
    forms: list[FormType] | None = None
    free_mail: bool | None = None
    min_fit: int | None = Field(None, ge=0, le=100)
    max_fit: int | None = Field(None, ge=0, le=100)
    min_engagement: int | None = Field(None, ge=0, le=100)
    max_engagement: int | None = Field(None, ge=0, le=100)
    min_intent: int | None = Field(None, ge=0, le=100)
    max_intent: int | None = Field(None, ge=0, le=100)

    @model_validator(mode="after")
    def _known_flags(self) -> RuleCondition:
        for field in ("flags_any", "flags_all", "flags_none"):
            unknown = sorted(set(getattr(self, field) or []) - KNOWN_FLAGS)
            if unknown:
                raise ValueError(f"{field} names unknown flags {unknown}; known: {sorted(KNOWN_FLAGS)}")
        return self


class RuleDef(_Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9-]+$")
    description: str
    when: RuleCondition
    action: RouteAction
    review: bool = False
    owner: str | None = Field(None, description="'account_owner', a person, or default owner of the action")


class Reviewers(_Strict):
    """Who may decide a review. Each review belongs to a queue: its suggested owner when that is a
    person (an account owner), the members of the team it names (`teams`), and the SDRs of the
    lead's territory. A person decides their own queue's reviews; the groups in `decide_any` (team
    leads, managers) decide any. People are named as they sign in to the console (user name or
    e-mail), as the territories and account owners name them."""

    decide_any: list[str] = Field(
        default_factory=lambda: ["lead", "manager"],
        min_length=1,
        description="Sign-in groups that decide any review",
    )
    teams: dict[str, list[str]] = Field(default={}, description="A queue's name, and the people in it")

    def queue(self, suggested_owner: str, territory: Territory | None, default_owners: set[str]) -> list[str]:
        """The people whose queue a review is in: its owner if a person, the owner's team, the
        territory's SDRs. A default owner of an action (round_robin, ae-team) is not a person."""
        people = list(self.teams.get(suggested_owner, ()))
        if not people and suggested_owner not in default_owners and not suggested_owner.endswith(SDR_QUEUE):
            people.append(suggested_owner)
        people += territory.sdrs if territory else []
        return list(dict.fromkeys(people))


class AlertSettings(_Strict):
    """What a rep's Slack alert asks of them."""

    acknowledge_within_minutes: int = Field(60, ge=0, le=7 * 24 * 60, description="0: no deadline shown")
    not_a_fit_reasons: list[str] = Field(
        default_factory=lambda: ["No budget or need", "Wrong person", "Existing customer", "Competitor",
                                 "Student or job seeker", "Spam or fake"],
        min_length=1, max_length=10,
    )  # fmt: skip


class SlaAction(StrEnum):
    REMIND = "remind"  # the rep again, in Slack (and by e-mail with `email`)
    REASSIGN = "reassign"  # to the next rep fairness owes, the first one credited
    TELL_MANAGER = "tell_manager"  # the pool's managers (the roster's role: manager)


class SlaStep(_Strict):
    """One step of a route's SLA chain: what happens this long after the route if nobody acknowledged."""

    after_minutes: float = Field(gt=0, le=7 * 24 * 60)
    do: SlaAction
    email: bool = False


def _default_sla() -> dict[RouteAction, list[SlaStep]]:
    return {
        RouteAction.SDR_OUTREACH: [
            SlaStep(after_minutes=15, do=SlaAction.REMIND),
            SlaStep(after_minutes=45, do=SlaAction.REMIND, email=True),
            SlaStep(after_minutes=60, do=SlaAction.REASSIGN),
            SlaStep(after_minutes=90, do=SlaAction.TELL_MANAGER),
        ],
    }


class HoldSettings(_Strict):
    """`hold` waits for signals: new events or intent re-run the rules; after max_days it ends anyway."""

    max_days: float = Field(14, gt=0)
    then: RouteAction = RouteAction.NURTURE

    @model_validator(mode="after")
    def _ends(self) -> HoldSettings:
        if self.then is RouteAction.HOLD:
            raise ValueError("then must be an action other than hold, or a hold would never end")
        return self


class Policy(_Strict):
    version: int
    signals: SignalSettings = Field(default_factory=SignalSettings)
    ambiguity: AmbiguitySettings = Field(default_factory=AmbiguitySettings)
    score_bands: ScoreBands
    deal_size: DealSize = Field(default_factory=DealSize)
    tiers: list[TierDef] = Field(min_length=1)
    owners: dict[RouteAction, str]
    hold: HoldSettings = Field(default_factory=HoldSettings)
    assignment: Assignment | None = None
    reviewers: Reviewers = Field(default_factory=Reviewers)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    # Nobody lets a lead go cold: per route, what happens while nobody acknowledged it.
    sla: dict[RouteAction, list[SlaStep]] = Field(default_factory=_default_sla)
    rules: list[RuleDef] = Field(min_length=1)
    # What leadqual writes to the CRM, and when it may set a record's owner (domain/schemas/crm.py).
    crm: CrmPolicy = Field(default_factory=CrmPolicy)

    def crm_people(self) -> CrmPolicy:
        """`crm` with the CRM users of the roster as this file seeds it (its reps' `crm_user`)
        added to `crm.users`: what `leadqual crm doctor` checks against the CRM."""
        seeded = self.assignment.seed() if self.assignment else {}
        reps = {rep: settings.crm_user for rep, settings in seeded.items() if settings.crm_user is not None}
        return self.crm.model_copy(update={"users": {**self.crm.users, **reps}})

    def review_queue(self, suggested_owner: str, territory: str | None) -> list[str]:
        """Who decides a review suggesting `suggested_owner`, in `territory` (see `Reviewers`)."""
        found = (
            next((t for t in self.assignment.territories if t.id == territory), None)
            if self.assignment
            else None
        )
        return self.reviewers.queue(suggested_owner, found, set(self.owners.values()) | {ROUND_ROBIN})

    def may_decide(
        self, suggested_owner: str, territory: str | None, names: set[str], groups: set[str]
    ) -> bool:
        """Whether a person (by the names they sign in with, and their groups) may decide a review."""
        if groups & set(self.reviewers.decide_any):
            return True
        return bool(names & set(self.review_queue(suggested_owner, territory)))

    @model_validator(mode="after")
    def _coherent(self) -> Policy:
        rule_ids = [r.id for r in self.rules]
        repeated = sorted({i for i in rule_ids if rule_ids.count(i) > 1})
        if repeated:
            raise ValueError(f"rule ids must be unique, repeated: {repeated}")
        tier_ids = {t.id for t in self.tiers}
        for rule in self.rules:
            unknown = sorted(set(rule.when.tiers or []) - tier_ids)
            if unknown:
                raise ValueError(f"rule {rule.id!r}: when.tiers names unknown tiers {unknown}")
        missing = sorted(a.value for a in RouteAction if a not in self.owners)
        if missing:
            raise ValueError(f"owners has no default owner for {missing}")
        round_robin = [r.id for r in self.rules if r.owner == ROUND_ROBIN] + [
            a.value for a, owner in self.owners.items() if owner == ROUND_ROBIN
        ]
        if round_robin and self.assignment is None:
            raise ValueError(f"{round_robin} assign by {ROUND_ROBIN!r} but the policy has no `assignment`")
        if self.rules[-1].when != RuleCondition():
            raise ValueError(f"the last rule ({self.rules[-1].id!r}) must match everything (when: {{}})")
        for action, steps in self.sla.items():
            minutes = [step.after_minutes for step in steps]
            if minutes != sorted(set(minutes)):
                raise ValueError(f"sla.{action.value}: steps must come later one after another: {minutes}")
            if sum(step.do is SlaAction.REASSIGN for step in steps) > 1:
                raise ValueError(f"sla.{action.value}: at most one reassign step")
        if self.tiers[-1].when != TierCondition():
            raise ValueError(f"the last tier ({self.tiers[-1].id!r}) must match everything (when: {{}})")
        return self


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file, the rule and the field."""


def parse_policy(data: Any, source: str = "policy") -> Policy:
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            location = _readable_location(data, item["loc"])
            problems.append(f"{location}: {item['msg']}")
        raise PolicyError(f"{source} is invalid:\n  " + "\n  ".join(problems)) from None


def load_policy(path: Path | str | None = None) -> Policy:
    file = Path(path) if path else DEFAULT_POLICY_FILE
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise PolicyError(f"{file} is not valid YAML: {error}") from None
    return parse_policy(data, str(file))


def _readable_location(data: Any, loc: tuple[Any, ...]) -> str:
    """`rules[3] (id 'x').when.bands` instead of `rules.3.when.bands`."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            if (
                isinstance(node, list)
                and key < len(node)
                and isinstance(node[key], dict)
                and "id" in node[key]
            ):
                label += f" (id {node[key]['id']!r})"
            parts.append(label)
            node = node[key] if isinstance(node, list) and key < len(node) else None
        else:
            parts.append(("." if parts else "") + str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "(file)"
