"""Reads sales' outcomes back from the CRM, and who owns what: the loop closes without a script.

Every few minutes (and in a nightly pass over the last week, which catches what a poll missed) the
CRM's changes since the watermark are read: deals closed won or lost, leads disqualified. Each
becomes a leadqual outcome through the same service as POST /leads/{id}/outcome, which keeps an
outcome once however often it is read. A value leadqual itself wrote to the CRM is no news from
sales and is dropped, so nothing loops. Each poll also reads the companies changed since the
watermark (their owner and whether they are target accounts) into leadqual's accounts, and which
reps the CRM says have left, who then take no new lead in round robin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from leadqual.domain.crm import CrmActivity, CrmCorrection, CrmDirectory, CrmOutcome, digest
from leadqual.domain.ports import AlertQueue, CrmGateway, CrmWatermarks, LeadStore, SignalStore
from leadqual.domain.schemas.account import Account
from leadqual.domain.schemas.alerts import alert_id_for
from leadqual.domain.schemas.crm import CrmPolicy
from leadqual.domain.schemas.crm_writes import CrmCorrectionEntry, CrmSyncState
from leadqual.domain.schemas.inputs import OutcomeReport
from leadqual.domain.schemas.lead import Lead
from leadqual.domain.schemas.messages import AlertWork, AlertWorkKind
from leadqual.domain.schemas.roster import CreditReason
from leadqual.domain.schemas.shared import MAX_BACKFILL
from leadqual.services.distribution import DistributionService
from leadqual.services.leads import add_history, duration_in_words, update_lead
from leadqual.services.outcomes import OutcomeService

# A poll reads from a little before the watermark: a change the CRM indexed late is still seen.
OVERLAP = timedelta(minutes=5)
FIRST_READ = timedelta(days=1)  # how far back the first poll looks
RECONCILE_WINDOW = timedelta(days=7)  # the nightly pass


@dataclass
class CrmRead:
    """What one poll found, for its log line and the console."""

    read: int = 0
    recorded: int = 0
    already_known: int = 0
    own_writes: int = 0
    unknown_leads: list[str] = field(default_factory=list)
    accounts_updated: int = 0
    reps_inactive: list[str] = field(default_factory=list)
    corrections: int = 0
    activities: int = 0


@dataclass
class CrmReadService:
    leads: LeadStore
    gateway: CrmGateway | None
    outcomes: OutcomeService
    watermarks: CrmWatermarks
    signals: SignalStore
    distribution: DistributionService
    policy: CrmPolicy
    # Where activity on a record goes to acknowledge the rep's alert (None: no alerts deployed).
    alert_queue: AlertQueue | None = None

    def poll(self, now: datetime, reconcile: bool = False) -> CrmRead:
        summary = CrmRead()
        if self.gateway is None:
            return summary
        system = self.gateway.system
        watermark = self.watermarks.read_from(system)
        if reconcile:
            since = now - RECONCILE_WINDOW
        else:
            since = watermark - OVERLAP if watermark else now - FIRST_READ
        changes = self.gateway.changes_since(since)
        found = self.leads.get_leads(sorted({o.lead_id for o in changes.outcomes}))
        for outcome in changes.outcomes:
            summary.read += 1
            lead = found.get(outcome.lead_id)
            if lead is None:
                summary.unknown_leads.append(outcome.lead_id)
            elif _written_by_leadqual(lead, outcome):
                summary.own_writes += 1
            elif _known(lead, outcome, now):
                summary.already_known += 1
            else:
                self.outcomes.record(outcome.lead_id, _report(outcome, now))
                summary.recorded += 1
        names = self._names(system)  # the roster read once a poll
        self._record_corrections(changes.corrections, names, summary)
        self._record_activity(changes.activities, summary)
        self._read_directory(self.gateway.directory(since), names, now, summary)
        if not reconcile:
            self.watermarks.advance(system, min(changes.until, now))
        return summary

    def _record_corrections(
        self, corrections: list[CrmCorrection], names: dict[str, str], summary: CrmRead
    ) -> None:
        """Owners sales changed in the CRM after leadqual routed the lead: each a misroute, once; the
        SDR who held the lead is freed of it."""
        assert self.gateway is not None
        found = self.leads.get_leads(sorted({c.lead_id for c in corrections}))
        for correction in corrections:
            lead = found.get(correction.lead_id)
            if lead is None or lead.route is None or correction.at <= lead.route.routed_at:
                continue  # not leadqual's route, or a change from before it
            owner = names.get(correction.owner or "", f"CRM user {correction.owner}")
            if owner == lead.route.owner:
                continue  # the owner leadqual chose: no correction
            if self._note_correction(
                correction.lead_id, CrmCorrectionEntry(at=correction.at, owner=owner, by=correction.by)
            ):
                summary.corrections += 1
                self.distribution.release(correction.lead_id)
                # Fairness follows the person's choice: off the rep leadqual chose, onto theirs.
                taken_by = owner if correction.owner in names else None
                self.distribution.credit(correction.lead_id, CreditReason.CRM_REASSIGNED, taken_by)

    def _record_activity(self, activities: list[CrmActivity], summary: CrmRead) -> None:
        """Sales activity on a routed lead's record: the first after the route is timed (the
        reports' time to first activity), and it acknowledges the rep's alert, which stops the SLA
        chain (as Chili Piper's CRM activity does). Each is sent once however often it is read."""
        found = self.leads.get_leads(sorted({a.lead_id for a in activities}))
        for activity in sorted(activities, key=lambda a: a.at):
            lead = found.get(activity.lead_id)
            if lead is None or lead.route is None or activity.at < lead.route.routed_at:
                continue  # not leadqual's route, or activity from before it
            if self._note_first_activity(activity):
                summary.activities += 1
            if self.alert_queue is None or (
                lead.sla is not None and lead.sla.seconds_to_acknowledge is not None
            ):
                continue  # no alerts here, or acknowledged already (in Slack, by a link, or by this)
            assignment = self.distribution.assignment_of(activity.lead_id)
            alert_id = alert_id_for(activity.lead_id, assignment.attempt if assignment else 0)
            self.alert_queue.send(AlertWork(
                work_id=f"{alert_id}-crm-activity", kind=AlertWorkKind.CRM_ACTIVITY, alert_id=alert_id,
                lead_id=activity.lead_id, at=activity.at,
            ))  # fmt: skip

    def _note_first_activity(self, activity: CrmActivity) -> bool:
        """Times the lead's first activity after its route, once; whether this was it."""

        first: list[bool] = []

        def note(current: Lead) -> bool:
            route, sla = current.route, current.sla
            if route is None or sla is None or sla.seconds_to_first_activity is not None:
                return False
            sla.seconds_to_first_activity = (activity.at - route.routed_at).total_seconds()
            add_history(current, "crm_activity",
                        f"first activity on the CRM record ({activity.what}) after "
                        f"{duration_in_words(sla.seconds_to_first_activity)}")  # fmt: skip
            first.append(True)
            return True

        update_lead(self.leads, activity.lead_id, note)
        return bool(first)

    def _note_correction(self, lead_id: str, entry: CrmCorrectionEntry) -> bool:
        """Adds the correction to the lead, once (a later poll reads it again); whether it was new."""
        added: list[bool] = []

        def note(current: Lead) -> bool:
            state = current.crm or CrmSyncState(system=self.gateway.system if self.gateway else None)
            if any(c.at == entry.at for c in state.corrections):
                return False
            state.corrections = [*state.corrections, entry]
            current.crm = state
            add_history(current, "crm_owner_corrected",
                        f"sales reassigned the lead to {entry.owner} in the CRM: a misroute in the reports")  # fmt: skip
            added.append(True)
            return True

        update_lead(self.leads, lead_id, note)
        return bool(added)

    def _names(self, system: str) -> dict[str, str]:
        """CRM user id -> leadqual's name for them (the roster's reps, then `crm.users`)."""
        return {
            user_id: name for name, user in self.distribution.crm_users(self.policy.users).items()
            if (user_id := getattr(user, system, None)) is not None
        }  # fmt: skip

    def _read_directory(
        self, directory: CrmDirectory, names: dict[str, str], now: datetime, summary: CrmRead
    ) -> None:
        """Account owners and target-account lists into leadqual's accounts; reps who left (their
        CRM user archived) out of round robin. Only the people mapped (the roster, `crm.users`) are known."""
        assert self.gateway is not None
        for company in directory.accounts:
            current = self.signals.get_account(company.domain)
            account = current or Account(domain=company.domain, updated_at=now)
            changes: dict[str, object] = {}
            if company.target is not None and company.target != account.named_account:
                changes["named_account"] = company.target
            owner = names.get(company.owner) if company.owner else None
            if owner is not None and owner != account.owner:
                changes["owner"] = owner
            if changes:
                self.signals.put_account(account.model_copy(update={**changes, "updated_at": now}))
                summary.accounts_updated += 1
        for user_id, name in names.items():
            active = directory.active_users.get(user_id)
            if active is not None:
                self.distribution.set_active(name, active)
                if not active:
                    summary.reps_inactive.append(name)


def _occurred_at(outcome: CrmOutcome, now: datetime) -> datetime:
    # A CRM's close date may be planned ahead, or years back: kept within what an outcome may say.
    return max(min(outcome.occurred_at, now), now - MAX_BACKFILL + timedelta(days=1))


def _report(outcome: CrmOutcome, now: datetime) -> OutcomeReport:
    return OutcomeReport(
        outcome=outcome.outcome,
        amount=outcome.amount,
        note=outcome.note[:2000],
        occurred_at=_occurred_at(outcome, now),
    )


def _known(lead: Lead, outcome: CrmOutcome, now: datetime) -> bool:
    at = _occurred_at(outcome, now)
    return any(o.outcome == outcome.outcome and o.occurred_at == at for o in lead.outcomes)


def _written_by_leadqual(lead: Lead, outcome: CrmOutcome) -> bool:
    """The CRM holds there the value leadqual last wrote (a lead status it set after an outcome)."""
    if outcome.source_field is None or outcome.source_value is None or lead.crm is None:
        return False
    return lead.crm.written.get(outcome.source_field) == digest(outcome.source_value)
