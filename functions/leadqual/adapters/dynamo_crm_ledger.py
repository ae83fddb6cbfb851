"""The console's view of CRM sync, in the leads table: refused changes (one item per lead, the
latest), kept owners (newest first, for 30 days) and the budget the writer last saw."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from leadqual.adapters.aws_clients import client
from leadqual.adapters.dynamo_items import BATCH_WRITE_LIMIT, batch_write, n, s
from leadqual.domain.schemas.crm_writes import CrmBudgetUsed, CrmConflict, CrmRefusal

REFUSED, CONFLICTS, BUDGET = "CRMREFUSED", "CRMCONFLICTS", "CRMBUDGETUSED"
CONFLICTS_KEPT = timedelta(days=30)


class DynamoCrmLedger:
    def __init__(self, table_name: str):
        self.table = table_name
        self.ddb = client("dynamodb")

    def note_refused(self, refusal: CrmRefusal) -> None:
        self.ddb.put_item(
            TableName=self.table,
            Item={"pk": s(REFUSED), "sk": s(refusal.lead_id), "doc": s(refusal.model_dump_json())},
        )

    def refused(self) -> list[CrmRefusal]:
        return [CrmRefusal.model_validate_json(item["doc"]["S"]) for item in self._query(REFUSED, limit=None)]

    def clear_refused(self, lead_ids: Sequence[str]) -> None:
        requests = [{"DeleteRequest": {"Key": {"pk": s(REFUSED), "sk": s(lead_id)}}} for lead_id in lead_ids]
        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            batch_write(self.ddb, self.table, requests[start : start + BATCH_WRITE_LIMIT])

    def note_conflict(self, conflict: CrmConflict) -> None:
        self.ddb.put_item(
            TableName=self.table,
            Item={
                "pk": s(CONFLICTS), "sk": s(f"{conflict.at.isoformat()}#{conflict.lead_id}"),
                "doc": s(conflict.model_dump_json()),
                "expires_at": n(int((conflict.at + CONFLICTS_KEPT).timestamp())),
            },
        )  # fmt: skip

    def conflicts(self, limit: int) -> list[CrmConflict]:
        return [
            CrmConflict.model_validate_json(item["doc"]["S"])
            for item in self._query(CONFLICTS, limit, newest=True)
        ]

    def note_budget(self, used: CrmBudgetUsed) -> None:
        self.ddb.put_item(
            TableName=self.table,
            Item={"pk": s(BUDGET), "sk": s(used.system), "doc": s(used.model_dump_json())},
        )

    def budget(self) -> CrmBudgetUsed | None:
        found = self._query(BUDGET, limit=1)
        return CrmBudgetUsed.model_validate_json(found[0]["doc"]["S"]) if found else None

    def _query(
        self, partition: str, limit: int | None, newest: bool = False
    ) -> list[dict[str, dict[str, str]]]:
        params = {
            "TableName": self.table, "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": s(partition)}, "ScanIndexForward": not newest,
        }  # fmt: skip
        items: list[dict[str, dict[str, str]]] = []
        while True:
            page = self.ddb.query(**params, **({"Limit": limit} if limit else {}))
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page or (limit and len(items) >= limit):
                return items[:limit] if limit else items
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
