"""The roster in the leads table: reps' profiles, loads and each pool's ledger; claims safe under concurrency.

A claim is one transaction: the lead's assignment (created once per attempt), +1 on the rep's open,
daily and weekly counts (each only while below its cap), a check that the rep is still active,
and the lead on the pool's ledger. Two leads racing for a rep's last slot cannot both win:
DynamoDB lets one transaction through and cancels the other, whose service then tries the next rep.

Items (pk / sk):
  ROSTER / REP#<rep>               the profile (JSON `doc`, `version`, `active`)
  SDR#<rep> / LOAD                 open leads, when the rep last got one
  SDR#<rep> / DAY#<date>, WEEK#<w> leads taken that day and week of theirs (expire after 15 days)
  LEDGER#<pool>#<cycle> / REP#<rep> the rep's line in the pool's ledger for the cycle
  ASSIGNMENT#<lead> / ASSIGNMENT    the route's claim; A#<n> the n-th reassignment's
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from leadqual.adapters.aws_clients import client
from leadqual.adapters.dynamo_items import is_conditional_failure, query_all, s
from leadqual.adapters.dynamo_items import n as _n
from leadqual.domain.distribution import Assignment, Claim, ClaimRefused, LedgerEntry, RepLoad, count_keys
from leadqual.domain.ports import ConflictError
from leadqual.domain.schemas.roster import CreditReason, RepProfile
from leadqual.domain.schemas.shared import utc_now

ROSTER = s("ROSTER")
COUNTS_KEPT = timedelta(days=15)  # a week's count outlives its week; DynamoDB's TTL then deletes it
BATCH_GET_LIMIT = 100


def _profile_key(rep: str) -> dict[str, Any]:
    return {"pk": ROSTER, "sk": s(f"REP#{rep}")}


def _load_key(rep: str) -> dict[str, Any]:
    return {"pk": s(f"SDR#{rep}"), "sk": s("LOAD")}


def _count_key(rep: str, period: str) -> dict[str, Any]:
    return {"pk": s(f"SDR#{rep}"), "sk": s(period)}


def _ledger_partition(pool: str, cycle: str) -> dict[str, Any]:
    return s(f"LEDGER#{pool}#{cycle}")


def _assignment_key(lead_id: str, attempt: int) -> dict[str, Any]:
    # The route's claim keeps the key it has always had; reassignments follow it.
    return {"pk": s(f"ASSIGNMENT#{lead_id}"), "sk": s("ASSIGNMENT" if attempt == 0 else f"A#{attempt:04d}")}


_TIMES = {"returned_at", "away_since"}
# What a ledger line holds besides its counts: where a newcomer starts, what a returning rep is owed.
CALIBRATION = ("adjust_leads", "adjust_value", "owed_leads", "owed_value", "returned_at", "away_since")


def _line_of(item: Mapping[str, Any]) -> LedgerEntry:
    values: dict[str, Any] = {}
    for spec in fields(LedgerEntry):
        raw = item.get(spec.name)
        if raw is None:
            continue
        if spec.name in _TIMES:
            values[spec.name] = datetime.fromisoformat(raw["S"])
        else:
            values[spec.name] = int(raw["N"]) if spec.name == "revision" else float(raw["N"])
    return LedgerEntry(**values)


class DynamoRoster:
    def __init__(self, table_name: str):
        self.table = table_name
        self.ddb = client("dynamodb")

    # --- profiles --------------------------------------------------------------------------------

    def profiles(self) -> list[RepProfile]:
        items = query_all(self.ddb, self.table, "pk = :pk", {":pk": ROSTER})
        return [
            RepProfile.model_validate_json(item["doc"]["S"]).model_copy(
                update={"version": int(item["version"]["N"])}
            )
            for item in items
        ]

    def seed(self, profiles: Sequence[RepProfile]) -> int:
        added = 0
        for profile in profiles:
            try:
                self.ddb.put_item(
                    TableName=self.table,
                    Item=self._profile_item(profile.model_copy(update={"version": 1})),
                    ConditionExpression="attribute_not_exists(pk)",
                )
                added += 1
            except ClientError as error:
                if not is_conditional_failure(error):
                    raise
        return added

    def save_profile(self, profile: RepProfile) -> RepProfile:
        saved = profile.model_copy(update={"version": profile.version + 1})
        try:
            self.ddb.put_item(
                TableName=self.table,
                Item=self._profile_item(saved),
                ConditionExpression="version = :read",
                ExpressionAttributeValues={":read": _n(profile.version)},
            )
        except ClientError as error:
            if is_conditional_failure(error):
                raise ConflictError(f"rep {profile.rep} was changed since it was read") from error
            raise
        return saved

    def set_active(self, rep: str, active: bool) -> None:
        for _ in range(5):  # a profile edited meanwhile: read it again
            current = next((p for p in self.profiles() if p.rep == rep), None)
            if current is None or current.active is active:
                return
            try:
                self.save_profile(
                    current.model_copy(
                        update={"active": active, "updated_by": "crm", "updated_at": utc_now()}
                    )
                )
                return
            except ConflictError:
                continue

    def _profile_item(self, profile: RepProfile) -> dict[str, Any]:
        return {
            **_profile_key(profile.rep),
            "doc": s(profile.model_dump_json(exclude={"version"})),
            "version": _n(profile.version),
            # Beside the document, so a claim's transaction can check it.
            "active": {"BOOL": profile.active},
        }

    # --- loads and the ledger --------------------------------------------------------------------

    def loads(self, reps: Sequence[RepProfile], at: datetime) -> dict[str, RepLoad]:
        wanted: dict[tuple[str, str], tuple[str, str]] = {}
        for profile in reps:
            day, week = count_keys(profile, at)
            for field, period in (("open", "LOAD"), ("today", f"DAY#{day}"), ("this_week", f"WEEK#{week}")):
                wanted[(f"SDR#{profile.rep}", period)] = (profile.rep, field)
        found: dict[str, dict[str, Any]] = {profile.rep: {} for profile in reps}
        keys = [{"pk": s(pk), "sk": s(sk)} for pk, sk in wanted]
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            pending: dict[str, Any] = {
                self.table: {"Keys": keys[start : start + BATCH_GET_LIMIT], "ConsistentRead": True}
            }
            while pending:
                answer = self.ddb.batch_get_item(RequestItems=pending)
                for item in answer["Responses"].get(self.table, []):
                    rep, field = wanted[(item["pk"]["S"], item["sk"]["S"])]
                    if field == "open":
                        found[rep]["open"] = int(item.get("open_leads", {"N": "0"})["N"])
                        if "last_assigned_at" in item:
                            found[rep]["last_assigned_at"] = datetime.fromisoformat(
                                item["last_assigned_at"]["S"]
                            )
                    else:
                        found[rep][field] = int(item["n"]["N"])
                pending = answer.get("UnprocessedKeys") or {}
        return {rep: RepLoad(**values) for rep, values in found.items()}

    def ledger(self, pool: str, cycle: str) -> dict[str, LedgerEntry]:
        items = query_all(self.ddb, self.table, "pk = :pk", {":pk": _ledger_partition(pool, cycle)})
        return {item["sk"]["S"].removeprefix("REP#"): _line_of(item) for item in items}

    def save_ledger(
        self, pool: str, cycle: str, changes: Mapping[str, tuple[LedgerEntry | None, LedgerEntry]]
    ) -> None:
        # Only the calibration is set here (claims and credits ADD to the counts meanwhile), and only
        # if no other claim has changed it since it was read: its revision says.
        for rep, (was, now) in changes.items():
            revision = was.revision if was is not None else 0
            values: dict[str, Any] = {":read": _n(revision), ":next": _n(revision + 1)}
            sets, removes = ["revision = :next"], []
            for name in CALIBRATION:
                value = getattr(now, name)
                if value is None:
                    removes.append(name)
                else:
                    sets.append(f"{name} = :{name}")
                    values[f":{name}"] = s(value.isoformat()) if name in _TIMES else _n(value)
            try:
                self.ddb.update_item(
                    TableName=self.table,
                    Key={"pk": _ledger_partition(pool, cycle), "sk": s(f"REP#{rep}")},
                    UpdateExpression="SET "
                    + ", ".join(sets)
                    + (" REMOVE " + ", ".join(removes) if removes else ""),
                    ConditionExpression="attribute_not_exists(revision) OR revision = :read",
                    ExpressionAttributeValues=values,
                )
            except ClientError as error:
                if not is_conditional_failure(error):
                    raise

    # --- claims ----------------------------------------------------------------------------------

    def claim(self, claim: Claim) -> Assignment:
        rep, at = claim.rep, claim.at
        day, week = claim.counted_in
        expires = _n(int((at + COUNTS_KEPT).timestamp()))

        def counted(period: str, cap: int | None) -> dict[str, Any]:
            update: dict[str, Any] = {
                "TableName": self.table,
                "Key": _count_key(rep.rep, period),
                "UpdateExpression": "SET n = if_not_exists(n, :zero) + :one, expires_at = :expires",
                "ExpressionAttributeValues": {":zero": _n(0), ":one": _n(1), ":expires": expires},
            }
            if cap is not None:
                update["ConditionExpression"] = "attribute_not_exists(n) OR n < :cap"
                update["ExpressionAttributeValues"][":cap"] = _n(cap)
            return {"Update": update}

        load: dict[str, Any] = {
            "TableName": self.table,
            "Key": _load_key(rep.rep),
            "UpdateExpression": "SET open_leads = if_not_exists(open_leads, :zero) + :one, last_assigned_at = :at",
            "ExpressionAttributeValues": {":zero": _n(0), ":one": _n(1), ":at": s(at.isoformat())},
        }
        if rep.caps.open is not None:
            load["ConditionExpression"] = "attribute_not_exists(open_leads) OR open_leads < :cap"
            load["ExpressionAttributeValues"][":cap"] = _n(rep.caps.open)
        try:
            self.ddb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self.table, "ConditionExpression": "attribute_not_exists(pk)",
                             "Item": {**_assignment_key(claim.lead_id, claim.attempt), "sdr": s(rep.rep),
                                      "pool": s(claim.pool), "cycle": s(claim.cycle), "value": _n(claim.value),
                                      "assigned_at": s(at.isoformat())}}},
                    {"Update": load},
                    counted(f"DAY#{day}", rep.caps.daily),
                    counted(f"WEEK#{week}", rep.caps.weekly),
                    {"ConditionCheck": {"TableName": self.table, "Key": _profile_key(rep.rep),
                                        "ConditionExpression": "attribute_not_exists(active) OR active = :yes",
                                        "ExpressionAttributeValues": {":yes": {"BOOL": True}}}},
                    {"Update": {"TableName": self.table,
                                "Key": {"pk": _ledger_partition(claim.pool, claim.cycle), "sk": s(f"REP#{rep.rep}")},
                                "UpdateExpression": "ADD leads :one, #value :value",
                                "ExpressionAttributeNames": {"#value": "value"},
                                "ExpressionAttributeValues": {":one": _n(1), ":value": _n(claim.value)}}},
                ]
            )  # fmt: skip
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or [{}]
            if reasons[0].get("Code") == "ConditionalCheckFailed":
                stored = self._assignment(claim.lead_id, claim.attempt)
                if stored is not None:
                    return stored  # a retried claim: the first one stands
            raise ClaimRefused(f"{rep.rep} reached a cap, or was made inactive, meanwhile") from error
        return Assignment(claim.lead_id, claim.attempt, rep.rep, claim.pool, claim.cycle, claim.value, at)

    def assignment(self, lead_id: str) -> Assignment | None:
        items = query_all(self.ddb, self.table, "pk = :pk", {":pk": s(f"ASSIGNMENT#{lead_id}")})
        # "ASSIGNMENT" (the route's) sorts before "A#0001"... only by luck of case: order by attempt.
        stored = [self._assignment_of(lead_id, item) for item in items]
        return max(stored, key=lambda a: a.attempt) if stored else None

    def _assignment(self, lead_id: str, attempt: int) -> Assignment | None:
        item = self.ddb.get_item(
            TableName=self.table, Key=_assignment_key(lead_id, attempt), ConsistentRead=True
        ).get("Item")
        return self._assignment_of(lead_id, item) if item else None

    @staticmethod
    def _assignment_of(lead_id: str, item: Mapping[str, Any]) -> Assignment:
        sort_key = item["sk"]["S"]
        return Assignment(
            lead_id=lead_id,
            attempt=0 if sort_key == "ASSIGNMENT" else int(sort_key.removeprefix("A#")),
            rep=item["sdr"]["S"],
            # Claims from before the ledger have no pool, cycle or value.
            pool=item.get("pool", item.get("territory", {"S": ""}))["S"],
            cycle=item.get("cycle", {"S": ""})["S"],
            value=float(item.get("value", {"N": "0"})["N"]),
            assigned_at=datetime.fromisoformat(item["assigned_at"]["S"]),
            released=item.get("released", {"BOOL": False})["BOOL"],
            credits=tuple(sorted(item.get("credits", {"SS": []})["SS"])),
        )

    def release(self, lead_id: str, attempt: int | None = None) -> str | None:
        current = self.assignment(lead_id) if attempt is None else self._assignment(lead_id, attempt)
        if current is None or current.released:
            return None
        try:
            self.ddb.transact_write_items(
                TransactItems=[
                    {"Update": {"TableName": self.table, "Key": _assignment_key(lead_id, current.attempt),
                                "UpdateExpression": "SET released = :yes",
                                "ConditionExpression": "attribute_exists(pk) AND (attribute_not_exists(released) OR released = :no)",
                                "ExpressionAttributeValues": {":yes": {"BOOL": True}, ":no": {"BOOL": False}}}},
                    {"Update": {"TableName": self.table, "Key": _load_key(current.rep),
                                "UpdateExpression": "SET open_leads = open_leads - :one",
                                "ConditionExpression": "open_leads > :zero",
                                "ExpressionAttributeValues": {":one": _n(1), ":zero": _n(0)}}},
                ]
            )  # fmt: skip
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            return None
        return current.rep

    def credit(
        self, lead_id: str, reason: CreditReason, to_rep: str | None = None, attempt: int | None = None
    ) -> bool:
        current = self.assignment(lead_id) if attempt is None else self._assignment(lead_id, attempt)
        if current is None or not current.pool or not current.cycle or reason.value in current.credits:
            return False
        ledger = _ledger_partition(current.pool, current.cycle)
        moves = [{"Update": {"TableName": self.table, "Key": {"pk": ledger, "sk": s(f"REP#{current.rep}")},
                             "UpdateExpression": "ADD leads :minus, #value :value",
                             "ExpressionAttributeNames": {"#value": "value"},
                             "ExpressionAttributeValues": {":minus": _n(-1), ":value": _n(-current.value)}}}]  # fmt: skip
        if to_rep is not None and to_rep != current.rep:
            moves.append({"Update": {"TableName": self.table, "Key": {"pk": ledger, "sk": s(f"REP#{to_rep}")},
                                     "UpdateExpression": "ADD leads :one, #value :value",
                                     "ExpressionAttributeNames": {"#value": "value"},
                                     "ExpressionAttributeValues": {":one": _n(1), ":value": _n(current.value)}}})  # fmt: skip
        try:
            self.ddb.transact_write_items(
                TransactItems=[
                    {"Update": {"TableName": self.table, "Key": _assignment_key(lead_id, current.attempt),
                                "UpdateExpression": "ADD credits :reason",
                                "ConditionExpression": "attribute_exists(pk) AND NOT contains(credits, :name)",
                                "ExpressionAttributeValues": {":reason": {"SS": [reason.value]},
                                                              ":name": s(reason.value)}}},
                    *moves,
                ]
            )  # fmt: skip
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            return False  # credited already
        return True
