"""What leadqual writes to a CRM record, and whether it may touch the owner: pure decisions.

The adapters (Salesforce, HubSpot) read records and write plans; nothing here talks to a CRM. Two
rules hold whatever the CRM:
- only what changed is written: each field's last written value is kept as a digest on the lead;
- a person's choice of owner is never overwritten under `unless_person_changed` (the default), nor
  any owner under `never`; leadqual's scores are still written, and the conflict is recorded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from leadqual.domain.schemas.crm import STANDARD_FIELDS, CrmField, CrmPolicy, OwnerWrite, WritePolicy
from leadqual.domain.schemas.crm_writes import OwnerVerdict
from leadqual.domain.schemas.lead import Lead
from leadqual.domain.schemas.vocabulary import OutcomeKind

# What a CRM holds in a field: leadqual writes text and numbers only.
Scalar = str | int | float
REASONS_MAX_CHARACTERS = 1024  # a long-text field reps read in the record's sidebar
REASONS_SHOWN = 3


class FieldKind(StrEnum):
    """What a field holds, which each CRM's installer turns into its own field type."""

    NUMBER = "number"
    TEXT = "text"
    LONG_TEXT = "long_text"
    DATETIME = "datetime"


FIELD_KINDS: dict[CrmField, FieldKind] = {
    **{field: FieldKind.TEXT for field in CrmField},
    **{field: FieldKind.NUMBER for field in (
        CrmField.SCORE, CrmField.PROBABILITY, CrmField.FIT, CrmField.ENGAGEMENT, CrmField.INTENT,
        CrmField.POLICY_VERSION,
    )},
    CrmField.REASONS: FieldKind.LONG_TEXT,
    CrmField.SCORED_AT: FieldKind.DATETIME,
}  # fmt: skip


class FieldState(StrEnum):
    PRESENT = "present"
    MISSING = "missing"
    DIFFERS = "differs"  # a field of that name holds another type: leadqual will not change it
    CREATED = "created"


@dataclass(frozen=True)
class FieldCheck:
    name: str
    kind: FieldKind
    state: FieldState
    detail: str


def fields_to_install(policy: CrmPolicy) -> dict[str, FieldKind]:
    """The CRM fields leadqual writes and must create: its own (standard ones exist already)."""
    return {
        rule.name: FIELD_KINDS[field]
        for field, rule in policy.written_fields().items()
        if field not in STANDARD_FIELDS
    }


def field_labels(policy: CrmPolicy) -> dict[str, str]:
    return {rule.name: f"leadqual {field.value.replace('_', ' ')}" for field, rule in policy.fields.items()}


class ChangeSource(StrEnum):
    PERSON = "person"  # someone in the CRM's own UI (or its mobile apps)
    LEADQUAL = "leadqual"  # leadqual's own write, recognised by its client id
    INTEGRATION = "integration"  # another integration, a workflow, an import


@dataclass(frozen=True)
class OwnerChange:
    """One change of the record's owner, from the CRM's field history."""

    value: str | None
    at: datetime
    source: ChangeSource
    by: str | None = None  # the CRM user who made it (a person's change)


@dataclass(frozen=True)
class CrmRecord:
    """A CRM record as read before a write: its values (by CRM name), owner and owner history."""

    record_id: str
    values: dict[str, str | None]
    owner: str | None
    owner_changes: list[OwnerChange] = field(default_factory=list)
    owner_is_queue: bool = False  # a Salesforce queue owns it: `if_unowned` counts it unowned

    def person_change(self) -> OwnerChange | None:
        """The newest owner change a person made, if any."""
        by_people = [c for c in self.owner_changes if c.source is ChangeSource.PERSON]
        return max(by_people, key=lambda change: change.at) if by_people else None


@dataclass(frozen=True)
class CrmKey:
    """How a CRM finds a lead's record: leadqual's lead id (Salesforce's external id) and its
    e-mail (HubSpot's unique contact property)."""

    lead_id: str
    email: str


@dataclass(frozen=True)
class CrmIdentity:
    """Who the person is, for a write that creates their record (a Salesforce lead needs a last
    name and a company); never sent to a record that exists, whose fields people own."""

    first_name: str | None
    last_name: str | None
    company: str | None


@dataclass(frozen=True)
class CrmWrite:
    key: CrmKey
    properties: dict[str, Scalar]
    owner: str | None = None  # a CRM user id, when the owner rule lets leadqual set it
    new_record: CrmIdentity | None = None  # set when no record exists yet


@dataclass(frozen=True)
class CrmWritten:
    record_id: str
    created: bool


@dataclass(frozen=True)
class CrmOutcome:
    """What sales did with a lead, as the CRM says it (a deal closed, a lead disqualified): it becomes
    a leadqual outcome through the same service as POST /leads/{id}/outcome."""

    lead_id: str
    outcome: OutcomeKind
    occurred_at: datetime
    amount: float | None = None
    note: str = ""
    # The CRM field leadqual reads it from and the value there: a value leadqual wrote itself is no
    # news from sales (the service drops it, so nothing loops).
    source_field: str | None = None
    source_value: str | None = None


@dataclass(frozen=True)
class CrmCorrection:
    """A person reassigned a lead's record in the CRM: sales' own correction of leadqual's owner."""

    lead_id: str
    at: datetime
    owner: str | None  # the CRM user id it went to
    by: str | None  # the CRM user who changed it


@dataclass(frozen=True)
class CrmActivity:
    """Sales activity on a lead's record (a call, e-mail, meeting or note logged), as of `at`: it
    acknowledges the lead's alert, and times the first activity after the route."""

    lead_id: str
    at: datetime
    what: str  # the CRM's own words for it, for the timeline


@dataclass(frozen=True)
class CrmChanges:
    """What changed in the CRM since a watermark, and the watermark to ask from next time."""

    outcomes: list[CrmOutcome]
    until: datetime
    corrections: list[CrmCorrection] = field(default_factory=list)
    activities: list[CrmActivity] = field(default_factory=list)


@dataclass(frozen=True)
class CrmAccount:
    """A company as the CRM keeps it: its owner (a CRM user id) and whether it is a target account."""

    domain: str
    owner: str | None
    target: bool | None  # None: the CRM does not say


@dataclass(frozen=True)
class CrmDirectory:
    """Who is who in the CRM: companies changed since the watermark, and every user's active flag."""

    accounts: list[CrmAccount]
    active_users: dict[str, bool]


@dataclass(frozen=True)
class ApiUsage:
    """What a CRM's answer says of the org's API allowance (Sforce-Limit-Info, X-HubSpot-RateLimit-*)."""

    daily_limit: int | None = None
    daily_remaining: int | None = None
    burst_limit: int | None = None
    burst_remaining: int | None = None


@dataclass(frozen=True)
class CrmPlan:
    """One record's write: the fields to set (by CRM name), the owner to set (or None), and why."""

    properties: dict[str, Scalar]
    owner: str | None
    owner_verdict: OwnerVerdict
    conflict: str | None
    digests: dict[str, str]  # every field's digest after this write (what the lead keeps)

    @property
    def writes_anything(self) -> bool:
        return bool(self.properties) or self.owner is not None


def digest(value: Scalar) -> str:
    """A short, stable fingerprint of a written value (kept on the lead, never the value itself)."""
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()[:16]


def crm_values(lead: Lead, console_url: str) -> dict[CrmField, Scalar]:
    """Every value the contract defines, for a routed or held lead (missing ones are left out)."""
    values: dict[CrmField, Scalar] = {}
    if lead.scores is not None:
        scores = lead.scores
        values |= {
            CrmField.SCORE: round(scores.conversion_probability * 100),
            CrmField.PROBABILITY: round(scores.conversion_probability, 4),
            CrmField.GRADE: scores.grade,
            CrmField.FIT: scores.fit,
            CrmField.ENGAGEMENT: scores.engagement,
            CrmField.INTENT: scores.intent,
            CrmField.MODEL_VERSION: scores.model_version,
        }
    scored = [entry.at for entry in lead.history if entry.event == "scored"]
    if scored:
        values[CrmField.SCORED_AT] = scored[-1].isoformat()
    if lead.tier is not None:
        values[CrmField.TIER] = lead.tier
    if lead.policy_version is not None:
        values[CrmField.POLICY_VERSION] = lead.policy_version
    if lead.route is not None:
        values |= {
            CrmField.ROUTE: lead.route.action.value,
            CrmField.OWNER: lead.route.owner,
            CrmField.RULE: lead.route.rule,
        }
    values[CrmField.REASONS] = reasons_in_words(lead.reasons)
    values[CrmField.INTENT_FLAGS] = ";".join(sorted(lead.flags))
    values[CrmField.LEAD_ID] = lead.lead_id
    if console_url:
        values[CrmField.CONSOLE_LINK] = f"{console_url}leads/{lead.lead_id}"
    if lead.review is not None:
        values[CrmField.REVIEW_STATUS] = lead.review.status.value
        if lead.review.decided_by:
            values[CrmField.REVIEWER] = lead.review.decided_by
    values[CrmField.LEAD_STATUS] = _lead_status(lead)
    if lead.source:
        values[CrmField.LEAD_SOURCE] = lead.source
    return values


def reasons_in_words(reasons: list[str]) -> str:
    """The top reasons, one a line, cut to the field's length at a whole reason where it can be."""
    text = "\n".join(reasons[:REASONS_SHOWN])
    if len(text) <= REASONS_MAX_CHARACTERS:
        return text
    kept = text[: REASONS_MAX_CHARACTERS - 1]
    return kept.rsplit("\n", 1)[0] if "\n" in kept else kept + "…"


def _lead_status(lead: Lead) -> str:
    """HubSpot's lead status words, for teams that let leadqual set it (off by default)."""
    if lead.outcomes:
        return (
            "UNQUALIFIED"
            if lead.outcomes[-1].outcome.value in ("disqualified", "closed_lost")
            else "CONNECTED"
        )
    return "NEW" if lead.route is None or lead.route.action.value != "nurture" else "OPEN"


def plan_write(
    values: dict[CrmField, Scalar],
    record: CrmRecord | None,
    policy: CrmPolicy,
    owner_user: str | None,
    written: dict[str, str],
) -> CrmPlan:
    """What to write to `record` (None: it does not exist yet and the write creates it).

    `owner_user` is leadqual's owner as a CRM user id (None: not in the roster, e.g. a team queue);
    `written` is what leadqual last wrote there (CRM name -> digest).
    """
    properties: dict[str, Scalar] = {}
    digests = dict(written)
    for name_of, value in values.items():
        rule = policy.fields[name_of]
        if rule.write is WritePolicy.NEVER:
            continue
        fingerprint = digest(value)
        if written.get(rule.name) == fingerprint:
            continue  # leadqual wrote this value there already
        current = record.values.get(rule.name) if record is not None else None
        if rule.write is WritePolicy.IF_EMPTY and current not in (None, ""):
            continue  # someone's value stays
        properties[rule.name] = value
        digests[rule.name] = fingerprint
    owner, verdict, conflict = _owner(record, policy, owner_user, values.get(CrmField.OWNER))
    return CrmPlan(properties, owner, verdict, conflict, digests)


def _owner(
    record: CrmRecord | None, policy: CrmPolicy, owner_user: str | None, leadqual_owner: Scalar | None
) -> tuple[str | None, OwnerVerdict, str | None]:
    if owner_user is None:
        return None, OwnerVerdict.NOT_MAPPED, None
    if record is not None and record.owner == owner_user:
        return None, OwnerVerdict.UNCHANGED, None
    rule = policy.owner_write
    if rule is OwnerWrite.ALWAYS or record is None or not record.owner:
        return (
            (owner_user, OwnerVerdict.WRITTEN, None)
            if rule is not OwnerWrite.NEVER
            else (None, OwnerVerdict.KEPT, None)
        )
    if rule is OwnerWrite.NEVER:
        return None, OwnerVerdict.KEPT, None
    if rule is OwnerWrite.IF_UNOWNED:
        if record.owner_is_queue or record.owner in policy.unowned_ids:
            return owner_user, OwnerVerdict.WRITTEN, None
        return (
            None,
            OwnerVerdict.KEPT,
            _kept(record, leadqual_owner, "the record has an owner (owner_write: if_unowned)"),
        )
    person = record.person_change()
    if person is None:
        return owner_user, OwnerVerdict.WRITTEN, None
    return None, OwnerVerdict.KEPT, _kept(record, leadqual_owner, person_set_it(person))


def person_set_it(change: OwnerChange) -> str:
    return (
        f"a person ({change.by or 'a CRM user'}) set the owner to {change.value} at {change.at.isoformat()}"
    )


def _kept(record: CrmRecord, leadqual_owner: Scalar | None, why: str) -> str:
    return f"owner {record.owner} kept, not {leadqual_owner}: {why}"


def overwritten_person(before: CrmRecord | None, after: CrmRecord, written_owner: str) -> OwnerChange | None:
    """A person's owner change that leadqual's write overwrote: made after `before` was read (it
    was not in its history) and no longer the owner. The caller writes the person's choice back."""
    seen = {(c.value, c.at) for c in (before.owner_changes if before else [])}
    person = after.person_change()
    if person is None or (person.value, person.at) in seen:
        return None
    return person if after.owner == written_owner and person.value != written_owner else None
