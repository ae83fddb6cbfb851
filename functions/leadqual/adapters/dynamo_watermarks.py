"""How far the CRM reader has read each CRM's changes, in the leads table (one item per CRM)."""

from __future__ import annotations

from datetime import datetime

from botocore.exceptions import ClientError

from leadqual.adapters.aws_clients import client
from leadqual.adapters.dynamo_items import is_conditional_failure, s


class DynamoCrmWatermarks:
    def __init__(self, table_name: str):
        self.table = table_name
        self.ddb = client("dynamodb")

    def read_from(self, system: str) -> datetime | None:
        item = self.ddb.get_item(TableName=self.table, Key=_key(system), ConsistentRead=True).get("Item")
        return datetime.fromisoformat(item["until"]["S"]) if item else None

    def advance(self, system: str, until: datetime) -> None:
        try:
            self.ddb.put_item(
                TableName=self.table,
                Item={**_key(system), "until": s(until.isoformat())},
                # ISO times in UTC compare as text; a slower poll never moves it back.
                ConditionExpression="attribute_not_exists(#until) OR #until < :until",
                ExpressionAttributeNames={"#until": "until"},
                ExpressionAttributeValues={":until": s(until.isoformat())},
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise


def _key(system: str) -> dict[str, dict[str, str]]:
    return {"pk": s(f"CRMREAD#{system}"), "sk": s("WATERMARK")}
