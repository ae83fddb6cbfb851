"""A local stand-in for HubSpot's CRM API: the requests and answers leadqual's adapter relies on.

No live HubSpot account is reached by leadqual's tests or demo: this server speaks HubSpot's
documented shapes over real HTTP, so the real adapter (httpx) runs unchanged against it. Each shape,
and where HubSpot documents it:
- `POST /crm/objects/2026-03/contacts/batch/read` with `idProperty`, `properties`,
  `propertiesWithHistory`; 200 with `results`, or 207 with `errors` (category OBJECT_NOT_FOUND) for
  inputs that match no record: developers.hubspot.com/docs/api-reference/latest/crm/objects/objects/
  batch/get-objects. History entries: `{value, timestamp, sourceType, sourceId, updatedByUserId}`,
  newest first; a person's change is `sourceType: CRM_UI`, `sourceId: userId:<id>`.
- `POST /crm/objects/2026-03/contacts/batch/upsert`, inputs `{id, idProperty, properties}`; each
  result has `id`, `new`, `properties`: developers.hubspot.com/docs/api-reference/2026-03/crm/objects/
  contacts/batch/upsert-contacts. At most 100 inputs.
- Errors: `{status: "error", message, correlationId, category, errors: [{message, code, context}]}`:
  developers.hubspot.com/docs/faq/api-error-responses. A property a validation rule refuses, or one
  that does not exist, is `400 VALIDATION_ERROR` naming it, and the whole batch is refused.
- Limits: every answer carries `X-HubSpot-RateLimit-Daily`, `-Daily-Remaining`, `-Max`,
  `-Remaining`, `-Interval-Milliseconds`; over 100 requests in a rolling 10 s the answer is 429
  (`errorType: RATE_LIMIT`, `policyName: TEN_SECONDLY_ROLLING`) with `Retry-After`:
  developers.hubspot.com/docs/api/usage-details (Free/Starter: 100 per 10 s, 250,000 a day).
- Search, `POST /crm/objects/2026-03/{contacts,deals,companies}/search`: `filterGroups` of `filters`
  (`propertyName`, `operator`, `value`/`values`), `sorts`, `properties`, `limit` (at most 200) and
  `after`; answered `{total, results, paging.next.after}`: developers.hubspot.com/docs/api-reference/
  latest/crm/objects/objects/search. Date filters take milliseconds since the epoch.
- Associations, `POST /crm/associations/2026-03/deals/contacts/batch/read`, inputs `{id}`; each
  result `{from: {id}, to: [{toObjectId, associationTypes}]}`: developers.hubspot.com/docs/
  api-reference/latest/crm/associations/associate-records/batch/get-associations.
- Properties, `GET /crm/properties/2026-03/contacts` (`results` of `{name, label, type, fieldType,
  groupName}`), `POST .../batch/create` (inputs of the same; 409 if one exists) and the property
  groups, `GET|POST .../groups`: developers.hubspot.com/docs/api-reference/latest/crm/properties/guide.
- Owners, `GET /crm/owners/2026-03?archived=`: `results` of `{id, email, type, userId, archived}`:
  developers.hubspot.com/docs/api-reference/2026-03/crm/owners/get-owners.
- Webhooks: an app subscribed to CRM events gets `POST <its URL>` with a JSON array of events
  (`eventId`, `subscriptionType`, `objectId`, `propertyName`, `propertyValue`, `occurredAt`, ...),
  signed `X-HubSpot-Signature-v3`: base64 HMAC-SHA256 of method + URI + body + timestamp with the
  app's client secret, beside `X-HubSpot-Request-Timestamp` (ms) (developers.hubspot.com/docs/apps/
  developer-platform/build-apps/authentication/request-validation).
- Auth: `Authorization: Bearer <token>`; an unknown token is 401 INVALID_AUTHENTICATION, an expired
  one 401 EXPIRED_AUTHENTICATION.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import math
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from leadqual_tools.standins import StandInServer

API_VERSION = "2026-03"
CONTACTS = f"/crm/objects/{API_VERSION}/contacts"
DEALS = f"/crm/objects/{API_VERSION}/deals"
COMPANIES = f"/crm/objects/{API_VERSION}/companies"
ASSOCIATIONS = f"/crm/associations/{API_VERSION}"
SEARCH_LIMIT = 200  # the most `limit` a search takes
PROPERTIES = f"/crm/properties/{API_VERSION}/contacts"
OWNERS = f"/crm/owners/{API_VERSION}"
PROPERTY_TYPES = {
    "string": "text",
    "number": "number",
    "datetime": "date",
    "enumeration": "select",
    "bool": "booleancheckbox",
}
BATCH_LIMIT = 100
BURST_LIMIT = 100
BURST_WINDOW_SECONDS = 10.0
DAILY_LIMIT = 250_000
OWNER = "hubspot_owner_id"
# The private app leadqual's token belongs to: its writes are recorded with this source.
APP_ID = "4242"
STANDARD_PROPERTIES = frozenset(
    {"email", "firstname", "lastname", "company", OWNER, "hs_lead_status", "lifecyclestage", "hs_object_id"}
)


@dataclass
class Contact:
    record_id: str
    properties: dict[str, str]
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # newest first
    created_at: str = ""
    updated_at: str = ""


@dataclass
class Deal:
    record_id: str
    properties: dict[str, str]
    contact_ids: list[str]


@dataclass
class Call:
    """One request the stand-in answered, for the tests' and the bench's accounts."""

    at: float
    method: str
    path: str
    status: int
    inputs: int


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class HubSpotStandIn(StandInServer):
    name = "hubspot-stand-in"

    """Start with `start()` (or as a context manager); `base_url` is where the adapter points."""

    def __init__(
        self,
        tokens: set[str] | None = None,
        burst_limit: int = BURST_LIMIT,
        burst_window_seconds: float = BURST_WINDOW_SECONDS,
    ):
        """`burst_limit` requests per rolling `burst_window_seconds` (HubSpot's: 100 per 10 s; a
        test may shrink the window so that a 429's Retry-After is a second)."""
        super().__init__()
        self.tokens = set(tokens or {"local-hubspot-token"})
        self.expired: set[str] = set()
        self.burst_limit = burst_limit
        self.burst_window = burst_window_seconds
        self.defined_properties: set[str] = set(STANDARD_PROPERTIES)
        self.property_types: dict[str, str] = {name: "string" for name in STANDARD_PROPERTIES}
        self.property_groups: set[str] = {"contactinformation"}
        # Owner id -> active (an archived owner is a rep who left). The sample policy's reps, and 909.
        self.owners: dict[str, bool] = {
            o: True for o in ("101", "102", "103", "104", "105", "106", "107", "201", "202", "909")
        }
        # property -> the values an admin's validation rule allows (from 2026-09 these apply to API writes).
        self.validation_rules: dict[str, set[str]] = {}
        self.contacts: dict[str, Contact] = {}
        self.deals: dict[str, Deal] = {}
        self.companies: dict[str, dict[str, str]] = {}  # record id -> properties
        self.calls: list[Call] = []
        self.daily_used = 0
        self._window: deque[float] = deque()
        self._ids = itertools.count(1001)
        self._lock = threading.RLock()
        self._server_errors_left = 0
        self._server_error_status = 503
        self._down_until = 0.0
        self.between_read_and_write: list[Any] = []  # callables run once, after the next batch read
        self.webhook: tuple[str, str] | None = None  # (the app's webhook URL, its client secret)
        self.webhook_answers: list[int] = []

    # ----- what a test or the demo does to the CRM -----
    def define(self, *names: str) -> None:
        """Creates contact properties (what `leadqual crm install --apply` does through the API)."""
        with self._lock:
            self.defined_properties.update(names)
            self.property_types.update({name: self.property_types.get(name, "string") for name in names})

    def add_contact(self, email: str, owner_id: str | None = None, by_person: bool = False) -> Contact:
        """A contact HubSpot has already (a form, an import), owned by someone or not."""
        with self._lock:
            contact = Contact(
                str(next(self._ids)), {"email": email.lower()}, created_at=_now(), updated_at=_now()
            )
            self.contacts[contact.record_id] = contact
        if owner_id is not None and by_person:
            self.person_sets_owner(email, owner_id)
        elif owner_id is not None:
            with self._lock:
                self._set(contact, OWNER, owner_id, {"sourceType": "IMPORT", "sourceId": "import:1"})
        return contact

    def person_sets_owner(self, email: str, owner_id: str, user_id: str = "9001") -> None:
        """A rep changes the contact's owner in HubSpot's UI."""
        with self._lock:
            contact = self._by_email(email)
            assert contact is not None, f"no contact {email}"
            self._set(contact, OWNER, owner_id, {"sourceType": "CRM_UI", "sourceId": f"userId:{user_id}",
                                                 "updatedByUserId": int(user_id)})  # fmt: skip

    def log_activity(self, email: str, kind: str = "CALL") -> None:
        """A rep logs a call, e-mail, meeting or note on the contact: HubSpot sets its calculated
        `hs_last_sales_activity_timestamp` and `hs_last_sales_activity_type` (knowledge.hubspot.com,
        "HubSpot's default contact properties": Last Engagement Date)."""
        with self._lock:
            contact = self._by_email(email)
            assert contact is not None, f"no contact {email}"
            now = _now()
            contact.properties.update({"hs_last_sales_activity_timestamp": now,
                                       "hs_last_sales_activity_type": kind, "lastmodifieddate": now})  # fmt: skip

    def close_deal(
        self, email: str, won: bool = True, amount: float = 24_000.0, name: str = "New business"
    ) -> Deal:
        """A rep closes a deal with the contact, won or lost (HubSpot's calculated hs_is_closed*)."""
        with self._lock:
            contact = self._by_email(email)
            assert contact is not None, f"no contact {email}"
            now = _now()
            deal = Deal(str(next(self._ids)), {
                "dealname": name, "amount": str(amount), "closedate": now, "hs_lastmodifieddate": now,
                "dealstage": "closedwon" if won else "closedlost", "hs_is_closed": "true",
                "hs_is_closed_won": "true" if won else "false",
            }, [contact.record_id])  # fmt: skip
            self.deals[deal.record_id] = deal
        self._notify([{"subscriptionType": "deal.propertyChange", "objectId": int(deal.record_id),
                       "propertyName": "dealstage", "propertyValue": deal.properties["dealstage"]}])  # fmt: skip
        return deal

    def company(self, domain: str, owner_id: str | None = None, target: bool | None = None) -> None:
        """A company as sales keeps it: its owner, and HubSpot's target-account flag."""
        with self._lock:
            found = next((k for k, v in self.companies.items() if v.get("domain") == domain), None)
            record_id = found or str(next(self._ids))
            values = self.companies.setdefault(record_id, {"domain": domain})
            if owner_id is not None:
                values[OWNER] = owner_id
            if target is not None:
                values["hs_is_target_account"] = "true" if target else "false"
            values["hs_lastmodifieddate"] = _now()

    def subscribe(self, url: str, client_secret: str) -> None:
        """The app's webhook subscription: CRM changes are POSTed to `url`, signed with the secret."""
        self.webhook = (url, client_secret)

    def send_webhook(
        self, events: list[dict[str, Any]], secret: str | None = None, age_seconds: float = 0
    ) -> int:
        """POSTs `events` to the subscribed URL as HubSpot does; the answer's status. `secret` signs
        with another secret (a forger's); `age_seconds` back-dates the timestamp (a replay)."""
        assert self.webhook is not None, "subscribe() first"
        url, client_secret = self.webhook
        now_ms = int((time.time() - age_seconds) * 1000)
        body = json.dumps([{"eventId": n + 1, "subscriptionId": 7, "portalId": 62515, "appId": int(APP_ID),
                            "occurredAt": now_ms, "attemptNumber": 0, "changeSource": "CRM_UI", **e}
                           for n, e in enumerate(events)])  # fmt: skip
        timestamp = str(now_ms)
        mac = hmac.new(
            (secret or client_secret).encode(), f"POST{url}{body}{timestamp}".encode(), hashlib.sha256
        )
        request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
            "Content-Type": "application/json", "X-HubSpot-Signature-v3": base64.b64encode(mac.digest()).decode(),
            "X-HubSpot-Request-Timestamp": timestamp,
        })  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status = int(answer.status)
        except urllib.error.HTTPError as refused:
            status = refused.code
        self.webhook_answers.append(status)
        return status

    def _notify(self, events: list[dict[str, Any]]) -> None:
        if self.webhook is not None:
            self.send_webhook(events)

    def person_sets(self, email: str, name: str, value: str, user_id: str = "9001") -> None:
        """A rep sets a contact property in HubSpot's UI (the lead status, say)."""
        with self._lock:
            contact = self._by_email(email)
            assert contact is not None, f"no contact {email}"
            self._set(contact, name, value, {"sourceType": "CRM_UI", "sourceId": f"userId:{user_id}"})

    def fail_next(self, count: int, status: int = 503) -> None:
        with self._lock:
            self._server_errors_left, self._server_error_status = count, status

    def go_down(self, seconds: float) -> None:
        """Answers 503 to everything for `seconds` (an outage)."""
        with self._lock:
            self._down_until = time.monotonic() + seconds

    def expire(self, token: str, replacement: str) -> None:
        """The token expires (or is rotated): `replacement` works from now on."""
        with self._lock:
            self.tokens.discard(token)
            self.expired.add(token)
            self.tokens.add(replacement)

    def contact(self, email: str) -> Contact | None:
        with self._lock:
            return self._by_email(email)

    def requests(self, path_suffix: str = "", status: int | None = None) -> list[Call]:
        with self._lock:
            return [
                c
                for c in self.calls
                if c.path.endswith(path_suffix) and (status is None or c.status == status)
            ]

    def most_in_any_window(self) -> int:
        """The most requests (answered or not) that arrived in any rolling window."""
        with self._lock:
            times = sorted(c.at for c in self.calls)
        most, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= self.burst_window:
                start += 1
            most = max(most, end - start + 1)
        return most

    # ----- the API -----
    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        path, _, raw_query = request.path.partition("?")
        query = dict(part.split("=", 1) for part in raw_query.split("&") if "=" in part)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = None
        with self._lock:
            status, answer, headers = self._route(request.command, path, request.headers, body, query)
            inputs = len(body.get("inputs", [])) if isinstance(body, dict) else 0
            self.calls.append(Call(time.monotonic(), request.command, path, status, inputs))
            after = self.between_read_and_write[:] if path.endswith("/batch/read") and status < 300 else []
            if after:
                self.between_read_and_write.clear()
        for action in after:  # the read is answered as it was; the change lands before leadqual's write
            action()
        self._reply(request, status, json.dumps(answer).encode(), "application/json;charset=utf-8", headers)

    def _route(
        self, method: str, path: str, headers: Any, body: Any, query: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        query = query or {}
        now = time.monotonic()
        if now < self._down_until:
            return 503, _error("Service Unavailable", "SERVICE_UNAVAILABLE"), {}
        token = (headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if token in self.expired:
            return (
                401,
                _error("The OAuth token used to make this call expired.", "EXPIRED_AUTHENTICATION"),
                {},
            )
        if token not in self.tokens:
            return 401, _error(
                "Authentication credentials not found. This API supports OAuth 2.0 authentication.",
                "INVALID_AUTHENTICATION",
            ), {}  # fmt: skip
        while self._window and now - self._window[0] >= self.burst_window:
            self._window.popleft()
        if len(self._window) >= self.burst_limit:
            retry_after = math.ceil(self.burst_window - (now - self._window[0]))
            answer: dict[str, Any] = {
                "status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                "errorType": "RATE_LIMIT", "correlationId": str(uuid.uuid4()), "policyName": "TEN_SECONDLY_ROLLING",
            }  # fmt: skip
            return 429, answer, {**self._limit_headers(), "Retry-After": str(max(1, retry_after))}
        self._window.append(now)
        self.daily_used += 1
        if self._server_errors_left > 0:
            self._server_errors_left -= 1
            return (
                self._server_error_status,
                _error("Internal error", "INTERNAL_ERROR"),
                self._limit_headers(),
            )
        if body is None:
            return 400, _error("Invalid input JSON", "VALIDATION_ERROR"), self._limit_headers()
        if method == "GET" and path == PROPERTIES:
            status, answer = 200, {"results": [
                {"name": n, "label": n, "type": t, "fieldType": PROPERTY_TYPES.get(t, "text"),
                 "groupName": "leadqual" if n.startswith("leadqual_") else "contactinformation"}
                for n, t in sorted(self.property_types.items())
            ]}  # fmt: skip
        elif method == "GET" and path == f"{PROPERTIES}/groups":
            status, answer = 200, {"results": [{"name": g, "label": g} for g in sorted(self.property_groups)]}
        elif method == "POST" and path == f"{PROPERTIES}/groups":
            status, answer = self._create_group(body)
        elif method == "POST" and path == f"{PROPERTIES}/batch/create":
            status, answer = self._create_properties(body)
        elif method == "GET" and path == OWNERS:
            status, answer = self._owners(query)
        elif method == "POST" and path == f"{CONTACTS}/batch/read":
            status, answer = self._batch_read(body)
        elif method == "POST" and path == f"{CONTACTS}/batch/upsert":
            status, answer = self._batch_upsert(body)
        elif method == "POST" and path == f"{CONTACTS}/search":
            status, answer = self._search(body, {c.record_id: c.properties for c in self.contacts.values()})
        elif method == "POST" and path == f"{COMPANIES}/search":
            status, answer = self._search(body, self.companies)
        elif method == "POST" and path == f"{DEALS}/search":
            status, answer = self._search(body, {d.record_id: d.properties for d in self.deals.values()})
        elif method == "POST" and path == f"{ASSOCIATIONS}/deals/contacts/batch/read":
            status, answer = self._deal_contacts(body)
        else:
            status, answer = 404, _error(f"No route for {method} {path}", "OBJECT_NOT_FOUND")
        return status, answer, self._limit_headers()

    def _limit_headers(self) -> dict[str, str]:
        return {
            "X-HubSpot-RateLimit-Daily": str(DAILY_LIMIT),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, DAILY_LIMIT - self.daily_used)),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(self.burst_window * 1000)),
            "X-HubSpot-RateLimit-Max": str(self.burst_limit),
            "X-HubSpot-RateLimit-Remaining": str(max(0, self.burst_limit - len(self._window))),
        }

    def _batch_read(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        inputs = body.get("inputs", [])
        if len(inputs) > BATCH_LIMIT:
            return 400, _error(
                f"Batch size {len(inputs)} exceeds the limit of {BATCH_LIMIT}", "VALIDATION_ERROR"
            )
        by_email = body.get("idProperty") == "email"
        wanted = set(body.get("properties", []))
        with_history = set(body.get("propertiesWithHistory", []))
        results, missing = [], []
        for item in inputs:
            key = str(item.get("id", ""))
            contact = self._by_email(key) if by_email else self.contacts.get(key)
            if contact is None:
                missing.append(key)
                continue
            result = self._result(contact, wanted)
            result["propertiesWithHistory"] = {name: contact.history.get(name, []) for name in with_history}
            results.append(result)
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": _now(),
            "completedAt": _now(),
        }
        if not missing:
            return 200, answer
        answer["numErrors"] = 1
        answer["errors"] = [{
            "status": "error", "category": "OBJECT_NOT_FOUND",
            "message": "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.",
            "context": {"ids": missing},
        }]  # fmt: skip
        return 207, answer

    def _batch_upsert(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        inputs = body.get("inputs", [])
        if len(inputs) > BATCH_LIMIT:
            return 400, _error(
                f"Batch size {len(inputs)} exceeds the limit of {BATCH_LIMIT}", "VALIDATION_ERROR"
            )
        for item in inputs:  # the whole batch is refused if one input is
            if item.get("idProperty") != "email":
                return 400, _error("Upsert by idProperty email only in this stand-in", "VALIDATION_ERROR")
            for name, value in (item.get("properties") or {}).items():
                problem = self._invalid(name, str(value))
                if problem:
                    return 400, _validation_error(name, problem)
        results = []
        for item in inputs:
            email = str(item["id"]).lower()
            contact = self._by_email(email)
            new = contact is None
            if contact is None:
                contact = Contact(str(next(self._ids)), {"email": email}, created_at=_now())
                self.contacts[contact.record_id] = contact
            for name, value in (item.get("properties") or {}).items():
                self._set(contact, name, str(value), {"sourceType": "INTEGRATION", "sourceId": APP_ID})
            contact.updated_at = _now()
            result = self._result(contact, set(item.get("properties") or {}))
            result["new"] = new
            results.append(result)
        return 200, {"status": "COMPLETE", "results": results, "startedAt": _now(), "completedAt": _now()}

    def _search(self, body: dict[str, Any], records: dict[str, dict[str, str]]) -> tuple[int, dict[str, Any]]:
        """filterGroups (OR of ANDed filters: EQ, NEQ, GTE, LTE, IN, HAS_PROPERTY), one sort, limit and
        `after` paging, as HubSpot's search answers them (`total`, `results`, `paging.next.after`)."""
        limit = int(body.get("limit", 10))
        if limit > SEARCH_LIMIT:
            return 400, _error(f"limit {limit} is over {SEARCH_LIMIT}", "VALIDATION_ERROR")
        groups = body.get("filterGroups") or [{"filters": []}]
        matched = [
            (record_id, values) for record_id, values in records.items()
            if any(all(_matches(values, f) for f in group.get("filters", [])) for group in groups)
        ]  # fmt: skip
        for sort in body.get("sorts", [])[:1]:
            name = sort["propertyName"]
            matched.sort(
                key=lambda item: _comparable(item[1].get(name)), reverse=sort.get("direction") == "DESCENDING"
            )
        start = int(body.get("after") or 0)
        page = matched[start : start + limit]
        wanted = set(body.get("properties") or [])
        answer: dict[str, Any] = {
            "total": len(matched),
            "results": [
                {"id": record_id, "properties": {n: v.get(n) for n in wanted}, "archived": False}
                for record_id, v in page
            ],  # fmt: skip
        }
        if start + limit < len(matched):
            answer["paging"] = {"next": {"after": str(start + limit)}}
        return 200, answer

    def _create_group(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        name = str(body.get("name", ""))
        if name in self.property_groups:
            return 409, _error(f"A property group named {name} already exists", "CONFLICT")
        self.property_groups.add(name)
        return 201, {
            "name": name,
            "label": body.get("label", name),
            "displayOrder": body.get("displayOrder", -1),
        }

    def _create_properties(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        results = []
        for item in body.get("inputs", []):
            name, kind = str(item.get("name", "")), str(item.get("type", ""))
            if name in self.defined_properties:
                return 409, _error(f"A property named {name} already exists", "CONFLICT")
            if PROPERTY_TYPES.get(kind) is None or item.get("groupName") not in self.property_groups:
                return 400, _validation_error(
                    name, f"type {kind} or group {item.get('groupName')} is not valid"
                )
        for item in body.get("inputs", []):
            self.defined_properties.add(item["name"])
            self.property_types[item["name"]] = item["type"]
            results.append({**item, "createdAt": _now()})
        return 201, {"status": "COMPLETE", "results": results, "startedAt": _now(), "completedAt": _now()}

    def _owners(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        archived = query.get("archived", "false") == "true"
        return 200, {"results": [
            {"id": owner, "email": f"rep{owner}@example.com", "type": "PERSON", "userId": int(owner) * 10,
             "archived": archived}
            for owner, active in sorted(self.owners.items()) if active is not archived
        ]}  # fmt: skip

    def _deal_contacts(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        results = []
        for item in body.get("inputs", []):
            deal = self.deals.get(str(item.get("id")))
            if deal is not None:
                results.append({"from": {"id": deal.record_id}, "to": [
                    {"toObjectId": int(c), "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}]}
                    for c in deal.contact_ids
                ]})  # fmt: skip
        return 200, {"status": "COMPLETE", "results": results, "startedAt": _now(), "completedAt": _now()}

    def _invalid(self, name: str, value: str) -> str | None:
        if name not in self.defined_properties:
            return f'Property "{name}" does not exist'
        allowed = self.validation_rules.get(name)
        if allowed is not None and value not in allowed:
            return f"{value} was not one of the allowed options: {sorted(allowed)}"
        return None

    def _set(self, contact: Contact, name: str, value: str, source: dict[str, Any]) -> None:
        if contact.properties.get(name) == value:
            return
        now = _now()
        contact.properties[name] = value
        contact.properties["lastmodifieddate"] = now
        contact.history.setdefault(name, []).insert(0, {"value": value, "timestamp": now, **source})

    def _by_email(self, email: str) -> Contact | None:
        email = email.lower()
        return next((c for c in self.contacts.values() if c.properties.get("email") == email), None)

    def _result(self, contact: Contact, wanted: set[str]) -> dict[str, Any]:
        properties = {name: contact.properties.get(name) for name in wanted | {"email", "hs_object_id"}}
        properties["hs_object_id"] = contact.record_id
        return {
            "id": contact.record_id, "properties": properties, "createdAt": contact.created_at,
            "updatedAt": contact.updated_at, "archived": False,
        }  # fmt: skip


def _comparable(value: str | None) -> tuple[int, float | str]:
    """A property's value as search compares it: dates and numbers as numbers, the rest as text."""
    if value is None:
        return (0, "")
    if value.isdigit():
        return (1, float(value))
    try:
        return (1, datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return (2, value)


def _matches(values: dict[str, str], condition: dict[str, Any]) -> bool:
    name, operator = condition["propertyName"], condition["operator"]
    value = values.get(name)
    if operator == "HAS_PROPERTY":
        return value not in (None, "")
    if operator == "NOT_HAS_PROPERTY":
        return value in (None, "")
    if operator == "IN":
        return value in condition.get("values", [])
    wanted = str(condition.get("value", ""))
    if operator in ("EQ", "NEQ"):
        return (str(value).lower() == wanted.lower()) is (operator == "EQ")
    if value is None:
        return False
    have, want = _comparable(value), _comparable(wanted)
    return {"GT": have > want, "GTE": have >= want, "LT": have < want, "LTE": have <= want}[operator]


def _error(message: str, category: str) -> dict[str, Any]:
    return {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category}


def _validation_error(name: str, problem: str) -> dict[str, Any]:
    return {
        **_error(f"Property values were not valid: {problem}", "VALIDATION_ERROR"),
        "errors": [{"message": problem, "code": "INVALID_OPTION", "context": {"propertyName": [name]}}],
    }
