"""DynamoDB plumbing every table adapter shares: attribute values, paged queries, batched writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

BATCH_WRITE_LIMIT = 25


def s(value: str) -> dict[str, str]:
    return {"S": value}


def n(value: int | float) -> dict[str, str]:
    return {"N": str(value)}


def query_all(ddb: Any, table: str, condition: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item a key condition matches, page after page, strongly consistent."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"TableName": table, "KeyConditionExpression": condition,
                              "ExpressionAttributeValues": values, "ConsistentRead": True}  # fmt: skip
    while True:
        page = ddb.query(**params)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def batch_write(ddb: Any, table: str, requests: Sequence[dict[str, Any]]) -> None:
    """Put/Delete requests in batches of 25, retrying whatever DynamoDB leaves unprocessed."""
    for start in range(0, len(requests), BATCH_WRITE_LIMIT):
        pending: dict[str, Any] = {table: list(requests[start : start + BATCH_WRITE_LIMIT])}
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
