"""`leadqual crm install` and `leadqual crm doctor`: what a RevOps admin runs against their CRM.

Run from an admin's machine, with the credentials in the environment variables the connections file
names (never printed). Both read the same connections file as the stack and `leadqual serve`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from leadqual.adapters.credentials import Credentials, MissingCredential
from leadqual.adapters.hubspot import HubSpotAdmin, HubSpotGateway
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
    if connections.salesforce is not None:
        raise SystemExit("leadqual crm: the Salesforce installer is not built yet; HubSpot is")
    if connections.hubspot is None:
        raise SystemExit(f"leadqual crm: {connections_file} names no CRM (a hubspot: or salesforce: block)")
    return connections


def install_quietly(connections_file: Path) -> int:
    """Creates what is missing and says how many (the demo's step); the count created."""
    admin, policy = _hubspot(_connected(connections_file)), load_policy().crm
    checks = admin.install(fields_to_install(policy), field_labels(policy))
    return sum(1 for check in checks if check.state is FieldState.CREATED)


def install(connections_file: Path, policy_file: Path | None, apply: bool) -> int:
    """Prints what leadqual's fields need in the CRM (the diff); with `apply`, creates them."""
    connections = _connected(connections_file)
    policy = load_policy(policy_file).crm
    admin = _hubspot(connections)
    wanted = fields_to_install(policy)
    checks = admin.install(wanted, field_labels(policy)) if apply else admin.fields(wanted)[0]
    sign = {
        FieldState.PRESENT: "=",
        FieldState.MISSING: "+",
        FieldState.CREATED: "+",
        FieldState.DIFFERS: "!",
    }
    print(f"HubSpot contact properties at {connections.hubspot.base_url if connections.hubspot else ''}:")
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
    hubspot = connections.hubspot
    assert hubspot is not None
    policy = load_policy(policy_file).crm
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
    print(f"leadqual crm doctor: HubSpot at {hubspot.base_url}")
    for check in checks:
        print(check.line())
    return 0 if all(check.passed for check in checks) else 1


def _hubspot_checks(admin: HubSpotAdmin, policy: CrmPolicy, budget: ApiBudgetSettings) -> list[Check]:
    try:
        fields, usage = admin.fields(fields_to_install(policy))
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
            f"{len(mapped)} of policy.yaml's crm.users are active HubSpot owners"
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
