"""Held leads, indexed in the leads table so new signals and the hold sweep can find them.

HOLD#PERSON#<key> / HOLD#ACCOUNT#<domain> items find the held leads of whoever a new event or
intent signal is about; one HOLDS partition sorted by hold time finds the ones held too long.
(Held leads are few next to all leads; a busier install would shard HOLDS by day.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from leadqual.adapters.aws_clients import client

BATCH_WRITE_LIMIT = 25


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _keys(
    lead_id: str, person_keys: Sequence[str], domain: str | None, since: datetime
) -> list[dict[str, Any]]:
    owners = [f"HOLD#PERSON#{key}" for key in person_keys] + ([f"HOLD#ACCOUNT#{domain}"] if domain else [])
    return [{"pk": _s(owner), "sk": _s(lead_id)} for owner in owners] + [
        {"pk": _s("HOLDS"), "sk": _s(f"{since.isoformat()}#{lead_id}")}
    ]


class DynamoHoldIndex:
    def __init__(self, table_name: str):
        self.table = table_name
        self.ddb = client("dynamodb")

    def add(self, lead_id: str, person_keys: Sequence[str], domain: str | None, since: datetime) -> None:
        self._batch([{"PutRequest": {"Item": {**key, "lead_id": _s(lead_id)}}}
                     for key in _keys(lead_id, person_keys, domain, since)])  # fmt: skip

    def remove(self, lead_id: str, person_keys: Sequence[str], domain: str | None, since: datetime) -> None:
        self._batch([{"DeleteRequest": {"Key": key}} for key in _keys(lead_id, person_keys, domain, since)])

    def held_for(self, person_keys: Sequence[str], domains: Sequence[str]) -> list[str]:
        owners = [f"HOLD#PERSON#{key}" for key in person_keys] + [f"HOLD#ACCOUNT#{d}" for d in domains]
        found: dict[str, None] = {}
        for owner in owners:
            for item in self._query("pk = :pk", {":pk": _s(owner)}):
                found[item["lead_id"]["S"]] = None
        return list(found)

    def held_before(self, cutoff: datetime) -> list[str]:
        items = self._query(
            "pk = :pk AND sk < :cutoff", {":pk": _s("HOLDS"), ":cutoff": _s(cutoff.isoformat())}
        )
        return [item["lead_id"]["S"] for item in items]

    def _query(self, condition: str, values: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": condition,
                                  "ExpressionAttributeValues": values, "ConsistentRead": True}  # fmt: skip
        while True:
            page = self.ddb.query(**params)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _batch(self, requests: list[dict[str, Any]]) -> None:
        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            pending: dict[str, Any] = {self.table: requests[start : start + BATCH_WRITE_LIMIT]}
            while pending:
                pending = self.ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
