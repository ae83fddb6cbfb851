"""SDR capacity and round-robin turns in the leads table, safe under concurrent assignments.

A claim is one transaction: the lead's ASSIGNMENT item (created only once) and +1 on the SDR's
open-lead count (only while below capacity). Two leads racing for an SDR's last slot cannot both
win: DynamoDB lets one transaction through and cancels the other, which then tries the next SDR.
Whose turn it is comes from an atomic counter per territory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from leadqual.adapters.aws_clients import client
from leadqual.adapters.dynamo_items import n as _n
from leadqual.adapters.dynamo_items import s as _s
from leadqual.domain.schemas.shared import utc_now


def _assignment_key(lead_id: str) -> dict[str, Any]:
    return {"pk": _s(f"ASSIGNMENT#{lead_id}"), "sk": _s("ASSIGNMENT")}


def _sdr_key(sdr: str) -> dict[str, Any]:
    return {"pk": _s(f"SDR#{sdr}"), "sk": _s("LOAD")}


class DynamoSdrRoster:
    def __init__(self, table_name: str):
        self.table = table_name
        self.ddb = client("dynamodb")

    def claim(self, lead_id: str, territory: str, sdrs: Sequence[str], capacity: int) -> str | None:
        existing = self._assigned(lead_id)
        if existing:
            return existing
        turn = int(
            self.ddb.update_item(
                TableName=self.table,
                Key={"pk": _s(f"TERRITORY#{territory}"), "sk": _s("TURN")},
                UpdateExpression="ADD turn :one",
                ExpressionAttributeValues={":one": _n(1)},
                ReturnValues="UPDATED_NEW",
            )["Attributes"]["turn"]["N"]
        )
        for offset in range(len(sdrs)):
            sdr = sdrs[(turn - 1 + offset) % len(sdrs)]
            outcome = self._try_claim(lead_id, territory, sdr, capacity)
            if outcome == "claimed":
                return sdr
            if outcome == "already_assigned":
                return self._assigned(lead_id)
        return None

    def _try_claim(self, lead_id: str, territory: str, sdr: str, capacity: int) -> str:
        try:
            self.ddb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                **_assignment_key(lead_id),
                                "sdr": _s(sdr),
                                "territory": _s(territory),
                                "assigned_at": _s(utc_now().isoformat()),
                            },  # fmt: skip
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": _sdr_key(sdr),
                            "UpdateExpression": "SET open_leads = if_not_exists(open_leads, :zero) + :one",
                            # Below capacity, and not marked inactive (the CRM says they left).
                            "ConditionExpression": "(attribute_not_exists(open_leads) OR open_leads < :capacity)"
                            " AND (attribute_not_exists(inactive) OR inactive = :no)",
                            "ExpressionAttributeValues": {
                                ":zero": _n(0),
                                ":one": _n(1),
                                ":capacity": _n(capacity),
                                ":no": {"BOOL": False},
                            },
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or [{}]
            if reasons[0].get("Code") == "ConditionalCheckFailed":
                return "already_assigned"  # a retried dispatch: keep the first assignment
            return "full"
        return "claimed"

    def release(self, lead_id: str) -> str | None:
        """Frees the SDR's slot when the lead's outcome comes back; a second release does nothing."""
        sdr = self._assigned(lead_id)
        if sdr is None:
            return None
        try:
            self.ddb.transact_write_items(
                TransactItems=[
                    {"Delete": {"TableName": self.table, "Key": _assignment_key(lead_id),
                                "ConditionExpression": "attribute_exists(pk)"}},
                    {"Update": {"TableName": self.table, "Key": _sdr_key(sdr),
                                "UpdateExpression": "SET open_leads = open_leads - :one",
                                "ConditionExpression": "open_leads > :zero",
                                "ExpressionAttributeValues": {":one": _n(1), ":zero": _n(0)}}},
                ]
            )  # fmt: skip
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            return None
        return sdr

    def set_active(self, sdr: str, active: bool) -> None:
        self.ddb.update_item(
            TableName=self.table,
            Key=_sdr_key(sdr),
            UpdateExpression="SET inactive = :inactive",
            ExpressionAttributeValues={":inactive": {"BOOL": not active}},
        )

    def open_leads(self, sdrs: Sequence[str]) -> dict[str, int]:
        counts = {}
        for sdr in sdrs:
            item = self.ddb.get_item(TableName=self.table, Key=_sdr_key(sdr), ConsistentRead=True).get("Item")
            counts[sdr] = int(item["open_leads"]["N"]) if item else 0
        return counts

    def _assigned(self, lead_id: str) -> str | None:
        item = self.ddb.get_item(TableName=self.table, Key=_assignment_key(lead_id), ConsistentRead=True).get(
            "Item"
        )
        return item["sdr"]["S"] if item else None
