"""The roster: each rep who takes leads, as RevOps manages them, and how one lead was given out.

A rep's profile is seeded from `policy.yaml` (`assignment.reps`, and the territories that name
them) and then kept in DynamoDB, where RevOps edits it in the console and reps set their own time
off. `active` follows the CRM: a rep whose CRM user is archived takes no new lead.
"""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    field_validator,
    model_validator,
)

from leadqual.domain.schemas.crm import CrmUser
from leadqual.domain.schemas.shared import EmailAddress, IsoTime

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REP_ID_PATTERN = r"^[A-Za-z0-9._@+-]{1,128}$"
CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkingHours(_Strict):
    """When a rep works, in their own time zone (a shift past midnight ends the next day)."""

    timezone: str = Field("UTC", description="IANA time zone, e.g. America/New_York")
    days: list[str] = Field(default_factory=lambda: list(WEEKDAYS[:5]), min_length=1)
    # "HH:MM" (24 h): a time of day in the rep's zone, not an instant.
    start: str = Field("09:00", pattern=CLOCK_TIME)
    end: str = Field("17:30", pattern=CLOCK_TIME)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Berlin)") from None
        return value

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(WEEKDAYS))
        if unknown:
            raise ValueError(f"unknown days {unknown}; use {list(WEEKDAYS)}")
        return [day for day in WEEKDAYS if day in value]

    @model_validator(mode="after")
    def _has_length(self) -> WorkingHours:
        if self.start == self.end:
            raise ValueError("start and end are the same time: a shift of no length")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def starts(self) -> time:
        return time.fromisoformat(self.start)

    @property
    def ends(self) -> time:
        return time.fromisoformat(self.end)


class Away(_Strict):
    """Time off: the rep takes no lead from `start` until `end`."""

    start: IsoTime
    end: IsoTime
    note: str = Field("", max_length=200)

    @model_validator(mode="after")
    def _ordered(self) -> Away:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class Caps(_Strict):
    """The most leads a rep holds open, and takes in a day and a week of their own; None: no cap."""

    # JSON's own numbers and booleans only (as every body the API takes): "5" is not 5, nor 0 false.
    open: Annotated[int, Strict()] | None = Field(None, ge=0, le=10_000)
    daily: Annotated[int, Strict()] | None = Field(None, ge=0, le=10_000)
    weekly: Annotated[int, Strict()] | None = Field(None, ge=0, le=100_000)


class Role(StrEnum):
    """What a person of the roster may do beside their own leads: a team lead or manager may act
    on any alert (and, as the console's groups of the same names, decide any review)."""

    REP = "rep"
    LEAD = "lead"
    MANAGER = "manager"


class RepSettings(_Strict):
    """What RevOps sets for a rep (in `policy.yaml`'s `assignment.reps`, then in the console)."""

    email: EmailAddress | None = None
    display_name: str | None = Field(None, max_length=120)
    slack_user_id: str | None = Field(None, pattern=r"^[UW][A-Z0-9]{2,20}$")
    crm_user: CrmUser | None = Field(
        None, description="Their user (owner) id in each CRM: the owner leadqual writes, and reads back"
    )
    pools: list[str] = Field(default=[], description="Territories (or routes) the rep takes leads of")
    weight: Annotated[float, Strict()] = Field(
        1.0, gt=0, le=100, description="Share of a pool's leads, relative to the others"
    )
    caps: Caps = Field(default_factory=Caps)
    hours: WorkingHours | None = Field(None, description="None: any time")
    away: list[Away] = Field(default=[], max_length=50)
    active: StrictBool = True
    role: Role = Role.REP


class RepProfile(RepSettings):
    """A rep as stored: the settings, who changed them last, and a version for safe edits."""

    rep: str = Field(pattern=REP_ID_PATTERN)
    joined_at: datetime
    version: int = 0
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.display_name or self.rep


class Exclusion(StrEnum):
    """Why a rep of the pool did not get a lead."""

    INACTIVE = "inactive"
    AWAY = "out_of_office"
    OFF_HOURS = "off_hours"
    OPEN_CAP = "open_cap"
    DAILY_CAP = "daily_cap"
    WEEKLY_CAP = "weekly_cap"
    LOST_RACE = "capped_meanwhile"
    PASSED_OVER = "did_not_acknowledge"  # had the lead, let it go cold: the SLA reassigned it


class Candidate(BaseModel):
    """One rep of the pool, as the lead was given out: eligible or why not, and their shortfall."""

    rep: str
    weight: float
    leads: float  # this cycle's count as the ledger holds it (assignments, credits and calibration)
    value: float  # this cycle's expected value: the sum of the leads' calibrated probabilities
    shortfall: float | None = None  # in leads; None when excluded
    excluded: Exclusion | None = None
    detail: str = ""  # e.g. "back Mon 08:00 America/New_York", "12 of 12 today"
    chosen: bool = False


class CreditReason(StrEnum):
    """What moves a rep's count in the ledger after the lead was given."""

    NOT_A_FIT = "not_a_fit"  # the rep said so: the lead does not count against them
    CRM_REASSIGNED = "crm_reassigned"  # a person gave the lead to someone else in the CRM
    SLA_REASSIGNED = "sla_reassigned"  # nobody acknowledged in time; the ledger gave it again
