"""Leads, e-mail de-duplication and idempotency records in the leads table.

Each record is stored as a JSON document beside its keys and a `version` number; writes are
conditional on the version read, so two writers can never silently overwrite each other.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from pydantic import ValidationError

from leadqual import resources
from leadqual.adapters.aws_clients import client
from leadqual.adapters.dynamo_items import is_conditional_failure, lead_partition, update_versioned
from leadqual.adapters.dynamo_items import n as _n
from leadqual.adapters.dynamo_items import s as _s
from leadqual.domain.ports import ConflictError, IdempotencyClaim
from leadqual.domain.report_rows import ReportRow, report_row
from leadqual.domain.schemas.lead import HistoryEntry, Lead
from leadqual.domain.schemas.shared import utc_now

DEDUPE_WINDOW = timedelta(hours=24)
# A request that claimed an Idempotency-Key and died gives it up after this long.
IN_PROGRESS_SECONDS = 60
# Touch entries are kept this long (the count on the lead is kept for good).
TOUCH_RETENTION = timedelta(days=400)
TOUCH_COUNT = "touch_count"
OUTCOME_COUNT = "outcome_count"
BATCH_GET_LIMIT = 100  # DynamoDB's most keys in one BatchGetItem
MAX_BATCH_ROUNDS = 4
BATCH_BACKOFF_SECONDS = 0.025
# The reports index: a lead's month, its submission time (fixed width, so keys sort as times) and
# the row itself, which the index projects alone.
REPORT_MONTH, REPORT_AT, REPORT_ROW = "report_month", "report_at", "report"
# A window of more months is read by one scan of the index rather than a query a month.
MONTHS_QUERIED_AT_MOST = 24


def _lead_key(lead_id: str) -> dict[str, Any]:
    return {"pk": lead_partition(lead_id), "sk": _s("LEAD")}


def _idempotency_key(key: str) -> dict[str, Any]:
    return {"pk": _s(f"IDEMPOTENCY#{key}"), "sk": _s("KEY")}


def _report_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _report_attributes(lead: Lead) -> dict[str, Any]:
    """Stored with every save of the lead, in the same write: its row can never disagree with it."""
    row = report_row(lead)
    return {
        REPORT_MONTH: _s(row.submitted_at.astimezone(UTC).strftime("%Y-%m")),
        REPORT_AT: _s(f"{_report_time(row.submitted_at)}#{row.lead_id}"),
        REPORT_ROW: _s(row.model_dump_json(exclude_defaults=True)),
    }


def _months(since: datetime, until: datetime) -> list[str] | None:
    """Every month from since's to until's, as the index names them; None for a window of more
    months than are worth a query each (or beyond the calendar in UTC): one scan reads it instead."""
    try:
        start, end = since.astimezone(UTC), until.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+01:00
        return None
    if (end.year - start.year) * 12 + end.month - start.month >= MONTHS_QUERIED_AT_MOST:
        return None
    year, month, last = start.year, start.month, end.strftime("%Y-%m")
    months = []
    while (current := f"{year:04d}-{month:02d}") <= last:
        months.append(current)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _lead_from(item: dict[str, Any]) -> Lead:
    """A lead as stored: its document, with the submissions counted apart from it (atomic adds)."""
    lead = Lead.model_validate_json(item["doc"]["S"])
    if TOUCH_COUNT in item:
        lead.touches = int(item[TOUCH_COUNT]["N"])
    return lead


class DynamoLeadStore:
    def __init__(self, table_name: str):
        self.table = table_name
        self.ddb = client("dynamodb")

    # ----- leads -----
    def get_lead_versioned(self, lead_id: str) -> tuple[Lead, int] | None:
        item = self.ddb.get_item(TableName=self.table, Key=_lead_key(lead_id), ConsistentRead=True).get(
            "Item"
        )
        if not item:
            return None
        return _lead_from(item), int(item["version"]["N"])

    def get_lead(self, lead_id: str) -> Lead | None:
        found = self.get_lead_versioned(lead_id)
        return found[0] if found else None

    def get_leads(self, lead_ids: list[str]) -> dict[str, Lead]:
        """Many leads at once (a page of reviews), by BatchGetItem: 100 keys a call, unprocessed keys
        asked again after a backoff, as DynamoDB asks callers to. A lead still unread after that is
        left out: the caller shows what it has (a review without its person) rather than nothing."""
        found: dict[str, Lead] = {}
        wanted = list(dict.fromkeys(lead_ids))
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            keys: list[dict[str, Any]] = [_lead_key(i) for i in wanted[start : start + BATCH_GET_LIMIT]]
            for round_number in range(MAX_BATCH_ROUNDS):
                if not keys:
                    break
                if round_number:
                    time.sleep(BATCH_BACKOFF_SECONDS * 2**round_number)
                answer = self.ddb.batch_get_item(
                    RequestItems={self.table: {"Keys": keys, "ConsistentRead": True}}
                )
                for item in answer.get("Responses", {}).get(self.table, []):
                    lead = _lead_from(item)
                    found[lead.lead_id] = lead
                keys = answer.get("UnprocessedKeys", {}).get(self.table, {}).get("Keys", [])
        return found

    def create_lead(self, lead: Lead) -> None:
        """Lead and e-mail marker in one transaction: both stored or neither."""
        dedupe_until = int((lead.submitted_at + DEDUPE_WINDOW).timestamp())
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {
                        **_lead_key(lead.lead_id),
                        "doc": _s(lead.model_dump_json()),
                        "version": _n(1),
                        TOUCH_COUNT: _n(1),
                        **_report_attributes(lead),
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {
                        "pk": _s(f"EMAIL#{lead.email}"),
                        "sk": _s("RECENT"),
                        "lead_id": _s(lead.lead_id),
                        "dedupe_until": _n(dedupe_until),
                        "expires_at": _n(dedupe_until + 86400),
                    },
                    # Another lead for this e-mail inside 24 h is the same lead, not a new one.
                    "ConditionExpression": "attribute_not_exists(pk) OR dedupe_until <= :submitted",
                    "ExpressionAttributeValues": {":submitted": _n(int(lead.submitted_at.timestamp()))},
                }
            },
        ]
        try:
            self.ddb.transact_write_items(TransactItems=items)
        except ClientError as error:
            if is_conditional_failure(error):
                raise ConflictError("a lead for this e-mail was just created") from error
            raise

    def delete_new_lead(self, lead: Lead) -> None:
        keys = [_lead_key(lead.lead_id), {"pk": _s(f"EMAIL#{lead.email}"), "sk": _s("RECENT")}]
        self.ddb.transact_write_items(
            TransactItems=[{"Delete": {"TableName": self.table, "Key": k}} for k in keys]
        )

    def add_touch(self, lead_id: str, entry: HistoryEntry) -> int:
        # The entry is an item of its own (the lead item would outgrow DynamoDB's 400 KB after a few
        # thousand), and the count is one atomic ADD, which never conflicts with a versioned save.
        self.ddb.put_item(
            TableName=self.table,
            Item={
                "pk": lead_partition(lead_id),
                "sk": _s(f"TOUCH#{entry.at.isoformat()}#{secrets.token_hex(4)}"),
                "doc": _s(entry.model_dump_json()),
                "expires_at": _n(int((entry.at + TOUCH_RETENTION).timestamp())),
            },
        )
        try:
            updated = self.ddb.update_item(
                TableName=self.table,
                Key=_lead_key(lead_id),
                UpdateExpression="ADD #touches :one",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#touches": TOUCH_COUNT},
                ExpressionAttributeValues={":one": _n(1)},
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as error:
            if is_conditional_failure(error):
                raise LookupError(f"lead {lead_id} does not exist") from error
            raise
        return int(updated["Attributes"][TOUCH_COUNT]["N"])

    def recent_touches(self, lead_id: str, limit: int) -> list[HistoryEntry]:
        items = self.ddb.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :touch)",
            ExpressionAttributeValues={":pk": lead_partition(lead_id), ":touch": _s("TOUCH#")},
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        ).get("Items", [])
        return [HistoryEntry.model_validate_json(item["doc"]["S"]) for item in reversed(items)]

    # ----- idempotency keys -----
    def claim_idempotency_key(self, key: str, now: datetime) -> IdempotencyClaim:
        """Ours if no live request holds the key; a request that died holds it only for a minute."""
        at = int(now.timestamp())
        try:
            self.ddb.put_item(
                TableName=self.table,
                Item={
                    **_idempotency_key(key),
                    "in_progress_until": _n(at + IN_PROGRESS_SECONDS),
                    "expires_at": _n(int((now + DEDUPE_WINDOW).timestamp())),
                },
                ConditionExpression=(
                    "attribute_not_exists(pk) OR expires_at <= :now "
                    "OR (attribute_not_exists(#response) AND in_progress_until <= :now)"
                ),
                ExpressionAttributeNames={"#response": "response"},
                ExpressionAttributeValues={":now": _n(at)},
            )
            return IdempotencyClaim(claimed=True)
        except ClientError as error:
            if not is_conditional_failure(error):
                raise
        return IdempotencyClaim(claimed=False, response=self.idempotent_response(key))

    def complete_idempotency_key(self, key: str, response: dict[str, Any]) -> None:
        self.ddb.update_item(
            TableName=self.table,
            Key=_idempotency_key(key),
            UpdateExpression="SET #response = :response REMOVE in_progress_until",
            ExpressionAttributeNames={"#response": "response"},
            ExpressionAttributeValues={":response": _s(json.dumps(response))},
        )

    def release_idempotency_key(self, key: str) -> None:
        """The request failed before it answered: a retry with the key may start over."""
        try:
            self.ddb.delete_item(
                TableName=self.table, Key=_idempotency_key(key), ConditionExpression="attribute_not_exists(#response)",
                ExpressionAttributeNames={"#response": "response"},
            )  # fmt: skip
        except ClientError as error:
            if not is_conditional_failure(error):
                raise

    def save_lead(self, lead: Lead, expected_version: int) -> int:
        # Beside the document: how many outcomes it holds, so retraining reads only labelled leads,
        # and its report row.
        beside = _report_attributes(lead) | ({OUTCOME_COUNT: _n(len(lead.outcomes))} if lead.outcomes else {})
        return update_versioned(
            self.ddb, self.table, _lead_key(lead.lead_id), lead.model_dump_json(), expected_version, beside
        )

    def leads_with_outcomes(self) -> Iterator[Lead]:
        """Every lead sales has reported an outcome for: a paged scan, filtered by DynamoDB."""
        return self._scan_leads(
            "sk = :lead AND #count > :none",
            {"#count": OUTCOME_COUNT},
            {":lead": _s("LEAD"), ":none": _n(0)},
        )

    def report_rows(self, since: datetime | None, until: datetime | None) -> Iterator[ReportRow]:
        """The rows of the leads submitted in the window, from the reports index (rows only, a
        fraction of the leads' size): one query per month of a window with a start and up to two
        years long, else one scan of the index. The index is eventually consistent: a lead saved a
        moment ago may be missing, or one save old."""
        params: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": resources.LEADS_REPORTS_INDEX,
            "ProjectionExpression": "#row",
            "ExpressionAttributeNames": {"#row": REPORT_ROW},
        }
        end = until or utc_now() + timedelta(days=1)  # a submission stamped slightly ahead
        months = None if since is None else _months(since, end)
        call, pages = self.ddb.scan, [params]
        if since is not None and months is not None:
            call = self.ddb.query
            pages = [
                {
                    **params,
                    "KeyConditionExpression": "#month = :month AND #at BETWEEN :since AND :until",
                    "ExpressionAttributeNames": {
                        "#row": REPORT_ROW,
                        "#month": REPORT_MONTH,
                        "#at": REPORT_AT,
                    },
                    "ExpressionAttributeValues": {
                        ":month": _s(month),
                        ":since": _s(_report_time(since)),
                        ":until": _s(_report_time(end)),  # below "<until>#<lead id>": until excluded
                    },
                }
                for month in months
            ]
        for first in pages:
            for item in self._pages(call, first):
                row = ReportRow.model_validate_json(item[REPORT_ROW]["S"])
                if row.submitted_within(since, until):
                    yield row

    def backfill_report_rows(self) -> tuple[int, int, list[str]]:
        """Gives each lead stored before the reports index existed its row: (given, skipped, the keys
        of documents no lead reads from). A lead saved meanwhile is skipped: its save wrote its row.
        Safe to run again, and while leads flow."""
        given = skipped = 0
        unreadable: list[str] = []
        params = {
            "TableName": self.table,
            "FilterExpression": "sk = :lead AND attribute_not_exists(#month)",
            "ExpressionAttributeNames": {"#month": REPORT_MONTH},
            "ExpressionAttributeValues": {":lead": _s("LEAD")},
            "ProjectionExpression": "pk, sk, doc, version",
        }
        for item in self._pages(self.ddb.scan, params):
            try:
                attributes = _report_attributes(Lead.model_validate_json(item["doc"]["S"]))
            except ValidationError:
                unreadable.append(item["pk"]["S"])
                continue
            try:
                self.ddb.update_item(
                    TableName=self.table,
                    Key={"pk": item["pk"], "sk": item["sk"]},
                    UpdateExpression="SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(attributes))),
                    ConditionExpression="#version = :read",
                    ExpressionAttributeNames={"#version": "version"}
                    | {f"#a{i}": name for i, name in enumerate(attributes)},
                    ExpressionAttributeValues={":read": item["version"]}
                    | {f":a{i}": value for i, value in enumerate(attributes.values())},
                )
                given += 1
            except ClientError as error:
                if not is_conditional_failure(error):
                    raise
                skipped += 1
        return given, skipped, unreadable

    def _pages(self, call: Any, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        while True:
            page = call(**params)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            params = {**params, "ExclusiveStartKey": page["LastEvaluatedKey"]}

    def _scan_leads(
        self, condition: str, names: dict[str, str] | None, values: dict[str, Any]
    ) -> Iterator[Lead]:
        params: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": condition,
            "ExpressionAttributeValues": values,
            "ProjectionExpression": "doc",
            **({"ExpressionAttributeNames": names} if names else {}),
        }
        for item in self._pages(self.ddb.scan, params):
            yield Lead.model_validate_json(item["doc"]["S"])

    def recent_lead_for_email(self, email: str, since: datetime) -> str | None:
        item = self.ddb.get_item(
            TableName=self.table, Key={"pk": _s(f"EMAIL#{email}"), "sk": _s("RECENT")}, ConsistentRead=True
        ).get("Item")
        if item and int(item["dedupe_until"]["N"]) > int(since.timestamp()):
            return str(item["lead_id"]["S"])
        return None

    def idempotent_response(self, key: str) -> dict[str, Any] | None:
        """The first response for this key while it is under 24 h old; DynamoDB's TTL deletes lazily."""
        item = self.ddb.get_item(TableName=self.table, Key=_idempotency_key(key), ConsistentRead=True).get(
            "Item"
        )
        if not item or "response" not in item or int(item["expires_at"]["N"]) <= int(utc_now().timestamp()):
            return None
        response: dict[str, Any] = json.loads(item["response"]["S"])
        return response
