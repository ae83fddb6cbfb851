"""leadqual's API budget per CRM, in the leads table: shared by every concurrent CRM writer.

Two counters, each one conditional update:
- the pace: requests in the current second, below `requests_per_second` (fixed one-second windows:
  at 8 a second no ten seconds can hold more than 88 requests, under HubSpot's 100 per 10 s);
- the daily share: requests today (UTC), below `daily_share` of the org's allocation, as the CRM's
  own limit headers last reported it (until then, `assumed_daily_allocation`).
Going over Salesforce's daily allocation blocks every integration in the customer's org: a spent
share makes writes wait in their queue, never drop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from leadqual.adapters.aws_clients import client
from leadqual.adapters.dynamo_items import is_conditional_failure, n, s
from leadqual.connections import ApiBudgetSettings
from leadqual.domain.crm import ApiUsage
from leadqual.domain.ports import BudgetSpent
from leadqual.domain.schemas.shared import utc_now

# How long a writer trusts the allocation it read before it reads it again.
ALLOCATION_FRESH_SECONDS = 60.0


def _key(system: str, item: str) -> dict[str, Any]:
    return {"pk": s(f"CRMBUDGET#{system}"), "sk": s(item)}


class DynamoApiBudget:
    def __init__(
        self,
        table_name: str,
        settings: dict[str, ApiBudgetSettings],
        clock: Callable[[], datetime] = utc_now,
    ):
        self.table = table_name
        self.settings = settings
        self.clock = clock
        self.ddb = client("dynamodb")
        self._allocation: dict[str, tuple[int, float]] = {}  # system -> (allocation, read at)

    def take(self, system: str) -> float:
        settings = self.settings[system]
        now = self.clock()
        second = int(now.timestamp())
        if not self._count(system, f"SECOND#{second}", settings.requests_per_second, second + 120):
            return max(0.001, second + 1 - now.timestamp())
        share = self.share(system)
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        if not self._count(system, f"DAY#{now.date().isoformat()}", share, int(midnight.timestamp()) + 86400):
            raise BudgetSpent(
                f"leadqual's share of {system}'s API allocation today ({share} requests) is spent",
                (midnight - now).total_seconds(),
            )
        return 0.0

    def observe(self, system: str, usage: ApiUsage) -> None:
        if usage.daily_limit is None:
            return
        known = self._allocation.get(system)
        if known is not None and known[0] == usage.daily_limit:
            return
        self.ddb.put_item(
            TableName=self.table,
            Item={**_key(system, "ALLOCATION"), "daily_limit": n(usage.daily_limit)},
        )
        self._allocation[system] = (usage.daily_limit, time.monotonic())

    def share(self, system: str) -> int:
        """leadqual's requests a day: its share of the org's daily allocation."""
        settings = self.settings[system]
        return max(1, math.floor(self._daily_limit(system, settings) * settings.daily_share))

    def spent_today(self, system: str) -> tuple[int, int]:
        item = self.ddb.get_item(
            TableName=self.table,
            Key=_key(system, f"DAY#{self.clock().date().isoformat()}"),
            ConsistentRead=True,
        ).get("Item")
        return (int(item["used"]["N"]) if item else 0), self.share(system)

    def _daily_limit(self, system: str, settings: ApiBudgetSettings) -> int:
        known = self._allocation.get(system)
        if known is not None and time.monotonic() - known[1] < ALLOCATION_FRESH_SECONDS:
            return known[0]
        item = self.ddb.get_item(TableName=self.table, Key=_key(system, "ALLOCATION")).get("Item")
        limit = int(item["daily_limit"]["N"]) if item else settings.assumed_daily_allocation
        self._allocation[system] = (limit, time.monotonic())
        return limit

    def _count(self, system: str, item: str, limit: int, expires_at: int) -> bool:
        """One more request in `item`'s window, if it holds fewer than `limit`."""
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key=_key(system, item),
                UpdateExpression="ADD used :one SET expires_at = :expires",
                ConditionExpression="attribute_not_exists(used) OR used < :limit",
                ExpressionAttributeValues={":one": n(1), ":limit": n(limit), ":expires": n(expires_at)},
            )
            return True
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
