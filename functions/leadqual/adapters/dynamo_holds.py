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
from leadqual.adapters.dynamo_items import batch_write, query_all
from leadqual.adapters.dynamo_items import s as _s
from leadqual.adapters.dynamo_signals import person_and_account_keys

HOLD = "HOLD#"


def _keys(
    lead_id: str, person_keys: Sequence[str], domain: str | None, since: datetime
) -> list[dict[str, Any]]:
    owners = person_and_account_keys(person_keys, domain, prefix=HOLD)
    return [{"pk": _s(owner), "sk": _s(lead_id)} for owner in owners] + [
        {"pk": _s("HOLDS"), "sk": _s(f"{since.isoformat()}#{lead_id}")}
    ]


class DynamoHoldIndex:
    def __init__(self, table_name: str):
        self.table = table_name
        self.ddb = client("dynamodb")

    def add(self, lead_id: str, person_keys: Sequence[str], domain: str | None, since: datetime) -> None:
        batch_write(self.ddb, self.table, [{"PutRequest": {"Item": {**key, "lead_id": _s(lead_id)}}}
                                           for key in _keys(lead_id, person_keys, domain, since)])  # fmt: skip

    def remove(self, lead_id: str, person_keys: Sequence[str], domain: str | None, since: datetime) -> None:
        batch_write(
            self.ddb,
            self.table,
            [{"DeleteRequest": {"Key": key}} for key in _keys(lead_id, person_keys, domain, since)],
        )

    def held_for(self, person_keys: Sequence[str], domains: Sequence[str]) -> list[str]:
        owners = person_and_account_keys(person_keys, None, prefix=HOLD) + [
            f"{HOLD}ACCOUNT#{d}" for d in domains
        ]
        found: dict[str, None] = {}
        for owner in owners:
            for item in query_all(self.ddb, self.table, "pk = :pk", {":pk": _s(owner)}):
                found[item["lead_id"]["S"]] = None
        return list(found)

    def held_before(self, cutoff: datetime) -> list[str]:
        items = query_all(self.ddb, self.table, "pk = :pk AND sk < :cutoff",
                          {":pk": _s("HOLDS"), ":cutoff": _s(cutoff.isoformat())})  # fmt: skip
        return [item["lead_id"]["S"] for item in items]
