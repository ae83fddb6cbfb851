"""The review inbox's index on moto: one account's reviews are read a page at a time, not a review
a query, and its cursor neither skips nor repeats a review."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from leadqual import resources
from leadqual.adapters.aws_clients import client
from leadqual.adapters.dynamo_decisions import DynamoDecisionStore
from leadqual.domain.schemas.review import Review
from leadqual.domain.schemas.shared import utc_now
from leadqual.domain.schemas.vocabulary import ReviewStatus, RouteAction
from leadqual_tools.local.cloud import LocalCloud

NOW = utc_now()


def _review(number: int, account: str) -> Review:
    return Review(
        review_id=f"rv_{number:04d}", lead_id=f"ld_{number:04d}", account=account, status=ReviewStatus.PENDING,
        triggers=["named_account"], reasons=[], scores=None, suggested_route=RouteAction.AE_NOTIFY,
        suggested_owner="maria.lopez", rule="named-account-review",
        created_at=NOW + timedelta(seconds=number), due_at=NOW + timedelta(hours=1),
    )  # fmt: skip


class CountingQueries:
    """The DynamoDB client, counting the queries made through it."""

    def __init__(self) -> None:
        self.ddb, self.queries = client("dynamodb"), 0

    def query(self, **params: Any) -> Any:
        self.queries += 1
        return self.ddb.query(**params)


def test_one_accounts_reviews_are_read_a_page_at_a_time_and_paged_without_gaps(cloud: LocalCloud) -> None:
    store = DynamoDecisionStore(resources.LEADS_TABLE)
    # GIVEN 600 pending reviews, three of them for one account, spread through the inbox
    ours = {100, 350, 599}
    for number in range(600):
        store.create_review(_review(number, "target.io" if number in ours else f"other{number}.io"), "token")
    counting = CountingQueries()
    store.ddb = counting

    # WHEN the account's reviews are listed one a page
    found, cursor, pages = [], None, 0
    while True:
        page, cursor = store.pending_reviews("target.io", 1, cursor)
        found += [r.review_id for r in page]
        pages += 1
        if cursor is None:
            break

    # THEN each review once, in order, and a handful of queries instead of one per review read
    assert found == [f"rv_{n:04d}" for n in sorted(ours)]
    assert counting.queries <= pages + 2, counting.queries
    first, _ = store.pending_reviews("target.io", 1, None)
    assert [r.review_id for r in first] == ["rv_0100"]
