"""What RevOps sets about the CRM (policy.yaml's `crm:` block) and what leadqual keeps of its writes.

The field contract: each value leadqual writes has a name in the CRM and a write policy. Standard
fields (a lead's status, its source) are `never` unless RevOps opts in; the owner has a rule of its
own (`owner_write`) because it is the field people change by hand.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, model_validator


class CrmField(StrEnum):
    """The values leadqual writes to a CRM record (see `leadqual.domain.crm.crm_values`)."""

    LEAD_ID = "lead_id"  # how the CRM's changes find their lead again (Salesforce: the external id)
    SCORE = "score"  # 0-100
    PROBABILITY = "probability"
    GRADE = "grade"
    FIT = "fit"
    ENGAGEMENT = "engagement"
    INTENT = "intent"
    TIER = "tier"
    ROUTE = "route"
    OWNER = "owner"  # leadqual's choice, in words; the CRM's own owner field follows `owner_write`
    RULE = "rule"
    REASONS = "reasons"
    INTENT_FLAGS = "intent_flags"
    MODEL_VERSION = "model_version"
    POLICY_VERSION = "policy_version"
    SCORED_AT = "scored_at"
    CONSOLE_LINK = "console_link"
    REVIEW_STATUS = "review_status"
    REVIEWER = "reviewer"
    # Standard fields: never written unless RevOps opts in (their names are the CRM's own).
    LEAD_STATUS = "lead_status"
    LEAD_SOURCE = "lead_source"


STANDARD_FIELDS = frozenset({CrmField.LEAD_STATUS, CrmField.LEAD_SOURCE})
# The standard fields' names in HubSpot (contact properties); Salesforce's adapter maps its own.
STANDARD_FIELD_NAMES = {CrmField.LEAD_STATUS: "hs_lead_status", CrmField.LEAD_SOURCE: "leadqual_lead_source"}


class WritePolicy(StrEnum):
    ALWAYS = "always"  # whenever leadqual's value changes
    IF_EMPTY = "if_empty"  # only into an empty field: a value anyone put there stays
    NEVER = "never"


class OwnerWrite(StrEnum):
    NEVER = "never"
    IF_UNOWNED = "if_unowned"  # the record has no owner, or a queue or the integration user owns it
    UNLESS_PERSON_CHANGED = "unless_person_changed"  # no person has set the owner in the CRM
    ALWAYS = "always"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldRule(_Strict):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    write: WritePolicy = WritePolicy.ALWAYS


def _default_fields() -> dict[CrmField, FieldRule]:
    return {
        field: FieldRule(name=STANDARD_FIELD_NAMES[field], write=WritePolicy.NEVER)
        if field in STANDARD_FIELDS
        else FieldRule(name=f"leadqual_{field.value}")
        for field in CrmField
    }


class CrmUser(_Strict):
    """One of leadqual's owners (an SDR, an AE) as each CRM knows them: its user (owner) id there."""

    hubspot: str | None = None
    salesforce: str | None = Field(None, pattern=r"^005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$")


RecordLink = Annotated[str, Field(pattern=r"^https://[^\s{}]+\{id\}[^\s{}]*$", max_length=500)]


class RecordLinks(_Strict):
    """Where a record opens in each CRM, `{id}` its id: the "Open in the CRM" buttons (the rep's
    Slack alert, the lead's page). Each CRM account has its own address (HubSpot's portal id and
    region, Salesforce's My Domain), so RevOps sets it; without one, no button is offered."""

    hubspot: RecordLink | None = None  # https://app.hubspot.com/contacts/<portal id>/record/0-1/{id}
    salesforce: RecordLink | None = None  # https://<my domain>.lightning.force.com/lightning/r/Lead/{id}/view

    def of(self, system: str | None, record_id: str | None) -> str | None:
        template = getattr(self, system, None) if system else None
        return template.replace("{id}", quote(record_id, safe="")) if template and record_id else None

    @property
    def any(self) -> bool:
        return bool(self.hubspot or self.salesforce)


class CrmPolicy(_Strict):
    """policy.yaml's `crm:` block. Fields not named keep their defaults (`leadqual_<field>`, always)."""

    owner_write: OwnerWrite = OwnerWrite.UNLESS_PERSON_CHANGED
    fields: dict[CrmField, FieldRule] = Field(default_factory=_default_fields)
    # The roster: leadqual's owner names -> CRM user ids. An owner not listed (a team queue) is
    # written in leadqual_owner only; the CRM's owner field is left as it is.
    users: dict[str, CrmUser] = {}
    # Owners that count as "unowned" for `if_unowned`: queues, the integration user (CRM ids).
    unowned_ids: list[str] = []
    record_links: RecordLinks = Field(default_factory=RecordLinks)

    @model_validator(mode="after")
    def _every_field(self) -> CrmPolicy:
        # A file names only the fields it changes: the rest keep their defaults.
        self.fields = {**_default_fields(), **self.fields}
        names = [rule.name for rule in self.fields.values()]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"fields: two fields are written to the same CRM name {repeated}")
        return self

    def written_fields(self) -> dict[CrmField, FieldRule]:
        return {field: rule for field, rule in self.fields.items() if rule.write is not WritePolicy.NEVER}
