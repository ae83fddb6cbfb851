"""leadqual's CRM API budget in DynamoDB (moto): a pace shared by concurrent writers, and a daily
share of the org's allocation that, once spent, stops every request until the next day."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from moto import mock_aws

from leadqual.adapters import aws_clients
from leadqual.adapters.aws_clients import client
from leadqual.adapters.dynamo_budget import DynamoApiBudget
from leadqual.connections import ApiBudgetSettings
from leadqual.domain.crm import ApiUsage
from leadqual.domain.ports import BudgetSpent
from leadqual_tools.local import moto_fixes

TABLE = "leadqual-leads"


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        moto_fixes.install()  # DynamoDB applies each request atomically; moto alone does not across threads
        aws_clients.reset_clients()
        client("dynamodb").create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],  # fmt: skip
            BillingMode="PAY_PER_REQUEST",
        )
        yield TABLE
        moto_fixes.uninstall()
    aws_clients.reset_clients()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, 0, 250_000, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_concurrent_writers_share_one_pace(table: str) -> None:
    clock = Clock()
    settings = ApiBudgetSettings(requests_per_second=8)
    writers = [DynamoApiBudget(table, {"hubspot": settings}, clock) for _ in range(4)]

    with ThreadPoolExecutor(8) as pool:
        waits = list(pool.map(lambda n: writers[n % 4].take("hubspot"), range(20)))

    assert waits.count(0.0) == 8  # eight requests in this second, whoever asked
    assert all(0 < wait <= 0.75 for wait in waits if wait)  # the others wait for the next second
    clock.now += timedelta(seconds=1)
    assert writers[0].take("hubspot") == 0.0


def test_the_daily_share_follows_the_allocation_the_crm_reports_and_then_stops_everything(table: str) -> None:
    clock = Clock()
    settings = ApiBudgetSettings(requests_per_second=100, daily_share=0.1, assumed_daily_allocation=30)
    budget = DynamoApiBudget(table, {"hubspot": settings}, clock)
    assert budget.share("hubspot") == 3  # 10 % of what is assumed until HubSpot says

    budget.observe("hubspot", ApiUsage(daily_limit=50, daily_remaining=50))
    other_writer = DynamoApiBudget(table, {"hubspot": settings}, clock)
    assert other_writer.share("hubspot") == 5  # every writer learns it

    for _ in range(5):
        assert other_writer.take("hubspot") == 0.0
    with pytest.raises(BudgetSpent) as spent:
        budget.take("hubspot")
    assert spent.value.reason == "budget"
    assert spent.value.seconds_until_renewed == pytest.approx(15 * 3600 - 0.25, abs=1)  # until 00:00 UTC
    assert budget.spent_today("hubspot") == (5, 5)

    clock.now += timedelta(days=1)
    assert budget.take("hubspot") == 0.0  # a new day, a new share
