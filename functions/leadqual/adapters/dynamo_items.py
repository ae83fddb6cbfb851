"""DynamoDB plumbing every table adapter shares: attribute values, paged queries, batched writes,
and the versioned save every stored document (a lead, a review) is written with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from leadqual.domain.ports import ConflictError

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


def lead_partition(lead_id: str) -> dict[str, Any]:
    """The partition a lead's items share: the lead, its touches and its routing decisions."""
    return s(f"LEAD#{lead_id}")


def is_conditional_failure(error: ClientError) -> bool:
    return error.response["Error"]["Code"] in (
        "ConditionalCheckFailedException",
        "TransactionCanceledException",
    )


def update_versioned(
    ddb: Any,
    table: str,
    key: dict[str, Any],
    doc: str,
    expected_version: int,
    beside: Mapping[str, Any],
    remove: Sequence[str] = (),
) -> int:
    """Writes a document only if it is still at the version read, with the attributes kept beside
    it (set) and those it no longer has (removed), in one write; ConflictError if someone else
    wrote first. Returns the new version."""
    names = {"#doc": "doc", "#version": "version"}
    values: dict[str, Any] = {
        ":doc": s(doc),
        ":next": n(expected_version + 1),
        ":expected": n(expected_version),
    }
    sets = ["#doc = :doc", "#version = :next"]
    for position, (attribute, value) in enumerate(beside.items()):
        names[f"#i{position}"] = attribute
        values[f":i{position}"] = value
        sets.append(f"#i{position} = :i{position}")
    update = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(remove) if remove else "")
    try:
        ddb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression=update,
            ConditionExpression="#version = :expected",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except ClientError as error:
        if is_conditional_failure(error):
            raise ConflictError(f"{key['pk']['S']} changed since it was read") from error
        raise
    return expected_version + 1
