"""HubSpot behind the CrmGateway port: contacts read and upserted in batches, on httpx.

A thin adapter on httpx rather than hubspot-api-client, whose 12.x covers only the v1-v4 paths that
end in September 2027; leadqual uses the date-versioned object API (`/crm/objects/2026-03/...`).

The requests and answers, as HubSpot documents them:
- batch read, `POST /crm/objects/{version}/contacts/batch/read` with `idProperty: email`,
  `properties` and `propertiesWithHistory: [hubspot_owner_id]`: each result's history lists every
  owner change with its `sourceType` (CRM_UI for a person) and `sourceId` (`userId:123`)
  (developers.hubspot.com/docs/api-reference/latest/crm/objects/objects/batch/get-objects);
- batch upsert, `POST /crm/objects/{version}/contacts/batch/upsert`, inputs of `{id, idProperty,
  properties}`, up to 100 a call; each result says whether it was `new`
  (developers.hubspot.com/docs/api-reference/2026-03/crm/objects/contacts/batch/upsert-contacts);
- errors are `{status: error, category, message, errors: [{message, code, context}]}`; a property a
  validation rule refuses is `400 VALIDATION_ERROR` naming it (developers.hubspot.com/docs/faq/
  api-error-responses); from 2026-09 admins' validation rules apply to API writes too;
- every answer carries `X-HubSpot-RateLimit-*` (daily and per-interval limits and what remains);
  a 429 carries `Retry-After` (developers.hubspot.com/docs/api/usage-details).

Search is never used per lead: it allows 4 requests a second for the whole account. The read side
(`changes_since`) searches a few times a poll: deals closed since a watermark
(`POST /crm/objects/{version}/deals/search`, filterGroups/sorts/after paging: developers.hubspot.com/
docs/api-reference/latest/crm/objects/objects/search), their contacts through the associations API
(`POST /crm/associations/{version}/deals/contacts/batch/read`: developers.hubspot.com/docs/
api-reference/latest/crm/associations/associate-records/batch/get-associations), and contacts whose
lead status became UNQUALIFIED.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from leadqual.domain.crm import (
    ApiUsage,
    ChangeSource,
    CrmAccount,
    CrmActivity,
    CrmChanges,
    CrmCorrection,
    CrmDirectory,
    CrmKey,
    CrmOutcome,
    CrmRecord,
    CrmWrite,
    CrmWritten,
    FieldCheck,
    FieldKind,
    FieldState,
    OwnerChange,
)
from leadqual.domain.ports import (
    ApiBudget,
    CrmAuthFailed,
    CrmRecordRefused,
    CrmSyncError,
    CrmUnavailable,
)
from leadqual.domain.schemas.vocabulary import OutcomeKind

SYSTEM = "hubspot"
OWNER_PROPERTY = "hubspot_owner_id"
BATCH_LIMIT = 100
# Changes people make: the CRM's web UI and its mobile apps (sourceId `userId:<id>`).
PERSON_SOURCES = frozenset({"CRM_UI", "MOBILE_IOS", "MOBILE_ANDROID"})
# How long one call may wait in all, on 429s and 5xx, before the message goes back to its queue.
LONGEST_WAIT_SECONDS = 60.0
SERVER_ERROR_ATTEMPTS = 4
REQUEST_TIMEOUT_SECONDS = 15.0
# leadqual's lead id on each contact it writes (CrmField.LEAD_ID's default name): how a deal finds its lead.
LEAD_ID_PROPERTY = "leadqual_lead_id"
# Set by HubSpot when a rep logs a call, e-mail, meeting or note on the contact (the calculated
# "Last Engagement Date"): activity that acknowledges a lead, and times its first touch.
LAST_ACTIVITY = "hs_last_sales_activity_timestamp"
LAST_ACTIVITY_TYPE = "hs_last_sales_activity_type"
UNQUALIFIED = "UNQUALIFIED"  # HubSpot's lead status for a lead sales disqualified
# A poll reads at most this many pages of 100 per search; the watermark moves to the newest seen.
SEARCH_PAGES_PER_POLL = 20


class HubSpotGateway:
    system = SYSTEM

    def __init__(
        self,
        base_url: str,
        api_version: str,
        token: Callable[[bool], str],
        budget: ApiBudget,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        """`token(fresh)` reads the private app's or service key's token; fresh after a 401, when
        the secret may have been rotated."""
        self.base_url = str(base_url).rstrip("/")
        self.api_version = api_version
        self.objects = f"/crm/objects/{api_version}/contacts"
        self.token = token
        self.budget = budget
        self.http = client or httpx.Client(timeout=REQUEST_TIMEOUT_SECONDS)
        self.sleep = sleep
        self.requests_made = 0

    # ----- the port -----
    def read(self, keys: Sequence[CrmKey], properties: Sequence[str]) -> dict[str, CrmRecord]:
        by_email = {key.email.lower(): key.lead_id for key in keys}
        found: dict[str, CrmRecord] = {}
        emails = list(by_email)
        for start in range(0, len(emails), BATCH_LIMIT):
            body = {
                "idProperty": "email",
                "inputs": [{"id": email} for email in emails[start : start + BATCH_LIMIT]],
                "properties": sorted({"email", OWNER_PROPERTY, *properties}),
                "propertiesWithHistory": [OWNER_PROPERTY],
            }
            # 207: some inputs were not found (their errors say which); the rest are results.
            answer = self._post(f"{self.objects}/batch/read", body, accept=(200, 207))
            for result in answer.get("results", []):
                values: dict[str, str | None] = result.get("properties") or {}
                email = (values.get("email") or "").lower()
                if email in by_email:
                    found[by_email[email]] = _record(result)
        return found

    def write(self, writes: Sequence[CrmWrite]) -> dict[str, CrmWritten | CrmRecordRefused]:
        outcomes: dict[str, CrmWritten | CrmRecordRefused] = {}
        for start in range(0, len(writes), BATCH_LIMIT):
            outcomes |= self._upsert(list(writes[start : start + BATCH_LIMIT]))
        return outcomes

    def changes_since(self, since: datetime) -> CrmChanges:
        """Deals closed won or lost, and contacts whose lead status became UNQUALIFIED, modified from
        `since` on: each with the contacts' leadqual lead id. A few searches a poll (never one per lead)."""
        since_ms = str(int(since.timestamp() * 1000))
        deals, until = self._search(
            "deals",
            [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": since_ms},
             {"propertyName": "hs_is_closed", "operator": "EQ", "value": "true"}],
            ["hs_is_closed_won", "amount", "closedate", "dealname", "hs_lastmodifieddate"],
            "hs_lastmodifieddate", since,
        )  # fmt: skip
        outcomes: list[CrmOutcome] = []
        contacts_of = self._deal_contacts([deal["id"] for deal in deals])
        lead_ids = self._lead_ids(sorted({c for ids in contacts_of.values() for c in ids}))
        for deal in deals:
            values = deal.get("properties") or {}
            won = str(values.get("hs_is_closed_won", "")).lower() == "true"
            for contact in contacts_of.get(str(deal["id"]), []):
                if contact in lead_ids:
                    outcomes.append(CrmOutcome(
                        lead_id=lead_ids[contact],
                        outcome=OutcomeKind.CLOSED_WON if won else OutcomeKind.CLOSED_LOST,
                        occurred_at=_when(values.get("closedate")) or _when(values.get("hs_lastmodifieddate")) or until,
                        amount=_amount(values.get("amount")),
                        note=f"HubSpot deal {deal['id']} {values.get('dealname') or ''}".strip(),
                    ))  # fmt: skip
        # Contacts leadqual wrote that changed: disqualified ones, and owners people reassigned.
        modified, contacts_until = self._search(
            "contacts",
            [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": since_ms},
             {"propertyName": LEAD_ID_PROPERTY, "operator": "HAS_PROPERTY"}],
            [LEAD_ID_PROPERTY, "hs_lead_status", "lastmodifieddate", LAST_ACTIVITY, LAST_ACTIVITY_TYPE],
            "lastmodifieddate", since,
        )  # fmt: skip
        activities: list[CrmActivity] = []
        for found in modified:
            fields: dict[str, Any] = found.get("properties") or {}
            if (active_at := _when(fields.get(LAST_ACTIVITY))) is not None and active_at >= since:
                activities.append(CrmActivity(
                    str(fields[LEAD_ID_PROPERTY]), active_at,
                    f"HubSpot {str(fields.get(LAST_ACTIVITY_TYPE) or 'activity').lower()} logged",
                ))  # fmt: skip
            if fields.get("hs_lead_status") != UNQUALIFIED:
                continue
            outcomes.append(CrmOutcome(
                lead_id=str(fields[LEAD_ID_PROPERTY]), outcome=OutcomeKind.DISQUALIFIED,
                occurred_at=_when(fields.get("lastmodifieddate")) or contacts_until,
                note=f"HubSpot contact {found['id']}: lead status {UNQUALIFIED}",
                source_field="hs_lead_status", source_value=UNQUALIFIED,
            ))  # fmt: skip
        corrections = self._owner_corrections(
            {str(c["id"]): str((c.get("properties") or {})[LEAD_ID_PROPERTY]) for c in modified}, since
        )
        return CrmChanges(
            sorted(outcomes, key=lambda o: o.occurred_at), min(until, contacts_until), corrections, activities
        )

    def _owner_corrections(self, lead_of: dict[str, str], since: datetime) -> list[CrmCorrection]:
        """Owner changes people made from `since` on, read from the contacts' owner history."""
        corrections: list[CrmCorrection] = []
        ids = list(lead_of)
        for start in range(0, len(ids), BATCH_LIMIT):
            answer = self._post(
                f"{self.objects}/batch/read",
                {"inputs": [{"id": i} for i in ids[start : start + BATCH_LIMIT]], "properties": [LEAD_ID_PROPERTY],
                 "propertiesWithHistory": [OWNER_PROPERTY]},
                accept=(200, 207),
            )  # fmt: skip
            for result in answer.get("results", []):
                for change in _record(result).owner_changes:
                    if change.source is ChangeSource.PERSON and change.at >= since:
                        corrections.append(
                            CrmCorrection(lead_of[str(result["id"])], change.at, change.value, change.by)
                        )
        return corrections

    def directory(self, since: datetime) -> CrmDirectory:
        """Companies changed since the watermark (their domain, owner and HubSpot's target-account
        flag, `hs_is_target_account`), and every owner with whether it is archived (a rep who left)."""
        companies, _ = self._search(
            "companies",
            [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(int(since.timestamp() * 1000))},
             {"propertyName": "domain", "operator": "HAS_PROPERTY"}],
            ["domain", OWNER_PROPERTY, "hs_is_target_account", "hs_lastmodifieddate"],
            "hs_lastmodifieddate", since,
        )  # fmt: skip
        accounts = []
        for company in companies:
            values: dict[str, Any] = company.get("properties") or {}
            target = values.get("hs_is_target_account")
            accounts.append(CrmAccount(
                domain=str(values["domain"]).lower(), owner=values.get(OWNER_PROPERTY) or None,
                target=None if target in (None, "") else str(target).lower() == "true",
            ))  # fmt: skip
        return CrmDirectory(accounts, self.owners())

    def owners(self) -> dict[str, bool]:
        """Every owner id, and whether it is active (archived owners are not): `/crm/owners/{version}`
        (developers.hubspot.com/docs/api-reference/2026-03/crm/owners/get-owners)."""
        found: dict[str, bool] = {}
        for archived in ("false", "true"):
            answer, _ = self._get(f"/crm/owners/{self.api_version}?limit=500&archived={archived}")
            for owner in answer.get("results", []):
                found[str(owner["id"])] = archived == "false"
        return found

    def _search(
        self,
        object_type: str,
        filters: list[dict[str, str]],
        properties: list[str],
        modified: str,
        since: datetime,
    ) -> tuple[list[dict[str, Any]], datetime]:
        """Every match, oldest change first, and the newest change seen (`since` if none). Search
        allows 4 requests a second: a poll makes a few, whatever the number of leads."""
        body: dict[str, Any] = {
            "filterGroups": [{"filters": filters}],
            "properties": properties,
            "sorts": [{"propertyName": modified, "direction": "ASCENDING"}],
            "limit": BATCH_LIMIT,
        }
        found: list[dict[str, Any]] = []
        newest = since
        for _ in range(SEARCH_PAGES_PER_POLL):
            answer = self._post(f"/crm/objects/{self.api_version}/{object_type}/search", body, accept=(200,))
            results = answer.get("results", [])
            found.extend(results)
            for result in results:
                newest = max(newest, _when((result.get("properties") or {}).get(modified)) or newest)
            after = ((answer.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
            body["after"] = after
        return found, newest

    def _deal_contacts(self, deal_ids: list[str]) -> dict[str, list[str]]:
        contacts: dict[str, list[str]] = {}
        for start in range(0, len(deal_ids), BATCH_LIMIT):
            answer = self._post(
                f"/crm/associations/{self.api_version}/deals/contacts/batch/read",
                {"inputs": [{"id": deal_id} for deal_id in deal_ids[start : start + BATCH_LIMIT]]},
                accept=(200, 207),
            )
            for result in answer.get("results", []):
                contacts[str(result["from"]["id"])] = [str(to["toObjectId"]) for to in result.get("to", [])]
        return contacts

    def _lead_ids(self, contact_ids: list[str]) -> dict[str, str]:
        """The leadqual lead id leadqual wrote on each contact (contacts it never wrote have none)."""
        found: dict[str, str] = {}
        for start in range(0, len(contact_ids), BATCH_LIMIT):
            answer = self._post(
                f"{self.objects}/batch/read",
                {
                    "inputs": [{"id": c} for c in contact_ids[start : start + BATCH_LIMIT]],
                    "properties": [LEAD_ID_PROPERTY],
                },
                accept=(200, 207),
            )
            for result in answer.get("results", []):
                lead_id = (result.get("properties") or {}).get(LEAD_ID_PROPERTY)
                if lead_id:
                    found[str(result["id"])] = str(lead_id)
        return found

    # ----- upsert, isolating what a validation rule refuses -----
    def _upsert(self, writes: list[CrmWrite]) -> dict[str, CrmWritten | CrmRecordRefused]:
        body = {
            "inputs": [
                {"id": w.key.email, "idProperty": "email", "properties": _properties(w)} for w in writes
            ]
        }
        try:
            answer = self._post(f"{self.objects}/batch/upsert", body, accept=(200, 207))
        except CrmRecordRefused as refused:
            # A batch is refused whole when one input breaks a rule: never resend the same request;
            # halve it until the record that breaks it stands alone, and write the others.
            if len(writes) == 1:
                return {writes[0].key.lead_id: refused}
            middle = len(writes) // 2
            return self._upsert(writes[:middle]) | self._upsert(writes[middle:])
        by_email = {w.key.email.lower(): w.key.lead_id for w in writes}
        outcomes: dict[str, CrmWritten | CrmRecordRefused] = {}
        for result in answer.get("results", []):
            email = ((result.get("properties") or {}).get("email") or "").lower()
            if email in by_email:
                outcomes[by_email[email]] = CrmWritten(str(result["id"]), bool(result.get("new")))
        for lead_id in by_email.values():
            if lead_id not in outcomes:
                outcomes[lead_id] = CrmRecordRefused(
                    "not_found", "HubSpot's answer did not include the record"
                )
        return outcomes

    # ----- one request, within the budget, with HubSpot's errors made leadqual's -----
    def _post(self, path: str, body: dict[str, Any], accept: tuple[int, ...]) -> dict[str, Any]:
        answer: dict[str, Any] = self._call("POST", path, body, accept).json()
        return answer

    def _get(self, path: str) -> tuple[dict[str, Any], ApiUsage]:
        response = self._call("GET", path, None, accept=(200,))
        answer: dict[str, Any] = response.json()
        return answer, usage_of(response.headers)

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None, accept: tuple[int, ...]
    ) -> httpx.Response:
        deadline = time.monotonic() + LONGEST_WAIT_SECONDS
        fresh_token, server_errors = False, 0
        while True:
            self._wait_for_budget(deadline)
            try:
                response = self.http.request(
                    method,
                    self.base_url + path,
                    json=body,
                    headers={"Authorization": f"Bearer {self.token(fresh_token)}"},
                )
            except httpx.TransportError as error:
                server_errors += 1
                if server_errors >= SERVER_ERROR_ATTEMPTS:
                    raise CrmUnavailable(f"HubSpot did not answer: {type(error).__name__}") from None
                self._pause(2.0 ** (server_errors - 1), deadline)
                continue
            self.requests_made += 1
            self.budget.observe(SYSTEM, usage_of(response.headers))
            status = response.status_code
            if status in accept:
                return response
            if status == 401 and not fresh_token:
                fresh_token = True  # an expired or rotated token: read the secret again, once
                continue
            if status in (401, 403):
                raise CrmAuthFailed(f"HubSpot refused leadqual's token ({status}): {_category(response)}")
            if status == 429:
                self._pause(_retry_after(response, default=1.0), deadline, "HubSpot's rate limit (429)")
                continue
            if status >= 500:
                server_errors += 1
                if server_errors >= SERVER_ERROR_ATTEMPTS:
                    raise CrmUnavailable(f"HubSpot answered {status} {SERVER_ERROR_ATTEMPTS} times")
                self._pause(_retry_after(response, default=2.0 ** (server_errors - 1)), deadline)
                continue
            raise _refused(response)

    def _wait_for_budget(self, deadline: float) -> None:
        while (wait := self.budget.take(SYSTEM)) > 0:
            self._pause(wait, deadline, "leadqual's own pace")

    def _pause(self, seconds: float, deadline: float, why: str = "HubSpot's errors") -> None:
        if time.monotonic() + seconds > deadline:
            raise CrmUnavailable(
                f"waited {LONGEST_WAIT_SECONDS:.0f} s on {why}; the write waits in its queue"
            )
        self.sleep(seconds)


def _when(value: Any) -> datetime | None:
    """A HubSpot date-time property: ISO 8601, or milliseconds since the epoch."""
    if value in (None, ""):
        return None
    text = str(value)
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _amount(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def usage_of(headers: httpx.Headers) -> ApiUsage:
    def number(name: str) -> int | None:
        value = headers.get(f"X-HubSpot-RateLimit-{name}")
        return int(value) if value is not None and value.isdigit() else None

    return ApiUsage(
        daily_limit=number("Daily"),
        daily_remaining=number("Daily-Remaining"),
        burst_limit=number("Max"),
        burst_remaining=number("Remaining"),
    )


def _properties(write: CrmWrite) -> dict[str, str]:
    # HubSpot takes every property value as a string.
    properties = {name: str(value) for name, value in write.properties.items()}
    if write.new_record is not None:  # a new contact: who they are (never sent to one that exists)
        named = {"firstname": write.new_record.first_name, "lastname": write.new_record.last_name,
                 "company": write.new_record.company}  # fmt: skip
        properties |= {name: value for name, value in named.items() if value}
    if write.owner is not None:
        properties[OWNER_PROPERTY] = write.owner
    return properties


def _record(result: dict[str, Any]) -> CrmRecord:
    values: dict[str, str | None] = result.get("properties") or {}
    history = (result.get("propertiesWithHistory") or {}).get(OWNER_PROPERTY) or []
    return CrmRecord(
        record_id=str(result["id"]),
        values=values,
        owner=values.get(OWNER_PROPERTY) or None,
        owner_changes=[_owner_change(change) for change in history],
    )


def _owner_change(change: dict[str, Any]) -> OwnerChange:
    source_type, source_id = change.get("sourceType", ""), str(change.get("sourceId") or "")
    person = source_type in PERSON_SOURCES or source_id.startswith("userId:")
    return OwnerChange(
        value=change.get("value") or None,
        at=datetime.fromisoformat(str(change["timestamp"]).replace("Z", "+00:00")),
        source=ChangeSource.PERSON if person else ChangeSource.INTEGRATION,
        by=source_id.removeprefix("userId:") if person else source_id or None,
    )


def _retry_after(response: httpx.Response, default: float) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return default


def _category(response: httpx.Response) -> str:
    try:
        return str(response.json().get("category") or response.reason_phrase)
    except ValueError:
        return response.reason_phrase


def _refused(response: httpx.Response) -> CrmSyncError:
    """A 4xx other than auth and rate limits: the request itself is wrong, never to be resent."""
    try:
        error = response.json()
    except ValueError:
        error = {}
    category = str(error.get("category") or "")
    if category == "VALIDATION_ERROR":
        return CrmRecordRefused(
            f"validation_error:{_refused_property(error)}", str(error.get("message", ""))[:500]
        )
    if response.status_code == 404 or category == "OBJECT_NOT_FOUND":
        return CrmRecordRefused("not_found", str(error.get("message", ""))[:500])
    if response.status_code == 409 or category == "CONFLICT":
        return CrmRecordRefused("conflict", str(error.get("message", ""))[:500])
    return CrmRecordRefused(f"refused:{response.status_code}", str(error.get("message", ""))[:500])


def _refused_property(error: dict[str, Any]) -> str:
    """The property a validation error names: `errors[].context.propertyName`, else the `name` in
    the older message form (`Property values were not valid: [{..."name":"x"...}]`)."""
    for detail in error.get("errors") or []:
        named = (detail.get("context") or {}).get("propertyName")
        if named:
            return str(named[0] if isinstance(named, list) else named)
    found = re.search(r'"name"\s*:\s*"([A-Za-z0-9_]+)"', str(error.get("message", "")))
    return found.group(1) if found else "unknown"


# How each kind of leadqual field is a HubSpot contact property (type, fieldType).
PROPERTY_TYPES: dict[FieldKind, tuple[str, str]] = {
    FieldKind.NUMBER: ("number", "number"),
    FieldKind.TEXT: ("string", "text"),
    FieldKind.LONG_TEXT: ("string", "textarea"),
    FieldKind.DATETIME: ("datetime", "date"),
}
PROPERTY_GROUP = "leadqual"


class HubSpotAdmin:
    """What `leadqual crm install` and `leadqual crm doctor` ask of HubSpot: the contact properties
    (`/crm/properties/{version}/contacts`, their batch create and groups: developers.hubspot.com/
    docs/api-reference/latest/crm/properties/guide) and the owners (`/crm/owners/{version}`)."""

    def __init__(self, gateway: HubSpotGateway):
        self.gateway = gateway
        self.properties_path = f"/crm/properties/{gateway.api_version}/contacts"

    def fields(self, wanted: dict[str, FieldKind]) -> list[FieldCheck]:
        return self.fields_and_usage(wanted)[0]

    def fields_and_usage(self, wanted: dict[str, FieldKind]) -> tuple[list[FieldCheck], ApiUsage]:
        """The fields' state, and what the answer's limit headers said of today's allocation."""
        answer, usage = self.gateway._get(self.properties_path)
        existing = {p["name"]: p for p in answer.get("results", [])}
        checks = []
        for name, kind in wanted.items():
            found = existing.get(name)
            hubspot_type = PROPERTY_TYPES[kind][0]
            if found is None:
                checks.append(FieldCheck(name, kind, FieldState.MISSING, hubspot_type))
            elif found.get("type") != hubspot_type:
                checks.append(
                    FieldCheck(
                        name,
                        kind,
                        FieldState.DIFFERS,
                        f"is {found.get('type')}, leadqual writes {hubspot_type}",
                    )
                )
            else:
                checks.append(FieldCheck(name, kind, FieldState.PRESENT, hubspot_type))
        return checks, usage

    def install(self, wanted: dict[str, FieldKind], labels: dict[str, str]) -> list[FieldCheck]:
        """Creates the missing properties (and leadqual's property group) in one batch; idempotent."""
        checks = self.fields(wanted)
        missing = [check for check in checks if check.state is FieldState.MISSING]
        if not missing:
            return checks
        groups, _ = self.gateway._get(f"{self.properties_path}/groups")
        if not any(g.get("name") == PROPERTY_GROUP for g in groups.get("results", [])):
            self.gateway._post(
                f"{self.properties_path}/groups",
                {"name": PROPERTY_GROUP, "label": "leadqual", "displayOrder": -1},
                accept=(200, 201),
            )
        inputs = [
            {"name": c.name, "label": labels.get(c.name, c.name), "type": PROPERTY_TYPES[c.kind][0],
             "fieldType": PROPERTY_TYPES[c.kind][1], "groupName": PROPERTY_GROUP,
             "description": "Written by leadqual: see its console for the whole story"}
            for c in missing
        ]  # fmt: skip
        self.gateway._post(f"{self.properties_path}/batch/create", {"inputs": inputs}, accept=(200, 201))
        return [
            FieldCheck(c.name, c.kind, FieldState.CREATED, c.detail) if c.state is FieldState.MISSING else c
            for c in checks
        ]

    def owners(self) -> dict[str, bool]:
        return self.gateway.owners()


SIGNATURE_MAX_AGE_SECONDS = 300  # HubSpot: reject a request whose timestamp is older than 5 minutes


def signed_by_hubspot(
    client_secret: str, method: str, uri: str, body: str, timestamp: str, signature: str, now: float
) -> bool:
    """HubSpot's v3 request signature: base64 of HMAC-SHA256, keyed by the app's client secret, of
    method + URI + body + timestamp; refused when the timestamp (ms) is over 5 minutes old
    (developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation)."""
    if not timestamp.isdigit() or not signature:
        return False
    if abs(now - int(timestamp) / 1000) > SIGNATURE_MAX_AGE_SECONDS:
        return False
    digest = hmac.new(
        client_secret.encode(), f"{method}{uri}{body}{timestamp}".encode(), hashlib.sha256
    ).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), signature)
