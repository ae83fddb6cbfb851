"""Salesforce behind the CrmGateway port: Leads read and upserted in batches, on simple-salesforce.

simple-salesforce signs in with the client-credentials flow of an External Client App (a run-as
integration user; never a username and password) and signs in again when a session expires (401
`INVALID_SESSION_ID`). It has no helper for the composite resources, so they go through
`Salesforce.restful`. What leadqual sends, as Salesforce documents it
(developer.salesforce.com/docs/platform/api-rest/guide/):
- a read is one `POST /composite` (resources_composite_composite.htm; up to 25 subrequests, one API
  call): a SOQL query for the Leads by leadqual's external id `leadqual_Lead_Id__c`, and one for their
  owner history (`LeadHistory`, `Field = 'Owner'`, `DataType = 'EntityId'`);
- the nightly pass over a week of changes reads with Bulk API 2.0 query jobs (simple-salesforce's
  `bulk2`: `POST /jobs/query`, its state, then its CSV results by `Sforce-Locator`;
  developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/queries.htm);
- a write is one `PATCH /composite/sobjects/Lead/leadqual_Lead_Id__c` a 200 Leads
  (resources_composite_sobjects_collections_upsert.htm), `allOrNone: false`: each record's
  `UpsertResult` (`id`, `success`, `created`, `errors[{statusCode, message, fields}]`);
- every call carries `Sforce-Call-Options: client=leadqual`, which change events give back as
  `changeOrigin`; every answer carries `Sforce-Limit-Info: api-usage=used/max`, the org's daily
  allocation shared by every integration (resources_limits / headers_api_usage.htm).
So a batch of up to 200 leads costs 2 API calls: a read and a write.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

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
    BudgetSpent,
    CrmAuthFailed,
    CrmRecordRefused,
    CrmSyncError,
    CrmUnavailable,
)
from leadqual.domain.schemas.vocabulary import OutcomeKind

SYSTEM = "salesforce"
EXTERNAL_ID = "leadqual_Lead_Id__c"
BATCH_LIMIT = 200
CALL_OPTIONS = {"Sforce-Call-Options": "client=leadqual"}
# leadqual's standard-field names (policy.yaml) in Salesforce's terms; every other is a custom field.
STANDARD_FIELDS = {"hs_lead_status": "Status", "leadqual_lead_source": "LeadSource"}
QUEUE_PREFIX = "00G"  # a Group (queue) id owns the record
LEAD_KEY_PREFIX = "00Q"  # a Lead's id (a Task's WhoId may be a Contact's, 003)
UNQUALIFIED_STATUSES = ("Closed - Not Converted", "Unqualified")
USERS_QUERY = "SELECT Id, IsActive FROM User WHERE UserType = 'Standard'"
LONGEST_WAIT_SECONDS = 60.0
# Wider than this, the changes are read with Bulk API 2.0 query jobs (the nightly pass reads a week).
BULK_WINDOW = timedelta(days=1)
BULK_POLL_SECONDS = 0.5
SERVER_ERROR_ATTEMPTS = 4


def api_name(name: str) -> str:
    """A policy field name as Salesforce names the field (`leadqual_score` -> `leadqual_score__c`)."""
    if name in STANDARD_FIELDS:
        return STANDARD_FIELDS[name]
    custom = name if name.endswith("__c") else f"{name}__c"
    return EXTERNAL_ID if custom.lower() == EXTERNAL_ID.lower() else custom


def salesforce_domain(login_url: str) -> str:
    """simple-salesforce's `domain` for a My Domain login URL (`acme.my` for acme.my.salesforce.com)."""
    host = urlsplit(login_url).hostname or ""
    return host.removesuffix(".salesforce.com") if host.endswith(".salesforce.com") else STAND_IN_DOMAIN


# A login URL that is not Salesforce's (a local stand-in): simple-salesforce still builds
# https://<domain>.salesforce.com addresses, which this session's transport sends to it instead.
STAND_IN_DOMAIN = "leadqual-stand-in.my"


class _ToStandIn(HTTPAdapter):
    """Sends every https://*.salesforce.com request to the stand-in at `base` (its scheme and port)."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base.rstrip("/")

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.url = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().send(request, *args, **kwargs)


class SalesforceGateway:
    system = SYSTEM

    def __init__(
        self,
        login_url: str,
        api_version: str,
        client: Callable[[bool], tuple[str, str]],
        budget: ApiBudget,
        sleep: Callable[[float], None] = time.sleep,
    ):
        """`client(fresh)` reads the External Client App's id and secret (fresh: read the secret again)."""
        self.login_url = str(login_url)
        self.api_version = api_version
        self.client = client
        self.budget = budget
        self.sleep = sleep
        self.session = requests.Session()
        self.session.hooks["response"].append(self._observe)
        if salesforce_domain(self.login_url) == STAND_IN_DOMAIN:
            self.session.mount("https://", _ToStandIn(self.login_url))
        self._sf: Salesforce | None = None
        self._user_id: str | None = None

    # ----- the port -----
    def read(self, keys: Sequence[CrmKey], properties: Sequence[str]) -> dict[str, CrmRecord]:
        found: dict[str, CrmRecord] = {}
        user = self._integration_user()
        wanted = sorted({"Id", "OwnerId", EXTERNAL_ID, *(api_name(p) for p in properties)})
        for start in range(0, len(keys), BATCH_LIMIT):
            ids = ", ".join(_quoted(k.lead_id) for k in keys[start : start + BATCH_LIMIT])
            answers = self._composite({
                "leads": f"SELECT {', '.join(wanted)} FROM Lead WHERE {EXTERNAL_ID} IN ({ids})",
                "history": "SELECT LeadId, NewValue, CreatedDate, CreatedById FROM LeadHistory WHERE Field = 'Owner' "
                           f"AND DataType = 'EntityId' AND Lead.{EXTERNAL_ID} IN ({ids}) ORDER BY CreatedDate",
            })  # fmt: skip
            history: dict[str, list[OwnerChange]] = {}
            for row in answers["history"]:
                by = str(row.get("CreatedById") or "")
                history.setdefault(str(row["LeadId"]), []).append(OwnerChange(
                    value=row.get("NewValue"), at=_when(row["CreatedDate"]),
                    source=ChangeSource.LEADQUAL if by == user else ChangeSource.PERSON, by=by or None,
                ))  # fmt: skip
            for row in answers["leads"]:
                owner = row.get("OwnerId")
                found[str(row[EXTERNAL_ID])] = CrmRecord(
                    record_id=str(row["Id"]),
                    values={
                        _policy_name(k): None if v is None else str(v)
                        for k, v in row.items()
                        if k != "attributes"
                    },
                    owner=owner,
                    owner_changes=history.get(str(row["Id"]), []),
                    owner_is_queue=bool(owner) and str(owner).startswith(QUEUE_PREFIX),
                )
        return found

    def write(self, writes: Sequence[CrmWrite]) -> dict[str, CrmWritten | CrmRecordRefused]:
        outcomes: dict[str, CrmWritten | CrmRecordRefused] = {}
        for start in range(0, len(writes), BATCH_LIMIT):
            batch = list(writes[start : start + BATCH_LIMIT])
            results = self._call(
                "PATCH", f"composite/sobjects/Lead/{EXTERNAL_ID}",
                {"allOrNone": False, "records": [_record(w) for w in batch]},
            )  # fmt: skip
            for write, result in zip(batch, results or [], strict=False):
                if result.get("success"):
                    outcomes[write.key.lead_id] = CrmWritten(str(result["id"]), bool(result.get("created")))
                else:
                    outcomes[write.key.lead_id] = _refused(result.get("errors") or [])
        return outcomes

    def changes_since(self, since: datetime) -> CrmChanges:
        """Leads converted to an Opportunity that closed, Leads closed as not converted (modified from
        `since` on, `SystemModstamp`), and owners people reassigned (`LeadHistory`): one composite call."""
        at = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        statuses = ", ".join(_quoted(s) for s in UNQUALIFIED_STATUSES)
        user = self._integration_user()
        queries = {
            "reassigned": f"SELECT Lead.{EXTERNAL_ID}, NewValue, CreatedDate, CreatedById FROM LeadHistory WHERE "
                          f"Field = 'Owner' AND DataType = 'EntityId' AND CreatedDate >= {at} AND "
                          f"CreatedById != {_quoted(user)} AND Lead.{EXTERNAL_ID} != null",
            "closed": f"SELECT {EXTERNAL_ID}, ConvertedOpportunityId, ConvertedOpportunity.IsWon, "
                      "ConvertedOpportunity.Amount, ConvertedOpportunity.CloseDate, ConvertedOpportunity.Name, "
                      "ConvertedOpportunity.SystemModstamp FROM Lead WHERE IsConverted = true AND "
                      f"ConvertedOpportunity.IsClosed = true AND ConvertedOpportunity.SystemModstamp >= {at} "
                      f"AND {EXTERNAL_ID} != null",
            "unqualified": f"SELECT {EXTERNAL_ID}, Status, SystemModstamp FROM Lead WHERE Status IN ({statuses}) "
                           f"AND SystemModstamp >= {at} AND {EXTERNAL_ID} != null",
            # Activity a rep logged (calls, e-mails as Tasks): WhoId is the Lead (or a Contact).
            "tasks": f"SELECT WhoId, Subject, CreatedDate FROM Task WHERE CreatedDate >= {at} AND WhoId != null",
        }  # fmt: skip
        # A poll reads minutes of changes in one composite call; the nightly pass reads a week,
        # which may be many rows: Bulk API 2.0 query jobs, a few calls whatever their size.
        wide = datetime.now(UTC) - since > BULK_WINDOW
        answers = (
            self._bulk(queries)
            if wide
            else {k: [_flat(r) for r in v] for k, v in self._composite(queries).items()}
        )
        outcomes, until = [], since
        for row in answers["closed"]:
            modified = _when(row["ConvertedOpportunity.SystemModstamp"])
            until = max(until, modified)
            close_date = row.get("ConvertedOpportunity.CloseDate")
            outcomes.append(CrmOutcome(
                lead_id=str(row[EXTERNAL_ID]),
                outcome=OutcomeKind.CLOSED_WON if _true(row.get("ConvertedOpportunity.IsWon")) else OutcomeKind.CLOSED_LOST,
                occurred_at=_when(close_date) if close_date else modified,
                amount=_number(row.get("ConvertedOpportunity.Amount")),
                note=f"Salesforce opportunity {row.get('ConvertedOpportunityId')} {row.get('ConvertedOpportunity.Name') or ''}".strip(),
            ))  # fmt: skip
        for row in answers["unqualified"]:
            modified = _when(row["SystemModstamp"])
            until = max(until, modified)
            outcomes.append(CrmOutcome(
                lead_id=str(row[EXTERNAL_ID]), outcome=OutcomeKind.DISQUALIFIED, occurred_at=modified,
                note=f"Salesforce lead status {row.get('Status')}", source_field="hs_lead_status",
                source_value=str(row.get("Status")),
            ))  # fmt: skip
        corrections = [
            CrmCorrection(
                str(row[f"Lead.{EXTERNAL_ID}"]),
                _when(row["CreatedDate"]),
                row.get("NewValue") or None,
                row.get("CreatedById") or None,
            )  # fmt: skip
            for row in answers["reassigned"]
        ]
        return CrmChanges(
            sorted(outcomes, key=lambda o: o.occurred_at),
            until,
            corrections,
            self._activities(answers["tasks"]),
        )

    def _activities(self, tasks: list[dict[str, Any]]) -> list[CrmActivity]:
        """Tasks on leadqual's Leads (one more query names their leads, only when there are any)."""
        on_leads = sorted(
            {str(t["WhoId"]) for t in tasks if str(t.get("WhoId") or "").startswith(LEAD_KEY_PREFIX)}
        )
        if not on_leads:
            return []
        ids = ", ".join(_quoted(i) for i in on_leads)
        rows = self._composite({"leads": f"SELECT Id, {EXTERNAL_ID} FROM Lead WHERE Id IN ({ids}) "
                                          f"AND {EXTERNAL_ID} != null"})["leads"]  # fmt: skip
        lead_of = {str(row["Id"]): str(row[EXTERNAL_ID]) for row in rows}
        return [
            CrmActivity(lead_of[str(t["WhoId"])], _when(t["CreatedDate"]), f"Salesforce task: {t.get('Subject') or 'activity'}")
            for t in tasks if str(t.get("WhoId")) in lead_of
        ]  # fmt: skip

    def _bulk(self, queries: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
        """Each query as a Bulk API 2.0 query job (simple-salesforce's `bulk2`): its rows, from CSV."""
        found: dict[str, list[dict[str, Any]]] = {}
        for name, soql in queries.items():
            self.budget.take(SYSTEM)  # a job is a few calls: create, poll, read its results
            sobject = soql.split(" FROM ", 1)[1].split(" ", 1)[0]
            try:
                pages = getattr(self._client(False).bulk2, sobject).query(soql, wait=BULK_POLL_SECONDS)
                found[name] = [dict(row) for page in pages for row in csv.DictReader(io.StringIO(str(page)))]
            except SalesforceError as error:
                raise CrmUnavailable(
                    f"Salesforce's Bulk API 2.0 query failed: {type(error).__name__}"
                ) from None
        return found

    def directory(self, since: datetime) -> CrmDirectory:
        """Accounts changed since the watermark (owner, and `leadqual_Target_Account__c` where the org
        has it) and every user's active flag: one composite call."""
        at = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        answers = self._composite({
            "accounts": f"SELECT Website, OwnerId FROM Account WHERE SystemModstamp >= {at} AND Website != null",
            "users": USERS_QUERY,
        })  # fmt: skip
        accounts = [
            CrmAccount(domain=_domain(str(row["Website"])), owner=row.get("OwnerId"), target=None)
            for row in answers["accounts"] if _domain(str(row["Website"]))
        ]  # fmt: skip
        return CrmDirectory(accounts, {str(row["Id"]): bool(row.get("IsActive")) for row in answers["users"]})

    def users(self) -> dict[str, bool]:
        """Every standard user's id and whether it is active: one composite call."""
        return {
            str(row["Id"]): bool(row.get("IsActive"))
            for row in self._composite({"users": USERS_QUERY})["users"]
        }

    # ----- calls -----
    def _composite(self, queries: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
        """Several SOQL queries in one API call; each one's records, by its name."""
        body = {
            "allOrNone": False,
            "compositeRequest": [
                {"method": "GET", "referenceId": name,
                 "url": f"/services/data/v{self.api_version}/query?q={quote(soql)}"}
                for name, soql in queries.items()
            ],
        }  # fmt: skip
        answer = self._call("POST", "composite", body)
        found: dict[str, list[dict[str, Any]]] = {}
        for part in answer.get("compositeResponse", []):
            status = int(part.get("httpStatusCode", 500))
            if status >= 300:
                errors = part.get("body") or []
                code = errors[0].get("errorCode", "") if isinstance(errors, list) and errors else ""
                if status in (401, 403) or code == "INSUFFICIENT_ACCESS":
                    raise CrmAuthFailed(f"Salesforce refused a query ({status} {code})")
                raise CrmUnavailable(f"Salesforce answered {status} {code} to a query")
            page = part.get("body") or {}
            records = list(page.get("records", []))
            while not page.get("done", True) and page.get("nextRecordsUrl"):
                # More than a page (2,000 rows): each further page is one more call.
                page = (
                    self._call("GET", page["nextRecordsUrl"].split(f"/v{self.api_version}/", 1)[-1], None)
                    or {}
                )
                records += page.get("records", [])
            found[part["referenceId"]] = records
        return found

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        deadline = time.monotonic() + LONGEST_WAIT_SECONDS
        server_errors, fresh = 0, False
        while True:
            while (wait := self.budget.take(SYSTEM)) > 0:
                self._pause(wait, deadline)
            try:
                return self._client(fresh).restful(path, method=method, json=body, headers=CALL_OPTIONS)
            except (SalesforceAuthenticationFailed, SalesforceExpiredSession) as error:
                if fresh:
                    raise CrmAuthFailed(
                        f"Salesforce refused leadqual's client: {type(error).__name__}"
                    ) from None
                fresh = True  # the secret may have been rotated: read it and sign in again, once
            except SalesforceRefusedRequest as error:
                if "REQUEST_LIMIT_EXCEEDED" in str(error.content):
                    raise BudgetSpent(
                        "the org's daily API allocation is spent (REQUEST_LIMIT_EXCEEDED)", 3600.0
                    ) from None
                raise CrmAuthFailed(f"Salesforce refused the request (403): {_codes(error)}") from None
            except SalesforceMalformedRequest as error:
                raise CrmRecordRefused(
                    f"validation_error:{_fields(error)}", str(error.content)[:500]
                ) from None
            except SalesforceResourceNotFound as error:
                raise CrmRecordRefused("not_found", str(error.content)[:500]) from None
            except (SalesforceGeneralError, requests.ConnectionError, requests.Timeout) as error:
                server_errors += 1
                if server_errors >= SERVER_ERROR_ATTEMPTS:
                    raise CrmUnavailable(
                        f"Salesforce failed {server_errors} times: {type(error).__name__}"
                    ) from None
                self._pause(self._retry_after or 2.0 ** (server_errors - 1), deadline)
            except SalesforceError as error:
                raise CrmUnavailable(f"Salesforce: {type(error).__name__}") from None

    def _client(self, fresh: bool) -> Salesforce:
        if self._sf is None or fresh:
            client_id, client_secret = self.client(fresh)
            self._sf = Salesforce(
                consumer_key=client_id, consumer_secret=client_secret,
                domain=salesforce_domain(self.login_url), version=self.api_version, session=self.session,
            )  # fmt: skip
        return self._sf

    def _integration_user(self) -> str:
        """The run-as user of the client-credentials flow: its writes are leadqual's own."""
        if self._user_id is None:
            self.budget.take(SYSTEM)
            info = self._client(False).oauth2("userinfo") or {}
            self._user_id = str(info.get("user_id", ""))
        return self._user_id

    _retry_after: float | None = None

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Every answer: the org's API usage (`Sforce-Limit-Info`), and a 503's Retry-After."""
        info = re.search(r"api-usage=(\d+)/(\d+)", response.headers.get("Sforce-Limit-Info", ""))
        if info:
            used, limit = int(info.group(1)), int(info.group(2))
            self.budget.observe(SYSTEM, ApiUsage(daily_limit=limit, daily_remaining=max(0, limit - used)))
        retry_after = response.headers.get("Retry-After", "")
        self._retry_after = float(retry_after) if retry_after.replace(".", "", 1).isdigit() else None

    def _pause(self, seconds: float, deadline: float) -> None:
        if time.monotonic() + seconds > deadline:
            raise CrmUnavailable(
                f"waited {LONGEST_WAIT_SECONDS:.0f} s on Salesforce; the write waits in its queue"
            )
        self.sleep(seconds)


def _record(write: CrmWrite) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": {"type": "Lead"}, EXTERNAL_ID: write.key.lead_id}
    record |= {
        api_name(name): value for name, value in write.properties.items() if api_name(name) != EXTERNAL_ID
    }
    if write.owner is not None:
        record["OwnerId"] = write.owner
    if write.new_record is not None:  # a Lead needs a last name and a company; never sent to one that exists
        record |= {
            "Email": write.key.email,
            "FirstName": write.new_record.first_name,
            "LastName": write.new_record.last_name or "[not provided]",
            "Company": write.new_record.company or "[not provided]",
        }
    return record


def _refused(errors: list[dict[str, Any]]) -> CrmRecordRefused:
    first = errors[0] if errors else {}
    code, fields = str(first.get("statusCode", "")), first.get("fields") or []
    message = str(first.get("message", ""))[:500]
    if code in ("ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY", "NOT_FOUND"):
        return CrmRecordRefused("not_found", message)
    if code in ("DUPLICATE_VALUE", "DUPLICATES_DETECTED", "UNABLE_TO_LOCK_ROW"):
        return CrmRecordRefused("conflict", message)
    return CrmRecordRefused(
        f"validation_error:{_policy_name(fields[0]) if fields else code.lower()}", message
    )


def _policy_name(api: str) -> str:
    """A Salesforce field name as policy.yaml names it (the inverse of `api_name`)."""
    for name, standard in STANDARD_FIELDS.items():
        if standard == api:
            return name
    return api.removesuffix("__c").lower() if api.endswith("__c") else api


def _codes(error: SalesforceError) -> str:
    content: list[Any] = error.content if isinstance(error.content, list) else []
    return ", ".join(str(item.get("errorCode")) for item in content if isinstance(item, dict)) or str(
        error.status
    )


def _fields(error: SalesforceError) -> str:
    content: list[Any] = error.content if isinstance(error.content, list) else []
    for item in content:
        if isinstance(item, dict) and item.get("fields"):
            return _policy_name(str(item["fields"][0]))
    return _codes(error).lower()


def _flat(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A REST query row as Bulk API 2.0 writes it: parent fields as `Parent.Field`, no `attributes`."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if key == "attributes":
            continue
        if isinstance(value, dict):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _true(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _number(value: Any) -> float | None:
    return float(value) if value not in (None, "") else None


def _quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _when(value: Any) -> datetime:
    text = str(value)
    if len(text) == 10:  # a date (CloseDate)
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("+0000", "+00:00"))


def _domain(website: str) -> str:
    host = urlsplit(website if "//" in website else f"//{website}").hostname or ""
    return host.removeprefix("www.").lower()


__all__ = ["CrmSyncError", "SalesforceGateway", "api_name"]


# How each kind of leadqual field is a custom field on Lead (Metadata API `CustomField`).
FIELD_TYPES: dict[FieldKind, dict[str, Any]] = {
    FieldKind.NUMBER: {"type": "Number", "precision": 18, "scale": 4},
    FieldKind.TEXT: {"type": "Text", "length": 255},
    FieldKind.LONG_TEXT: {"type": "LongTextArea", "length": 32768, "visibleLines": 3},
    FieldKind.DATETIME: {"type": "DateTime"},
}
PERMISSION_SET = "leadqual_Writer"
METADATA_CHUNK = 10  # readMetadata and createMetadata take 10 components a call


class SalesforceAdmin:
    """What `leadqual crm install` and `doctor` ask of Salesforce, through simple-salesforce's
    Metadata API client (`Salesforce.mdapi`): the custom fields on Lead, and a permission set with
    field-level edit on leadqual's fields only, for the integration user."""

    def __init__(self, gateway: SalesforceGateway):
        self.gateway = gateway

    def _mdapi(self) -> Any:
        metadata = self.gateway._client(False).mdapi
        if salesforce_domain(self.gateway.login_url) == STAND_IN_DOMAIN:
            # zeep's own session: it too must reach the stand-in, not *.salesforce.com.
            metadata._client.transport.session.mount("https://", _ToStandIn(self.gateway.login_url))
        return metadata

    def fields(self, wanted: dict[str, FieldKind]) -> list[FieldCheck]:
        metadata, checks = self._mdapi(), []
        names = list(wanted)
        for start in range(0, len(names), METADATA_CHUNK):
            chunk = names[start : start + METADATA_CHUNK]
            self.gateway.budget.take(SYSTEM)
            found = metadata.CustomField.read([f"Lead.{api_name(n)}" for n in chunk])
            for name, component in zip(chunk, found if isinstance(found, list) else [found], strict=True):
                wanted_type = FIELD_TYPES[wanted[name]]["type"]
                existing = getattr(component, "fullName", None) and getattr(component, "type", None)
                if not getattr(component, "fullName", None):
                    checks.append(FieldCheck(name, wanted[name], FieldState.MISSING, wanted_type))
                elif existing != wanted_type:
                    checks.append(
                        FieldCheck(
                            name,
                            wanted[name],
                            FieldState.DIFFERS,
                            f"is {existing}, leadqual writes {wanted_type}",
                        )
                    )
                else:
                    checks.append(FieldCheck(name, wanted[name], FieldState.PRESENT, wanted_type))
        return checks

    def install(self, wanted: dict[str, FieldKind], labels: dict[str, str]) -> list[FieldCheck]:
        """Creates the missing fields (leadqual's lead id as a unique external id), then upserts the
        permission set with edit on every leadqual field and nothing else; idempotent."""
        checks = self.fields(wanted)
        metadata = self._mdapi()
        missing = [c for c in checks if c.state is FieldState.MISSING]
        for start in range(0, len(missing), METADATA_CHUNK):
            components = []
            for check in missing[start : start + METADATA_CHUNK]:
                extra = (
                    {"externalId": True, "unique": True, "caseSensitive": True}
                    if api_name(check.name) == EXTERNAL_ID.lower()
                    or api_name(check.name).lower() == EXTERNAL_ID.lower()
                    else {}
                )
                components.append(metadata.CustomField(
                    fullName=f"Lead.{api_name(check.name)}", label=labels.get(check.name, check.name)[:40],
                    description="Written by leadqual", **FIELD_TYPES[check.kind], **extra,
                ))  # fmt: skip
            self.gateway.budget.take(SYSTEM)
            metadata.CustomField.create(components)
        permissions = [
            metadata.PermissionSetFieldPermissions(field=f"Lead.{api_name(c.name)}", editable=True, readable=True)
            for c in checks if c.state is not FieldState.DIFFERS
        ]  # fmt: skip
        self.gateway.budget.take(SYSTEM)
        metadata.PermissionSet.upsert([metadata.PermissionSet(
            fullName=PERMISSION_SET, label="leadqual writer",
            description="Field-level edit on leadqual's fields only: assign it to leadqual's integration user",
            fieldPermissions=permissions,
        )])  # fmt: skip
        return [
            FieldCheck(c.name, c.kind, FieldState.CREATED, c.detail) if c.state is FieldState.MISSING else c
            for c in checks
        ]

    def permission_set_fields(self) -> list[str]:
        """The fields leadqual's permission set lets its user edit (none: it does not exist)."""
        self.gateway.budget.take(SYSTEM)
        found = self._mdapi().PermissionSet.read([PERMISSION_SET])
        if not getattr(found, "fullName", None):
            return []
        return [str(p.field) for p in (getattr(found, "fieldPermissions", None) or []) if p.editable]

    def headroom(self) -> tuple[int, int]:
        """(requests left today, the org's daily allocation), from `/limits`."""
        self.gateway.budget.take(SYSTEM)
        daily = (self.gateway._client(False).limits() or {}).get("DailyApiRequests", {})
        return int(daily.get("Remaining", 0)), int(daily.get("Max", 0))

    def active_users(self) -> dict[str, bool]:
        """Every standard user's id and whether it is active."""
        return self.gateway.users()
