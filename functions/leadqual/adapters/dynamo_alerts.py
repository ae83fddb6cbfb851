"""Alerts in the leads table (`ALERT#<alert id>` / `ALERT`): each change one conditional write.

The document is kept as attributes, not one JSON blob, so that concurrent changes (a message posted,
an acknowledgement, a follow-up done) each touch their own attribute and none overwrites another.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from leadqual.adapters.aws_clients import client
from leadqual.adapters.dynamo_items import is_conditional_failure, s
from leadqual.domain.schemas.alerts import Alert, AlertKind, NotAFit, SendChannel, SentMessage


def _key(alert_id: str) -> dict[str, Any]:
    return {"pk": s(f"ALERT#{alert_id}"), "sk": s("ALERT")}


class DynamoAlertStore:
    def __init__(self, table_name: str):
        self.table = table_name
        self.ddb = client("dynamodb")

    def create(self, alert: Alert) -> Alert:
        item = {
            **_key(alert.alert_id),
            "kind": s(alert.kind.value),
            "lead_id": s(alert.lead_id),
            "people": {"L": [s(person) for person in alert.people]},
            "created_at": s(alert.created_at.isoformat()),
            "messages": {"L": []},
            "unreachable": {"L": []},
        }
        try:
            self.ddb.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if not is_conditional_failure(error):
                raise
            stored = self.get(alert.alert_id)
            assert stored is not None
            return stored
        return alert

    def get(self, alert_id: str) -> Alert | None:
        item = self.ddb.get_item(TableName=self.table, Key=_key(alert_id), ConsistentRead=True).get("Item")
        return _alert(alert_id, item) if item else None

    def start_posting(self, alert_id: str, person: str) -> bool:
        return self._add_once(alert_id, "posting", person)

    def stop_posting(self, alert_id: str, person: str) -> None:
        self._give_back(alert_id, "posting", person)

    def claim_send(self, alert_id: str, channel: SendChannel, person: str) -> bool:
        return self._add_once(alert_id, channel, person)

    def release_send(self, alert_id: str, channel: SendChannel, person: str) -> None:
        self._give_back(alert_id, channel, person)

    def _give_back(self, alert_id: str, attribute: str, member: str) -> None:
        self.ddb.update_item(
            TableName=self.table,
            Key=_key(alert_id),
            UpdateExpression="DELETE #a :member",
            ExpressionAttributeNames={"#a": attribute},
            ExpressionAttributeValues={":member": {"SS": [member]}},
        )

    def add_message(self, alert_id: str, message: SentMessage) -> None:
        self._append(alert_id, "messages", message.model_dump_json())

    def add_unreachable(self, alert_id: str, why: str) -> None:
        self._append(alert_id, "unreachable", why)

    def acknowledge(self, alert_id: str, by: str, at: datetime, via: str) -> Alert:
        """The first acknowledgement is kept; a later one (or a retried one) changes nothing."""
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key=_key(alert_id),
                UpdateExpression="SET acknowledged_by = :by, acknowledged_at = :at, acknowledged_via = :via",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(acknowledged_by)",
                ExpressionAttributeValues={":by": s(by), ":at": s(at.isoformat()), ":via": s(via)},
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise
        return self._stored(alert_id)

    def note_not_a_fit(self, alert_id: str, verdict: NotAFit) -> Alert:
        self._set_once(alert_id, "not_a_fit", s(verdict.model_dump_json()))
        return self._stored(alert_id)

    def _stored(self, alert_id: str) -> Alert:
        stored = self.get(alert_id)
        if stored is None:
            raise LookupError(f"no alert {alert_id}")
        return stored

    def follow_up_done(self, alert_id: str, work_id: str) -> bool:
        """Marks a follow-up done, once: False if it was already (a redelivered message)."""
        return self._add_once(alert_id, "follow_ups_done", work_id)

    def use_link(self, alert_id: str, nonce: str) -> bool:
        return self._add_once(alert_id, "used_links", nonce)

    def _add_once(self, alert_id: str, attribute: str, member: str) -> bool:
        """Adds `member` to the alert's string set `attribute` unless it is there: whether it was added."""
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key=_key(alert_id),
                UpdateExpression="ADD #a :member",
                ConditionExpression="attribute_exists(pk) AND NOT contains(#a, :name)",
                ExpressionAttributeNames={"#a": attribute},
                ExpressionAttributeValues={":member": {"SS": [member]}, ":name": s(member)},
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def _set_once(self, alert_id: str, attribute: str, value: dict[str, Any]) -> bool:
        try:
            self.ddb.update_item(
                TableName=self.table,
                Key=_key(alert_id),
                UpdateExpression="SET #a = :v",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(#a)",
                ExpressionAttributeNames={"#a": attribute},
                ExpressionAttributeValues={":v": value},
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def _append(self, alert_id: str, attribute: str, text: str) -> None:
        self.ddb.update_item(
            TableName=self.table,
            Key=_key(alert_id),
            UpdateExpression="SET #a = list_append(if_not_exists(#a, :empty), :one)",
            ExpressionAttributeNames={"#a": attribute},
            ExpressionAttributeValues={":one": {"L": [s(text)]}, ":empty": {"L": []}},
        )


def _alert(alert_id: str, item: dict[str, Any]) -> Alert:
    def text(name: str) -> str | None:
        return item[name]["S"] if name in item else None

    def at(name: str) -> datetime | None:
        value = text(name)
        return datetime.fromisoformat(value) if value else None

    not_a_fit = text("not_a_fit")
    return Alert(
        alert_id=alert_id,
        kind=AlertKind(item["kind"]["S"]),
        lead_id=item["lead_id"]["S"],
        people=[p["S"] for p in item.get("people", {"L": []})["L"]],
        created_at=datetime.fromisoformat(item["created_at"]["S"]),
        posting=sorted(item.get("posting", {"SS": []})["SS"]),
        emailed=sorted(item.get("emailed", {"SS": []})["SS"]),
        teams=sorted(item.get("teams", {"SS": []})["SS"]),
        messages=[SentMessage.model_validate_json(m["S"]) for m in item.get("messages", {"L": []})["L"]],
        unreachable=[u["S"] for u in item.get("unreachable", {"L": []})["L"]],
        acknowledged_by=text("acknowledged_by"),
        acknowledged_at=at("acknowledged_at"),
        acknowledged_via=text("acknowledged_via"),
        not_a_fit=NotAFit.model_validate_json(not_a_fit) if not_a_fit else None,
        follow_ups_done=sorted(item.get("follow_ups_done", {"SS": []})["SS"]),
    )
