"""Routing decisions and reviews, in the leads table beside the leads they are about.

A decision is kept in its lead's partition, one per evaluation. A review is a versioned document of
its own; while pending it carries the attributes of the sparse `pending-reviews` index (the inbox,
oldest first), and its task token is kept in the item, outside the document the API returns.
Apart from the leads adapter so that a function that never reads a review (scoring) never builds
the review and decision schemas.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from botocore.exceptions import ClientError

from leadqual import resources
from leadqual.adapters.aws_clients import client
from leadqual.adapters.dynamo_items import is_conditional_failure, lead_partition, update_versioned
from leadqual.adapters.dynamo_items import n as _n
from leadqual.adapters.dynamo_items import s as _s
from leadqual.domain.schemas.decision import RoutingDecision
from leadqual.domain.schemas.review import Review
from leadqual.domain.schemas.vocabulary import ReviewStatus

PENDING = "pending"
# The pending-reviews index's attributes: a review carries them while it waits on an SDR.
REVIEW_QUEUE, REVIEW_CREATED = resources.REVIEW_QUEUE_ATTRIBUTE, resources.REVIEW_CREATED_ATTRIBUTE
REVIEW_ACCOUNT = "review_account"
PENDING_INDEX = (REVIEW_QUEUE, REVIEW_CREATED, REVIEW_ACCOUNT)
# Index items read a query when listing one account's reviews (DynamoDB filters after reading):
# 600 pending reviews are two queries, not one per review.
ACCOUNT_PAGE = 500


def _decision_key(lead_id: str, evaluation: int) -> dict[str, Any]:
    return {"pk": lead_partition(lead_id), "sk": _s(f"DECISION#{evaluation:05d}")}


def _review_key(review_id: str) -> dict[str, Any]:
    return {"pk": _s(f"REVIEW#{review_id}"), "sk": _s("REVIEW")}


def _encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def _decode_cursor(cursor: str) -> dict[str, Any]:
    """The page key a cursor this API returned stands for; ValueError for anything else."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, UnicodeError, RecursionError) as error:
        raise ValueError("not a cursor this API returned") from error
    if not (
        isinstance(key, dict)
        and set(key) <= {"pk", "sk", REVIEW_QUEUE, REVIEW_CREATED}
        and all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) and len(v["S"]) < 1024
                for v in key.values())
    ):  # fmt: skip
        raise ValueError("not a cursor this API returned")
    return key


class DynamoDecisionStore:
    def __init__(self, table_name: str):
        self.table = table_name
        self.ddb = client("dynamodb")

    # ----- routing decisions -----
    def save_decision(self, decision: RoutingDecision) -> None:
        self.ddb.put_item(
            TableName=self.table,
            Item={
                **_decision_key(decision.lead_id, decision.evaluation),
                "doc": _s(decision.model_dump_json()),
            },
        )

    def get_decision(self, lead_id: str, evaluation: int) -> RoutingDecision | None:
        item = self.ddb.get_item(
            TableName=self.table, Key=_decision_key(lead_id, evaluation), ConsistentRead=True
        ).get("Item")
        return RoutingDecision.model_validate_json(item["doc"]["S"]) if item else None

    # ----- reviews -----
    def create_review(self, review: Review, task_token: str) -> bool:
        """False when this review already exists (a redelivered request)."""
        item = {
            **_review_key(review.review_id),
            "doc": _s(review.model_dump_json()),
            "version": _n(1),
            # Kept server-side only: never part of the Review model the API returns.
            "task_token": _s(task_token),
            **self._pending_index(review),
        }
        try:
            self.ddb.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")
            return True
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise

    def get_review(self, review_id: str) -> tuple[Review, int, str] | None:
        item = self.ddb.get_item(TableName=self.table, Key=_review_key(review_id), ConsistentRead=True).get(
            "Item"
        )
        if not item:
            return None
        return (
            Review.model_validate_json(item["doc"]["S"]),
            int(item["version"]["N"]),
            item["task_token"]["S"],
        )

    def save_review(self, review: Review, expected_version: int) -> int:
        index = self._pending_index(review)
        return update_versioned(
            self.ddb, self.table, _review_key(review.review_id), review.model_dump_json(), expected_version,
            index, remove=() if index else PENDING_INDEX,
        )  # fmt: skip

    def pending_reviews(
        self, account: str | None, limit: int, cursor: str | None
    ) -> tuple[list[Review], str | None]:
        """A page of pending reviews, the oldest first, and the cursor of the next page (None: the
        last). With an account, DynamoDB filters each page of the index after reading it (Limit
        counts items read, not kept), so pages of ACCOUNT_PAGE items are read and the cursor is
        the last review returned when a page held more than were asked for."""
        reviews: list[Review] = []
        start = _decode_cursor(cursor) if cursor else None
        while len(reviews) < limit:
            wanted = limit - len(reviews)
            params: dict[str, Any] = {
                "TableName": self.table,
                "IndexName": resources.LEADS_PENDING_REVIEW_INDEX,
                "KeyConditionExpression": f"{REVIEW_QUEUE} = :pending",
                "ExpressionAttributeValues": {":pending": _s(PENDING)},
                "Limit": max(wanted, ACCOUNT_PAGE) if account else wanted,
                "ScanIndexForward": True,
            }
            if account:
                params["FilterExpression"] = f"{REVIEW_ACCOUNT} = :account"
                params["ExpressionAttributeValues"][":account"] = _s(account)
            if start:
                params["ExclusiveStartKey"] = start
            page = self.ddb.query(**params)
            items = page.get("Items", [])
            start = page.get("LastEvaluatedKey")
            if len(items) > wanted:
                items = items[:wanted]
                start = {name: items[-1][name] for name in ("pk", "sk", REVIEW_QUEUE, REVIEW_CREATED)}
            reviews.extend(Review.model_validate_json(item["doc"]["S"]) for item in items)
            if not start:
                break
        return reviews, _encode_cursor(start) if start else None

    @staticmethod
    def _pending_index(review: Review) -> dict[str, Any]:
        # A sparse index: only pending reviews carry these attributes, oldest first.
        if review.status is not ReviewStatus.PENDING:
            return {}
        return {
            REVIEW_QUEUE: _s(PENDING),
            REVIEW_CREATED: _s(f"{review.created_at.isoformat()}#{review.review_id}"),
            REVIEW_ACCOUNT: _s(review.account or "-"),
        }
