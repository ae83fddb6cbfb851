"""`leadqual crm install` and `leadqual crm doctor`: what a RevOps admin runs against their CRM.

Run from an admin's machine, with the credentials in the environment variables the connections file
names (never printed). Both read the same connections file as the stack and `leadqual serve`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from simple_salesforce.exceptions import SalesforceError

from leadqual.adapters.credentials import Credentials, MissingCredential
from leadqual.adapters.hubspot import HubSpotAdmin, HubSpotGateway
from leadqual.adapters.salesforce import PERMISSION_SET, SalesforceAdmin, SalesforceGateway, api_name
from leadqual.connections import ApiBudgetSettings, Connections, load_connections
from leadqual.domain.crm import ApiUsage, FieldState, field_labels, fields_to_install
from leadqual.domain.policy import load_policy
from leadqual.domain.ports import CrmSyncError
from leadqual.domain.schemas.crm import CrmPolicy

MARK = {True: "ok  ", False: "FAIL"}


class PacedBudget:
    """An admin command's own pace (it makes a handful of requests): no daily share to keep."""

    def __init__(self, settings: ApiBudgetSettings):
        self.interval = 1.0 / settings.requests_per_second
        self.last = 0.0

    def take(self, system: str) -> float:
        wait = self.last + self.interval - time.monotonic()
        if wait > 0:
            return wait
        self.last = time.monotonic()
        return 0.0

    def observe(self, system: str, usage: ApiUsage) -> None:
        pass

    def spent_today(self, system: str) -> tuple[int, int]:
        return 0, 0


@dataclass
class Check:
    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"  {MARK[self.passed]} {self.name:<12} {self.detail}"


def _salesforce(connections: Connections) -> SalesforceAdmin:
    salesforce = connections.salesforce
    assert salesforce is not None
    credentials = Credentials(from_secrets=False)

    def client(fresh: bool) -> tuple[str, str]:
        return (
            credentials.read(salesforce.credentials_secret, salesforce.client_id_env),
            credentials.read(salesforce.credentials_secret, salesforce.client_secret_env),
        )

    gateway = SalesforceGateway(
        str(salesforce.login_url), salesforce.api_version, client, PacedBudget(salesforce.budget)
    )
    return SalesforceAdmin(gateway)


def _admin(connections: Connections) -> HubSpotAdmin | SalesforceAdmin:
    return _hubspot(connections) if connections.hubspot else _salesforce(connections)


def _report(crm: str, checks: list[Check]) -> int:
    """Prints each check, a line each; 1 when any failed."""
    print(f"leadqual crm doctor: {crm}")
    for check in checks:
        print(check.line())
    return 0 if all(check.passed for check in checks) else 1


def _hubspot(connections: Connections) -> HubSpotAdmin:
    hubspot = connections.hubspot
    assert hubspot is not None
    credentials = Credentials(from_secrets=False)
    gateway = HubSpotGateway(
        str(hubspot.base_url),
        hubspot.api_version,
        lambda fresh: credentials.read(hubspot.token_secret, hubspot.token_env, fresh=fresh),
        PacedBudget(hubspot.budget),
    )
    return HubSpotAdmin(gateway)


def _connected(connections_file: Path) -> Connections:
    connections = load_connections(connections_file)
    if connections.crm_system is None:
        raise SystemExit(f"leadqual crm: {connections_file} names no CRM (a hubspot: or salesforce: block)")
    return connections


def install_quietly(connections_file: Path) -> int:
    """Creates what is missing and says how many (the demo's step); the count created."""
    admin, policy = _admin(_connected(connections_file)), load_policy().crm
    checks = admin.install(fields_to_install(policy), field_labels(policy))
    return sum(1 for check in checks if check.state is FieldState.CREATED)


def install(connections_file: Path, policy_file: Path | None, apply: bool) -> int:
    """Prints what leadqual's fields need in the CRM (the diff); with `apply`, creates them."""
    connections = _connected(connections_file)
    policy = load_policy(policy_file).crm_people()
    admin = _admin(connections)
    wanted = fields_to_install(policy)
    checks = admin.install(wanted, field_labels(policy)) if apply else admin.fields(wanted)
    sign = {
        FieldState.PRESENT: "=",
        FieldState.MISSING: "+",
        FieldState.CREATED: "+",
        FieldState.DIFFERS: "!",
    }
    if connections.hubspot:
        print(f"HubSpot contact properties at {connections.hubspot.base_url}:")
    elif connections.salesforce:
        print(f"Salesforce custom fields on Lead at {connections.salesforce.login_url} "
              f"(and the permission set {PERMISSION_SET}: edit on these fields only):")  # fmt: skip
    for check in checks:
        state = "would create" if check.state is FieldState.MISSING else check.state.value
        print(f"  {sign[check.state]} {check.name:<28} {state} ({check.detail})")
    missing = sum(1 for c in checks if c.state is FieldState.MISSING)
    differs = [c.name for c in checks if c.state is FieldState.DIFFERS]
    if apply:
        created = sum(1 for c in checks if c.state is FieldState.CREATED)
        print(
            f"{created} created, {len(checks) - created - len(differs)} already there (running it again changes nothing)."
        )
    else:
        print(f"{missing} to create: run again with --apply. Nothing was changed (--dry-run).")
    if differs:
        print(
            f"{len(differs)} hold another type: rename them in policy.yaml's crm.fields, leadqual never changes them: {differs}"
        )
    return 1 if differs else 0


def doctor(connections_file: Path, policy_file: Path | None) -> int:
    """Checks the credential, auth, fields, owners and API headroom; exit 1 if any check fails."""
    connections = _connected(connections_file)
    if connections.salesforce is not None:
        return _salesforce_doctor(connections, load_policy(policy_file).crm_people())
    hubspot = connections.hubspot
    assert hubspot is not None
    policy = load_policy(policy_file).crm_people()
    checks: list[Check] = []
    token_set = bool(os.environ.get(hubspot.token_env))
    checks.append(
        Check(
            "credential",
            token_set,
            f"${hubspot.token_env} {'is set' if token_set else 'is not set'} (never printed)",
        )
    )
    if token_set:
        checks += _hubspot_checks(_hubspot(connections), policy, hubspot.budget)
    return _report(f"HubSpot at {hubspot.base_url}", checks)


def _hubspot_checks(admin: HubSpotAdmin, policy: CrmPolicy, budget: ApiBudgetSettings) -> list[Check]:
    try:
        fields, usage = admin.fields_and_usage(fields_to_install(policy))
    except (CrmSyncError, MissingCredential) as error:
        return [Check("auth", False, f"{type(error).__name__}: {error}")]
    checks = [Check("auth", True, "the token reads contact properties (crm.schemas.contacts.read)")]
    wrong = [f.name for f in fields if f.state is not FieldState.PRESENT]
    checks.append(Check(
        "fields", not wrong,
        f"all {len(fields)} leadqual properties present" if not wrong else f"missing or of another type: {wrong}: run `leadqual crm install --apply`",
    ))  # fmt: skip
    try:
        owners = admin.owners()
    except CrmSyncError as error:
        checks.append(Check("owners", False, f"cannot read owners (crm.objects.owners.read): {error}"))
    else:
        mapped = {name: user.hubspot for name, user in policy.users.items() if user.hubspot}
        unknown = sorted(name for name, owner in mapped.items() if owner not in owners)
        inactive = sorted(name for name, owner in mapped.items() if owners.get(owner) is False)
        checks.append(Check(
            "owners", not unknown and not inactive,
            f"{len(mapped)} of policy.yaml's CRM users (the roster's, crm.users) are active HubSpot owners"
            if not unknown and not inactive else f"not owners: {unknown}; archived: {inactive}",
        ))  # fmt: skip
    if usage.daily_limit is not None and usage.daily_remaining is not None:
        share = int(usage.daily_limit * budget.daily_share)
        checks.append(Check(
            "headroom", usage.daily_remaining >= share,
            f"{usage.daily_remaining:,} of {usage.daily_limit:,} requests left today; leadqual's share is "
            f"{share:,} ({budget.daily_share:.0%}); burst {usage.burst_remaining}/{usage.burst_limit} per 10 s",
        ))  # fmt: skip
    else:
        checks.append(
            Check(
                "headroom",
                True,
                "HubSpot sent no daily limit (an OAuth app has none); the pace still applies",
            )
        )
    return checks


def _salesforce_doctor(connections: Connections, policy: CrmPolicy) -> int:
    salesforce = connections.salesforce
    assert salesforce is not None
    checks: list[Check] = []
    named = [salesforce.client_id_env, salesforce.client_secret_env]
    unset = [name for name in named if not os.environ.get(name)]
    checks.append(
        Check(
            "credential",
            not unset,
            f"${' and $'.join(named)} {'are set' if not unset else 'not set: ' + str(unset)} (never printed)",
        )
    )
    if not unset:
        checks += _salesforce_checks(_salesforce(connections), policy, salesforce.budget)
    return _report(f"Salesforce at {salesforce.login_url}", checks)


def _salesforce_checks(admin: SalesforceAdmin, policy: CrmPolicy, budget: ApiBudgetSettings) -> list[Check]:
    wanted = fields_to_install(policy)
    try:
        fields = admin.fields(wanted)
    except (CrmSyncError, MissingCredential, SalesforceError) as error:
        return [
            Check(
                "auth",
                False,
                f"{type(error).__name__}: the External Client App's client-credentials sign-in failed",
            )
        ]
    checks = [Check("auth", True, "the client-credentials flow signs in as the run-as integration user")]
    wrong = [f.name for f in fields if f.state is not FieldState.PRESENT]
    checks.append(Check("fields", not wrong, f"all {len(fields)} leadqual fields on Lead" if not wrong
                        else f"missing or of another type: {wrong}: run `leadqual crm install --apply`"))  # fmt: skip
    editable = set(admin.permission_set_fields())
    needed = {f"Lead.{api_name(name)}" for name in wanted}
    checks.append(Check("permission", needed <= editable,
                        f"{PERMISSION_SET} gives edit on all {len(needed)} fields" if needed <= editable
                        else f"{PERMISSION_SET} lacks edit on {sorted(needed - editable)}: run `leadqual crm install --apply`"))  # fmt: skip
    users = admin.active_users()
    mapped = {name: user.salesforce for name, user in policy.users.items() if user.salesforce}
    unknown = sorted(name for name, user_id in mapped.items() if user_id not in users)
    inactive = sorted(name for name, user_id in mapped.items() if users.get(str(user_id)) is False)
    checks.append(Check("owners", not unknown and not inactive,
                        f"{len(mapped)} of policy.yaml's CRM users (the roster's, crm.users) are active Salesforce users" if not unknown and not inactive
                        else f"not users: {unknown}; inactive: {inactive}"))  # fmt: skip
    remaining, allocation = admin.headroom()
    share = int(allocation * budget.daily_share)
    checks.append(Check("headroom", remaining >= share,
                        f"{remaining:,} of {allocation:,} API requests left today in the org; leadqual's share is {share:,} ({budget.daily_share:.0%})"))  # fmt: skip
    return checks
