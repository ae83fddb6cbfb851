"""Accounts, first-party events and third-party intent in the signals table."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from leadqual.adapters.aws_clients import client
from leadqual.adapters.dynamo_items import batch_write, query_all
from leadqual.adapters.dynamo_items import s as _s
from leadqual.domain.schemas.account import Account
from leadqual.domain.signals import PastTouch, StoredEvent, StoredIntent


def person_and_account_keys(person_keys: Sequence[str], domain: str | None, prefix: str = "") -> list[str]:
    """Partition keys of a person's and an account's items (the hold index prefixes them)."""
    return [f"{prefix}PERSON#{key}" for key in person_keys] + (
        [f"{prefix}ACCOUNT#{domain}"] if domain else []
    )


class DynamoSignalStore:
    def __init__(self, table_name: str):
        self.table = table_name
        self.ddb = client("dynamodb")

    def get_account(self, domain: str) -> Account | None:
        item = self.ddb.get_item(
            TableName=self.table,
            Key={"pk": _s(f"ACCOUNT#{domain}"), "sk": _s("PROFILE")},
            ConsistentRead=True,
        ).get("Item")
        return Account.model_validate_json(item["doc"]["S"]) if item else None

    def put_account(self, account: Account) -> None:
        self.ddb.put_item(
            TableName=self.table,
            Item={
                "pk": _s(f"ACCOUNT#{account.domain}"),
                "sk": _s("PROFILE"),
                "doc": _s(account.model_dump_json()),
            },
        )

    def add_events(self, person_key: str, events: Sequence[StoredEvent]) -> None:
        self._write(
            f"PERSON#{person_key}",
            "EVENT",
            [(e.occurred_at.isoformat(), e.model_dump_json()) for e in events],
        )

    def events_for(self, person_keys: Sequence[str]) -> list[StoredEvent]:
        events: list[StoredEvent] = []
        for key in person_keys:
            events.extend(
                StoredEvent.model_validate_json(doc) for doc in self._query(f"PERSON#{key}", "EVENT#")
            )
        return sorted(events, key=lambda e: e.occurred_at)

    def add_intents(self, domain: str, intents: Sequence[StoredIntent]) -> None:
        self._write(
            f"ACCOUNT#{domain}", "INTENT", [(i.observed_at.isoformat(), i.model_dump_json()) for i in intents]
        )

    def intents_for(self, domain: str) -> list[StoredIntent]:
        return [StoredIntent.model_validate_json(doc) for doc in self._query(f"ACCOUNT#{domain}", "INTENT#")]

    def add_touch(self, person_keys: Sequence[str], domain: str | None, touch: PastTouch) -> None:
        # The sort key is made of the touch itself, so a retried write puts the same item again.
        sort_key = f"TOUCH#{touch.at.isoformat()}#{touch.lead_id}#{touch.outcome or 'lead'}"
        doc = touch.model_dump_json()
        batch_write(self.ddb, self.table, [
            {"PutRequest": {"Item": {"pk": _s(owner), "sk": _s(sort_key), "doc": _s(doc)}}}
            for owner in person_and_account_keys(person_keys, domain)
        ])  # fmt: skip

    def touches_for(self, person_keys: Sequence[str], domain: str | None) -> list[PastTouch]:
        found = {
            doc
            for owner in person_and_account_keys(person_keys, domain)
            for doc in self._query(owner, "TOUCH#")
        }
        return sorted((PastTouch.model_validate_json(doc) for doc in found), key=lambda t: t.at)

    def _write(self, pk: str, kind: str, docs: Sequence[tuple[str, str]]) -> None:
        batch_write(self.ddb, self.table, [
            {"PutRequest": {"Item": {"pk": _s(pk), "sk": _s(f"{kind}#{at}#{uuid.uuid4().hex[:12]}"), "doc": _s(doc)}}}
            for at, doc in docs
        ])  # fmt: skip

    def _query(self, pk: str, prefix: str) -> list[str]:
        items = query_all(self.ddb, self.table, "pk = :pk AND begins_with(sk, :prefix)",
                          {":pk": _s(pk), ":prefix": _s(prefix)})  # fmt: skip
        return [item["doc"]["S"] for item in items]
