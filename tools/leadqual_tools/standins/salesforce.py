"""A local stand-in for Salesforce's REST API: what leadqual's adapter (simple-salesforce) sends.

No live Salesforce org is reached by leadqual's tests: this server answers over real HTTP in the
shapes Salesforce documents (developer.salesforce.com/docs/platform/api-rest/guide/ and the OAuth
guide), errors and limits included:
- `POST /services/oauth2/token`, `grant_type=client_credentials` with the client's id and secret as
  HTTP Basic: `{access_token, instance_url, id, token_type, issued_at}`; a wrong client is 400
  `{error: invalid_client}` (help.salesforce.com, "OAuth 2.0 Client Credentials Flow");
  `GET /services/oauth2/userinfo`: `{user_id, ...}`, the run-as user;
- `POST /services/data/vXX.X/composite`: `compositeRequest` of GET queries, answered
  `{compositeResponse: [{body, httpHeaders, httpStatusCode, referenceId}]}`
  (resources_composite_composite.htm). Queries are SOQL; this stand-in evaluates the subset leadqual
  sends: SELECT fields (and parent.field) FROM an object WHERE conditions joined by AND
  (`=`, `!=`, `>=`, `IN (...)`, `null`, `true`/`false`, date-times), ORDER BY one field;
- `PATCH /services/data/vXX.X/composite/sobjects/Lead/<external id>`: up to 200 records, each answered
  by an UpsertResult `{id, success, created, errors: [{statusCode, message, fields}]}`; a validation
  rule's refusal is `FIELD_CUSTOM_VALIDATION_EXCEPTION` naming the field
  (resources_composite_sobjects_collections_upsert.htm). Owner changes are kept in `LeadHistory`;
- the Metadata API (SOAP, `POST /services/Soap/m/XX.X`, developer.salesforce.com/docs/atlas.en-us.
  api_meta.meta/api_meta/): `readMetadata` (a component that does not exist comes back with no
  `fullName`), `createMetadata` (`SaveResult`s) and `upsertMetadata` (`UpsertResult`s) for
  `CustomField` and `PermissionSet` (its `fieldPermissions`); the session is the `SessionHeader`;
- a query past a page answers `done: false` and a `nextRecordsUrl`, which `GET` continues
  (resources_query.htm);
- Bulk API 2.0 query jobs (developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/
  queries.htm): `POST /jobs/query` `{operation, query}`, `GET /jobs/query/<id>` (`state:
  JobComplete`), `GET /jobs/query/<id>/results`: CSV, with `Sforce-Locator` and
  `Sforce-NumberOfRecords`;
- `GET /services/data/vXX.X/limits/`: `DailyApiRequests {Max, Remaining}` (resources_limits.htm);
- an expired session is 401 `[{errorCode: INVALID_SESSION_ID}]`; a spent org allocation 403
  `REQUEST_LIMIT_EXCEEDED`; every data answer carries `Sforce-Limit-Info: api-usage=used/max`.
"""

from __future__ import annotations

import base64
import csv
import io
import itertools
import json
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree import ElementTree

from leadqual_tools.standins import StandInServer

DAILY_LIMIT = 100_000
INTEGRATION_USER = "005000000000LQ1"
EXTERNAL_ID = "leadqual_Lead_Id__c"
# Parent relationships the queries follow: relationship -> (its id field, the parent's object).
PARENTS = {"Lead": ("LeadId", "Lead"), "ConvertedOpportunity": ("ConvertedOpportunityId", "Opportunity")}


@dataclass
class Call:
    method: str
    path: str
    status: int
    records: int


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class SalesforceStandIn(StandInServer):
    name = "salesforce-stand-in"

    def __init__(self, client_id: str = "leadqual-client", client_secret: str = "leadqual-secret"):
        super().__init__()
        self.clients = {client_id: client_secret}
        self.tokens: set[str] = set()
        self.objects: dict[str, dict[str, dict[str, Any]]] = {
            "Lead": {},
            "Opportunity": {},
            "Account": {},
            "User": {},
        }
        self.history: list[dict[str, Any]] = []  # LeadHistory rows
        # Metadata components by type and full name: what `leadqual crm install` creates.
        self.metadata: dict[str, dict[str, dict[str, Any]]] = {"CustomField": {}, "PermissionSet": {}}
        self.validation_rules: dict[str, set[str]] = {}  # field -> allowed values
        self.required_on_create = ("LastName", "Company")
        self.page_size = 2000  # a query's rows a page; the rest behind `nextRecordsUrl`
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self.jobs: dict[str, tuple[list[str], list[dict[str, Any]]]] = {}  # Bulk 2.0 query jobs
        self.calls: list[Call] = []
        self.used = 0
        self.daily_limit = DAILY_LIMIT
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._server_errors = 0
        # The sample policy's reps (crm.users), a rep who is not leadqual's, and the integration user.
        sample_reps = [f"005000000000{n}" for n in (101, 102, 103, 104, 105, 106, 107, 201, 202, 909)]
        for user in (*sample_reps, INTEGRATION_USER):
            self.objects["User"][user] = {"Id": user, "IsActive": True, "UserType": "Standard"}

    # ----- what a test does to the org -----
    def lead(self, lead_id: str) -> dict[str, Any] | None:
        with self._lock:
            return next((r for r in self.objects["Lead"].values() if r.get(EXTERNAL_ID) == lead_id), None)

    def person_sets_owner(self, lead_id: str, owner: str, user: str = "005000000000909") -> None:
        with self._lock:
            record = self.lead(lead_id)
            assert record is not None
            self._set_owner(record, owner, user)

    def close_opportunity(self, lead_id: str, won: bool, amount: float = 24_000.0) -> None:
        """Sales converts the lead and closes its opportunity."""
        with self._lock:
            record = self.lead(lead_id)
            assert record is not None
            opportunity = f"006{next(self._ids):012d}"
            self.objects["Opportunity"][opportunity] = {
                "Id": opportunity, "Name": "New business", "IsClosed": True, "IsWon": won, "Amount": amount,
                "CloseDate": datetime.now(UTC).date().isoformat(), "SystemModstamp": _now(),
            }  # fmt: skip
            record.update(IsConverted=True, ConvertedOpportunityId=opportunity, SystemModstamp=_now())

    def log_task(self, lead_id: str, subject: str = "Call") -> None:
        """A rep logs a call (a Task, its WhoId the Lead) on the lead (Salesforce Object Reference:
        Task, WhoId and CreatedDate)."""
        with self._lock:
            record = self.lead(lead_id)
            assert record is not None
            task = f"00T{next(self._ids):012d}"
            self.objects.setdefault("Task", {})[task] = {
                "Id": task, "WhoId": record["Id"], "Subject": subject, "CreatedDate": _now(),
            }  # fmt: skip

    def set_status(self, lead_id: str, status: str) -> None:
        with self._lock:
            record = self.lead(lead_id)
            assert record is not None
            record.update(Status=status, SystemModstamp=_now())

    def expire_sessions(self) -> None:
        with self._lock:
            self.tokens.clear()

    def fail_next(self, count: int) -> None:
        with self._lock:
            self._server_errors = count

    def data_calls(self) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if "/services/data/" in c.path]

    # ----- the API -----
    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        parts = urlsplit(request.path)
        with self._lock:
            status, answer, headers = self._route(
                request.command, parts.path, parts.query, request.headers, raw
            )
            records = len(answer) if isinstance(answer, list) else 0
            self.calls.append(Call(request.command, parts.path, status, records))
        raw_type = headers.pop(RAW, None)  # an answer that is not JSON: SOAP, or a Bulk query's CSV
        payload = answer.encode() if raw_type else json.dumps(answer).encode()
        self._reply(request, status, payload, raw_type or "application/json;charset=UTF-8", headers)

    def _route(
        self, method: str, path: str, query: str, headers: Any, raw: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        if path == "/services/oauth2/token" and method == "POST":
            return self._token(headers, raw)
        if re.fullmatch(r"/services/Soap/m/[\d.]+/?", path) and method == "POST":
            return self._metadata(raw)  # its session is in the SOAP header, not Authorization
        token = (headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if token not in self.tokens:
            return 401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], {}
        if path == "/services/oauth2/userinfo":
            return 200, {"user_id": INTEGRATION_USER, "organization_id": "00D000000000001"}, {}
        if self._server_errors > 0:
            self._server_errors -= 1
            return (
                503,
                [{"message": "Service Unavailable", "errorCode": "SERVER_UNAVAILABLE"}],
                {"Retry-After": "0"},
            )
        if self.used >= self.daily_limit:
            return (
                403,
                [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}],
                {},
            )
        self.used += 1
        limit = {"Sforce-Limit-Info": f"api-usage={self.used}/{self.daily_limit}"}
        body = json.loads(raw or b"{}")
        if method == "GET" and (more := re.fullmatch(r"/services/data/v[\d.]+/query/(\w+-\d+)", path)):
            rows = self._cursors.pop(more.group(1), None)
            if rows is None:
                return (
                    400,
                    [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}],
                    limit,
                )
            return 200, self._page(rows, path.rsplit("/query/", 1)[0]), limit
        if method == "POST" and re.fullmatch(r"/services/data/v[\d.]+/jobs/query", path):
            return (*self._create_query_job(body), limit)
        if method == "GET" and (
            job := re.fullmatch(r"/services/data/v[\d.]+/jobs/query/(\w+)(/results)?", path)
        ):
            return self._query_job(job.group(1), bool(job.group(2)), limit)
        if method == "GET" and re.fullmatch(r"/services/data/v[\d.]+/limits/?", path):
            return (
                200,
                {"DailyApiRequests": {"Max": self.daily_limit, "Remaining": self.daily_limit - self.used}},
                limit,
            )
        if method == "POST" and re.fullmatch(r"/services/data/v[\d.]+/composite", path):
            return (
                200,
                {"compositeResponse": [self._subrequest(r) for r in body.get("compositeRequest", [])]},
                limit,
            )
        if method == "PATCH" and re.fullmatch(
            rf"/services/data/v[\d.]+/composite/sobjects/Lead/{EXTERNAL_ID}", path
        ):
            return (*self._upsert(body.get("records", []), headers), limit)
        return (
            404,
            [{"message": f"The requested resource does not exist: {path}", "errorCode": "NOT_FOUND"}],
            limit,
        )

    def _token(self, headers: Any, raw: bytes) -> tuple[int, Any, dict[str, str]]:
        form = parse_qs(raw.decode())
        basic = (headers.get("Authorization") or "").removeprefix("Basic ").strip()
        client_id, _, secret = base64.b64decode(basic or b"").decode().partition(":")
        if form.get("grant_type") != ["client_credentials"] or self.clients.get(client_id) != secret:
            return 400, {"error": "invalid_client", "error_description": "invalid client credentials"}, {}
        token = f"00D000000000001!{uuid.uuid4().hex}"
        self.tokens.add(token)
        return 200, {
            "access_token": token, "instance_url": "https://standin.my.salesforce.com",
            "id": f"https://login.salesforce.com/id/00D000000000001/{INTEGRATION_USER}",
            "token_type": "Bearer", "issued_at": str(int(datetime.now(UTC).timestamp() * 1000)),
        }, {}  # fmt: skip

    def _subrequest(self, request: dict[str, Any]) -> dict[str, Any]:
        url = urlsplit(request.get("url", ""))
        soql = unquote(parse_qs(url.query).get("q", [""])[0])
        try:
            records = self._soql(soql)
        except ValueError as error:
            return {"body": [{"message": str(error), "errorCode": "MALFORMED_QUERY"}], "httpHeaders": {},
                    "httpStatusCode": 400, "referenceId": request.get("referenceId")}  # fmt: skip
        base = url.path.rsplit("/query", 1)[0]
        return {"body": self._page(records, base), "httpHeaders": {}, "httpStatusCode": 200,
                "referenceId": request.get("referenceId")}  # fmt: skip

    def _page(self, rows: list[dict[str, Any]], base: str) -> dict[str, Any]:
        """A query's first `page_size` rows; the rest behind a `nextRecordsUrl` (a query locator)."""
        page, rest = rows[: self.page_size], rows[self.page_size :]
        answer: dict[str, Any] = {"totalSize": len(rows), "done": not rest, "records": page}
        if rest:
            locator = f"01g{next(self._ids):012d}-{self.page_size}"
            self._cursors[locator] = rest
            answer["nextRecordsUrl"] = f"{base}/query/{locator}"
        return answer

    def _upsert(self, records: list[dict[str, Any]], headers: Any) -> tuple[int, Any]:
        if len(records) > 200:
            return 400, [{"message": "Exceeded max size limit of 200", "errorCode": "EXCEEDED_ID_LIMIT"}]
        results = []
        for record in records:
            fields = {k: v for k, v in record.items() if k != "attributes"}
            refused = next(((name, value) for name, value in fields.items()
                            if name in self.validation_rules and str(value) not in self.validation_rules[name]), None)  # fmt: skip
            existing = self.lead(str(fields.get(EXTERNAL_ID)))
            missing = [f for f in self.required_on_create if existing is None and not fields.get(f)]
            if refused or missing:
                name = refused[0] if refused else missing[0]
                code = "FIELD_CUSTOM_VALIDATION_EXCEPTION" if refused else "REQUIRED_FIELD_MISSING"
                results.append({"success": False, "created": False,
                                "errors": [{"statusCode": code, "message": f"{name}: not allowed", "fields": [name]}]})  # fmt: skip
                continue
            owner = fields.pop("OwnerId", None)
            target = existing or {"Id": f"00Q{next(self._ids):012d}", "IsConverted": False, "Status": "Open - Not Contacted",
                                  "OwnerId": INTEGRATION_USER, "CreatedDate": _now()}  # fmt: skip
            target.update(fields, SystemModstamp=_now())
            self.objects["Lead"][target["Id"]] = target
            if owner is not None:
                self._set_owner(target, owner, INTEGRATION_USER)
            results.append({"id": target["Id"], "success": True, "errors": [], "created": existing is None})
        return 200, results

    def _set_owner(self, record: dict[str, Any], owner: str, by: str) -> None:
        if record.get("OwnerId") == owner:
            return
        old, record["OwnerId"] = record.get("OwnerId"), owner
        record["SystemModstamp"] = _now()
        self.history.append({"Id": f"017{next(self._ids):012d}", "LeadId": record["Id"], "Field": "Owner",
                             "DataType": "EntityId", "OldValue": old, "NewValue": owner,
                             "CreatedDate": _now(), "CreatedById": by})  # fmt: skip

    # ----- Bulk API 2.0 query jobs -----
    def _create_query_job(self, body: dict[str, Any]) -> tuple[int, Any]:
        if body.get("operation") not in ("query", "queryAll") or not body.get("query"):
            return 400, [{"message": "operation and query are required", "errorCode": "INVALIDJOB"}]
        try:
            rows = self._soql(str(body["query"]))
        except ValueError as error:
            return 400, [{"message": str(error), "errorCode": "INVALIDJOB"}]
        fields = [f.strip() for f in str(body["query"]).split(" FROM ")[0].removeprefix("SELECT ").split(",")]
        job = f"750{next(self._ids):012d}"
        self.jobs[job] = (fields, rows)
        return 200, {"id": job, "operation": body["operation"], "object": str(body["query"]).split(" FROM ")[1].split()[0],
                     "state": "UploadComplete", "contentType": "CSV", "apiVersion": 66.0}  # fmt: skip

    def _query_job(self, job: str, results: bool, limit: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        if job not in self.jobs:
            return 404, [{"message": f"no job {job}", "errorCode": "NOT_FOUND"}], limit
        fields, rows = self.jobs[job]
        if not results:
            return 200, {"id": job, "state": "JobComplete", "numberRecordsProcessed": len(rows)}, limit
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(fields)
        for row in rows:
            flat = {k: v for k, v in _flatten(row).items()}
            writer.writerow(["" if flat.get(f) is None else str(flat.get(f)).lower() if isinstance(flat.get(f), bool)
                             else flat.get(f) for f in fields])  # fmt: skip
        return 200, out.getvalue(), {**limit, RAW: "text/csv;charset=UTF-8", "Sforce-Locator": "null",
                                     "Sforce-NumberOfRecords": str(len(rows))}  # fmt: skip

    # ----- the Metadata API (SOAP) -----
    def _metadata(self, raw: bytes) -> tuple[int, Any, dict[str, str]]:
        envelope = ElementTree.fromstring(raw)
        session = envelope.find(f".//{{{MD}}}sessionId")
        if session is None or session.text not in self.tokens:
            return (
                500,
                _soap_fault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader"),
                {RAW: "text/xml;charset=UTF-8"},
            )
        body = envelope.find(f"{{{SOAP}}}Body")
        assert body is not None
        call = body[0]
        operation = call.tag.split("}")[1]
        if operation == "readMetadata":
            kind = call.findtext(f"{{{MD}}}type") or ""
            names = [e.text or "" for e in call.findall(f"{{{MD}}}fullNames")]
            records = "".join(_component(kind, self.metadata.get(kind, {}).get(name)) for name in names)
            return (
                200,
                _soap("readMetadataResponse", f"<result>{records}</result>"),
                {RAW: "text/xml;charset=UTF-8"},
            )
        if operation in ("createMetadata", "upsertMetadata"):
            results = []
            for element in call.findall(f"{{{MD}}}metadata"):
                kind = element.get(f"{{{XSI}}}type", "").split(":")[-1]
                component = _parsed(element)
                name = str(component.get("fullName"))
                exists = name in self.metadata.setdefault(kind, {})
                if operation == "createMetadata" and exists:
                    results.append(f"<result><errors><message>{name} already exists</message>"
                                   f"<statusCode>DUPLICATE_DEVELOPER_NAME</statusCode></errors>"
                                   f"<fullName>{name}</fullName><success>false</success></result>")  # fmt: skip
                    continue
                self.metadata[kind][name] = component
                created = (
                    "" if operation == "createMetadata" else f"<created>{str(not exists).lower()}</created>"
                )
                results.append(
                    f"<result>{created}<fullName>{name}</fullName><success>true</success></result>"
                )
            return 200, _soap(f"{operation}Response", "".join(results)), {RAW: "text/xml;charset=UTF-8"}
        return (
            500,
            _soap_fault("INVALID_OPERATION", f"{operation} is not answered by this stand-in"),
            {RAW: "text/xml;charset=UTF-8"},
        )

    def field_exists(self, api_name: str) -> bool:
        with self._lock:
            return f"Lead.{api_name}" in self.metadata["CustomField"]

    # ----- the SOQL leadqual sends -----
    def _soql(self, soql: str) -> list[dict[str, Any]]:
        found = re.fullmatch(
            r"SELECT (?P<fields>.+?) FROM (?P<object>\w+)(?: WHERE (?P<where>.+?))?(?: ORDER BY (?P<order>[\w.]+))?",
            soql.strip(), re.S,
        )  # fmt: skip
        if found is None:
            raise ValueError(f"unexpected token in: {soql[:80]}")
        fields = [f.strip() for f in found["fields"].split(",")]
        rows = (
            self.history
            if found["object"] == "LeadHistory"
            else list(self.objects.get(found["object"], {}).values())
        )
        conditions = re.split(r" AND ", found["where"]) if found["where"] else []
        matched = [row for row in rows if all(self._holds(row, c.strip()) for c in conditions)]
        if found["order"]:
            matched.sort(key=lambda row: str(self._value(row, found["order"]) or ""))
        return [self._project(row, fields, found["object"]) for row in matched]

    def _holds(self, row: dict[str, Any], condition: str) -> bool:
        parsed = re.fullmatch(r"([\w.]+) (=|!=|>=|<=|IN) (.+)", condition)
        if parsed is None:
            raise ValueError(f"unexpected condition: {condition}")
        name, operator, literal = parsed.groups()
        value = self._value(row, name)
        if operator == "IN":
            return value in [_literal(v.strip()) for v in literal.strip("()").split(",")]
        wanted = _literal(literal)
        if operator == "=":
            return value == wanted
        if operator == "!=":
            return value != wanted
        if value is None:
            return False
        return (
            (_comparable(value) >= _comparable(wanted))
            if operator == ">="
            else (_comparable(value) <= _comparable(wanted))
        )

    def _value(self, row: dict[str, Any], path: str) -> Any:
        if "." not in path:
            return row.get(path)
        relationship, field = path.split(".", 1)
        id_field, parent_object = PARENTS[relationship]
        parent = self.objects[parent_object].get(str(row.get(id_field)))
        return parent.get(field) if parent else None

    def _project(self, row: dict[str, Any], fields: list[str], object_name: str) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": {"type": object_name}}
        for field in fields:
            if "." in field:
                relationship, name = field.split(".", 1)
                nested = out.setdefault(relationship, {"attributes": {"type": PARENTS[relationship][1]}})
                nested[name] = self._value(row, field)
            else:
                out[field] = row.get(field)
        return out


RAW = "__raw__"  # a header that is not sent: the Content-Type of an answer that is not JSON
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
MD = "http://soap.sforce.com/2006/04/metadata"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _soap(element: str, inner: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP}" xmlns="{MD}" '
            f'xmlns:xsi="{XSI}"><soapenv:Body><{element}>{inner}</{element}></soapenv:Body></soapenv:Envelope>')  # fmt: skip


def _soap_fault(code: str, message: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP}" xmlns:sf="{MD}">'
            f"<soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode><faultstring>{code}: {message}"
            "</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>")  # fmt: skip


def _parsed(element: ElementTree.Element) -> dict[str, Any]:
    """A metadata component's elements as a dict (a repeated one, such as fieldPermissions, a list)."""
    found: dict[str, Any] = {}
    for child in element:
        name = child.tag.split("}")[1]
        value: Any = _parsed(child) if len(child) else child.text
        if name in found:
            found[name] = [*found[name], value] if isinstance(found[name], list) else [found[name], value]
        else:
            found[name] = [value] if name == "fieldPermissions" else value
    return found


def _component(kind: str, component: dict[str, Any] | None) -> str:
    """A component as readMetadata answers it; one that does not exist has no fullName."""
    if component is None:
        return f'<records xsi:type="{kind}"/>'
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in component.items() if not isinstance(v, list | dict))
    for permission in (
        component.get("fieldPermissions", []) if isinstance(component.get("fieldPermissions"), list) else []
    ):
        inner += (
            "<fieldPermissions>"
            + "".join(f"<{k}>{v}</{k}>" for k, v in permission.items())
            + "</fieldPermissions>"
        )
    return f'<records xsi:type="{kind}">{inner}</records>'


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if key == "attributes":
            continue
        flat |= _flatten(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value}
    return flat


def _literal(text: str) -> Any:
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("\\'", "'")
    return {"null": None, "true": True, "false": False}.get(text, text)


def _comparable(value: Any) -> str:
    # Date-times as Salesforce writes them (+0000) and as SOQL takes them (Z) compare as UTC text.
    return str(value).replace(".000+0000", "Z").replace("+0000", "Z")
