"""Writes leads' scores, reasons, route and owner to the CRM: a batch of changes at a time.

For a batch: the leads are read from the lead store (the messages carry ids only); the values the
field contract defines are computed; a lead whose values leadqual has written already needs no CRM
request at all (a redelivered change writes nothing). The others' records are read in one batch
(their owners and owner history), planned (`leadqual.domain.crm.plan_write`), and written in one
batch. If leadqual set an owner, the records are read once more: a person who changed the owner
between leadqual's read and its write gets their choice written back, and the conflict is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from leadqual.domain.crm import (
    CrmIdentity,
    CrmKey,
    CrmPlan,
    CrmRecord,
    CrmWrite,
    CrmWritten,
    crm_values,
    digest,
    overwritten_person,
    person_set_it,
    plan_write,
)
from leadqual.domain.ports import CrmGateway, CrmLedger, CrmRecordRefused, CrmSyncError, LeadStore
from leadqual.domain.schemas.crm import CrmField, CrmPolicy, CrmUser, WritePolicy
from leadqual.domain.schemas.crm_writes import (
    CrmConflict,
    CrmRefusal,
    CrmSyncState,
    CrmWriteEntry,
    OwnerVerdict,
)
from leadqual.domain.schemas.lead import Lead
from leadqual.domain.schemas.shared import utc_now
from leadqual.services.leads import add_history, update_lead

if TYPE_CHECKING:
    from leadqual.domain.schemas.messages import CrmSyncRequest
    from leadqual.services.distribution import DistributionService

NO_CRM = "no CRM is connected (no connections file): nothing was written to a CRM"
MAX_WRITES_KEPT = 20  # on the lead, newest last: its page shows them


class UnknownLead(CrmRecordRefused):
    def __init__(self, lead_id: str):
        super().__init__("not_found", f"lead {lead_id} does not exist")


@dataclass(frozen=True)
class Pending:
    """One lead of the batch that needs a write: what it asks, and the values it has now."""

    request: CrmSyncRequest
    lead: Lead
    values: dict[CrmField, str | int | float]

    @property
    def key(self) -> CrmKey:
        return CrmKey(self.lead.lead_id, self.lead.email)


@dataclass
class CrmSyncService:
    leads: LeadStore
    gateway: CrmGateway | None  # None: no CRM is connected
    policy: CrmPolicy
    ledger: CrmLedger
    console_url: str = ""
    # The roster, whose reps carry their CRM user ids (None: `crm.users` of the policy only).
    roster: DistributionService | None = None
    # Owners a person set that leadqual overwrote and could not write back in this batch, by lead.
    _still_to_restore: dict[str, str] = field(default_factory=dict)

    def sync(self, requests: Sequence[CrmSyncRequest]) -> list[Exception | None]:
        """One outcome per request: None when the lead's record holds its values (written now, or
        already), else why not."""
        found = self.leads.get_leads(sorted({r.lead_id for r in requests}))
        outcomes: dict[int, Exception | None] = {}
        pending: dict[str, Pending] = {}  # by lead: two changes of one lead in a batch write once
        for position, request in enumerate(requests):
            lead = found.get(request.lead_id)
            if lead is None:
                outcomes[position] = UnknownLead(request.lead_id)
            elif self.gateway is None:
                self._note_no_crm(lead)
                outcomes[position] = None
            else:
                values = crm_values(lead, self.console_url)
                if self._written_already(lead, values):
                    outcomes[position] = None
                else:
                    pending[lead.lead_id] = Pending(request, lead, values)
        if pending:
            try:
                results = self._write(list(pending.values()))
            except CrmSyncError as whole_call:
                # Nothing can be said of any record (unavailable, auth, the budget spent): each
                # change that needed a write waits for the next attempt; the others are done.
                results = dict.fromkeys(pending, whole_call)
            for position, request in enumerate(requests):
                if request.lead_id in results:
                    outcomes[position] = results[request.lead_id]
        return [outcomes.get(position) for position in range(len(requests))]

    # ----- the write -----
    def _write(self, pending: list[Pending]) -> dict[str, Exception | None]:
        assert self.gateway is not None
        gateway = self.gateway
        self._still_to_restore.clear()
        fields = [rule.name for rule in self.policy.written_fields().values()]
        users = self.roster.crm_users(self.policy.users) if self.roster else self.policy.users
        before = gateway.read([p.key for p in pending], fields)
        plans = {
            p.lead.lead_id: plan_write(
                p.values,
                before.get(p.lead.lead_id),
                self.policy,
                _crm_user(p.lead, gateway.system, users),
                p.lead.crm.written if p.lead.crm and p.lead.crm.system == gateway.system else {},
            )
            for p in pending
        }
        writes = [
            CrmWrite(
                p.key, plans[p.lead.lead_id].properties, _owner_to_write(p.lead, plans[p.lead.lead_id]),
                new_record=None if p.lead.lead_id in before else _identity(p.lead),
            )
            for p in pending
            if plans[p.lead.lead_id].writes_anything or p.lead.lead_id not in before or _restore_of(p.lead)
        ]  # fmt: skip
        written = gateway.write(writes) if writes else {}
        restored = self._keep_people_owners(pending, before, plans, written)
        outcomes: dict[str, Exception | None] = {}
        for p in pending:
            lead_id = p.lead.lead_id
            result = written.get(lead_id)
            if isinstance(result, CrmRecordRefused):
                outcomes[lead_id] = result
                continue
            record_id = result.record_id if result else before[lead_id].record_id
            self._record(p, plans[lead_id], record_id, result, restored.get(lead_id))
            outcomes[lead_id] = None
        return outcomes

    def _keep_people_owners(
        self,
        pending: list[Pending],
        before: dict[str, CrmRecord],
        plans: dict[str, CrmPlan],
        written: dict[str, CrmWritten | CrmRecordRefused],
    ) -> dict[str, str]:
        """Reads back the records whose owner leadqual set: where a person changed the owner between
        the read and the write, writes their choice back. Returns the conflicts, by lead."""
        assert self.gateway is not None
        # A record the write created had no owner for anyone to set before it.
        owners_set = [
            p for p in pending
            if plans[p.lead.lead_id].owner is not None
            and isinstance(result := written.get(p.lead.lead_id), CrmWritten) and not result.created
        ]  # fmt: skip
        if not owners_set:
            return {}
        after = self.gateway.read([p.key for p in owners_set], [])
        restores: list[CrmWrite] = []
        conflicts: dict[str, str] = {}
        for p in owners_set:
            lead_id, owner = p.lead.lead_id, plans[p.lead.lead_id].owner
            assert owner is not None
            person = (
                overwritten_person(before.get(lead_id), after[lead_id], owner) if lead_id in after else None
            )
            if person is not None and person.value is not None:
                restores.append(CrmWrite(p.key, {}, person.value))
                conflicts[lead_id] = (
                    f"owner {person.value} kept, not {p.values.get(CrmField.OWNER)}: {person_set_it(person)}, "
                    "while leadqual was writing; leadqual wrote it back"
                )
        if restores:
            try:
                refused = {
                    lead_id for lead_id, result in self.gateway.write(restores).items()
                    if isinstance(result, CrmRecordRefused)
                }  # fmt: skip
            except CrmSyncError:
                refused = {write.key.lead_id for write in restores}
            for write in restores:
                if write.key.lead_id in refused:
                    # Kept on the lead: the next write of this lead writes the person's owner back first.
                    self._still_to_restore[write.key.lead_id] = str(write.owner)
                    conflicts[write.key.lead_id] = conflicts[write.key.lead_id].replace(
                        "leadqual wrote it back",
                        "leadqual could not write it back yet and will with its next write",
                    )
        return conflicts

    def _record(
        self,
        pending: Pending,
        plan: CrmPlan,
        record_id: str,
        result: CrmWritten | None,
        restored_conflict: str | None,
    ) -> None:
        system = self.gateway.system if self.gateway else ""
        verdict = OwnerVerdict.KEPT if restored_conflict else plan.owner_verdict
        conflict = restored_conflict or plan.conflict
        owner_digest = digest(pending.values[CrmField.OWNER]) if CrmField.OWNER in pending.values else None
        entry = CrmWriteEntry(
            at=utc_now(), system=system, record_id=record_id, created=bool(result and result.created),
            changed=sorted(plan.properties) + (["owner"] if plan.owner and not restored_conflict else []),
            owner=verdict, conflict=conflict, change=pending.request.change.value,
        )  # fmt: skip

        def note(current: Lead) -> None:
            state = (
                current.crm if current.crm and current.crm.system == system else CrmSyncState(system=system)
            )
            state.record_id = record_id
            state.written = dict(plan.digests)
            if owner_digest is not None:
                # The owner decision was made for this owner: the same owner again needs no read.
                state.written[OWNER_DECIDED] = owner_digest
            state.dead_letter = None
            state.restore_owner = self._still_to_restore.pop(pending.lead.lead_id, None)
            state.writes = [*state.writes, entry][-MAX_WRITES_KEPT:]
            current.crm = state
            add_history(current, "crm_written", _in_words(entry))
            if conflict:
                add_history(current, "crm_owner_conflict", conflict)

        update_lead(self.leads, pending.lead.lead_id, note)
        if conflict:
            self.ledger.note_conflict(CrmConflict(lead_id=pending.lead.lead_id, at=entry.at, detail=conflict))

    # ----- what needs no request -----
    def _written_already(self, lead: Lead, values: dict[CrmField, str | int | float]) -> bool:
        """Every value, and the owner decision, is what leadqual last wrote for this lead."""
        state = lead.crm
        if _restore_of(lead) or (
            state is None
            or self.gateway is None
            or state.system != self.gateway.system
            or not state.record_id
        ):
            return False
        for contract_field, value in values.items():
            rule = self.policy.fields[contract_field]
            if rule.write is not WritePolicy.NEVER and state.written.get(rule.name) != digest(value):
                return False
        owner = values.get(CrmField.OWNER)
        return owner is None or state.written.get(OWNER_DECIDED) == digest(owner)

    def _note_no_crm(self, lead: Lead) -> None:
        if lead.crm is not None:
            return  # said once

        def note(current: Lead) -> bool:
            if current.crm is not None:
                return False
            current.crm = CrmSyncState()
            add_history(current, "crm_not_connected", NO_CRM)
            return True

        update_lead(self.leads, lead.lead_id, note)

    def dead_lettered(self, request: CrmSyncRequest, reason: str, message: str) -> None:
        """The change could not be written after every attempt: the lead says why (and the console
        offers to retry it from the DLQ)."""

        def note(current: Lead) -> None:
            state = current.crm or CrmSyncState(system=self.gateway.system if self.gateway else None)
            state.dead_letter = reason
            current.crm = state
            add_history(current, "crm_dead_lettered", f"{reason}: {message}"[:500])

        update_lead(self.leads, request.lead_id, note)
        self.ledger.note_refused(CrmRefusal(
            lead_id=request.lead_id, change_id=request.change_id, reason=reason, message=message[:500], at=utc_now(),
        ))  # fmt: skip


def _identity(lead: Lead) -> CrmIdentity:
    return CrmIdentity(lead.first_name, lead.last_name, lead.company.name or lead.account)


def _restore_of(lead: Lead) -> str | None:
    """A person's owner leadqual overwrote and still has to write back (see `_keep_people_owners`)."""
    return lead.crm.restore_owner if lead.crm is not None else None


def _owner_to_write(lead: Lead, plan: CrmPlan) -> str | None:
    # A person's owner still to be written back wins over any owner leadqual would choose.
    return _restore_of(lead) or plan.owner


# Where the lead keeps the digest of the owner the last decision was about (not a CRM name).
OWNER_DECIDED = "(owner decided)"


def _in_words(entry: CrmWriteEntry) -> str:
    what = ", ".join(entry.changed) if entry.changed else "nothing changed"
    verb = "created" if entry.created else "updated"
    owner = {
        OwnerVerdict.WRITTEN: "owner set",
        OwnerVerdict.UNCHANGED: "owner already leadqual's",
        OwnerVerdict.KEPT: "owner kept",
        OwnerVerdict.NOT_MAPPED: "owner not in the CRM roster: left as it is",
    }[entry.owner]
    return f"{entry.system} record {entry.record_id} {verb}: {what}; {owner}"


def _crm_user(lead: Lead, system: str, users: dict[str, CrmUser]) -> str | None:
    """The CRM user id of the lead's owner, if they are one of leadqual's people the CRM knows."""
    if lead.route is None:
        return None
    user = users.get(lead.route.owner)
    return getattr(user, system, None) if user else None
