"""The roster over the API, as deployed: RevOps edit reps over the version they read, a rep sets their
own time off and nobody else's, and bad input names its field and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from leadqual.api_routes import PEOPLE_PREFIX
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud

REVOPS = {"email": "rae@team.example", "cognito:username": "rae", "cognito:groups": "[revops]"}
PRIYA = {"email": "priya@team.example", "cognito:username": "priya.sdr", "cognito:groups": "sdr"}
AWAY = {"start": "2026-12-24T00:00:00Z", "end": "2027-01-02T00:00:00Z", "note": "holidays"}


@pytest.fixture(scope="module")
def signed_in() -> Iterator[LocalCloud]:
    with LocalCloud(console_sign_in="cognito") as cloud:
        yield cloud
        assert not cloud.iam.denials, cloud.iam.report()


def _rep(rep: str) -> dict:
    roster = call_api("GET", PEOPLE_PREFIX + "/roster", claims=REVOPS).json()
    return next(r for r in roster["reps"] if r["rep"] == rep)


def test_the_roster_is_seeded_from_the_policy_with_each_pools_next_rep(signed_in: LocalCloud) -> None:
    answer = call_api("GET", PEOPLE_PREFIX + "/roster", claims=PRIYA)
    assert answer.status == 200
    roster = answer.json()
    sam = next(r for r in roster["reps"] if r["rep"] == "sam.sdr")
    assert (sam["weight"], sam["caps"]["open"], sam["hours"]["timezone"], sam["pools"]) == (
        2, 25, "America/New_York", ["na"],
    )  # fmt: skip
    na = next(p for p in roster["pools"] if p["pool"] == "na")
    assert na["settings"]["value_weight"] == 0.5 and {c["rep"] for c in na["candidates"]} == {
        "sam.sdr", "jordan.sdr", "priya.sdr",
    }  # fmt: skip


def test_revops_edit_a_rep_and_a_stale_edit_is_a_409_that_changes_nothing(signed_in: LocalCloud) -> None:
    jordan = _rep("jordan.sdr")
    settings = {
        k: jordan[k]
        for k in ("email", "display_name", "slack_user_id", "pools", "caps", "hours", "away", "active")
    }
    saved = call_api("PUT", PEOPLE_PREFIX + "/roster/jordan.sdr",
                     {**settings, "weight": 1.5, "version": jordan["version"]}, claims=REVOPS)  # fmt: skip
    assert (
        saved.status == 200
        and saved.json()["weight"] == 1.5
        and saved.json()["updated_by"] == "rae@team.example"
    )
    stale = call_api("PUT", PEOPLE_PREFIX + "/roster/jordan.sdr",
                     {**settings, "weight": 3, "version": jordan["version"]}, claims=REVOPS)  # fmt: skip
    assert stale.status == 409 and "rae@team.example" in stale.json()["message"]
    assert _rep("jordan.sdr")["weight"] == 1.5
    # An SDR may not change weights.
    assert call_api("PUT", PEOPLE_PREFIX + "/roster/jordan.sdr", {**settings, "weight": 9, "version": 2},
                    claims=PRIYA).status == 403  # fmt: skip


def test_bad_settings_name_the_field_and_change_nothing(signed_in: LocalCloud) -> None:
    yuki = _rep("yuki.sdr")
    settings = {k: yuki[k] for k in ("pools", "caps", "away", "active", "weight")}
    bad = call_api("PUT", PEOPLE_PREFIX + "/roster/yuki.sdr",
                   {**settings, "hours": {"timezone": "Mars/Olympus", "days": ["mon"], "start": "09:00", "end": "17:00"},
                    "caps": {"open": -1}, "version": yuki["version"]}, claims=REVOPS)  # fmt: skip
    assert bad.status == 422
    assert {d["field"] for d in bad.json()["details"]} == {"hours.timezone", "caps.open"}
    assert _rep("yuki.sdr")["version"] == yuki["version"]
    assert (
        call_api(
            "PUT", PEOPLE_PREFIX + "/roster/nobody.sdr", {**settings, "version": 1}, claims=REVOPS
        ).status
        == 404
    )


def test_a_rep_sets_their_own_time_off_and_not_anyone_elses(signed_in: LocalCloud) -> None:
    priya = _rep("priya.sdr")
    mine = call_api("PUT", PEOPLE_PREFIX + "/roster/priya.sdr/away",
                    {"away": [AWAY], "version": priya["version"]}, claims=PRIYA)  # fmt: skip
    assert mine.status == 200 and mine.json()["away"][0]["note"] == "holidays"
    sam = _rep("sam.sdr")
    theirs = call_api("PUT", PEOPLE_PREFIX + "/roster/sam.sdr/away", {"away": [AWAY], "version": sam["version"]},
                      claims=PRIYA)  # fmt: skip
    assert theirs.status == 403 and "your own time off" in theirs.json()["message"]
    backwards = call_api("PUT", PEOPLE_PREFIX + "/roster/priya.sdr/away",
                         {"away": [{**AWAY, "end": "2026-12-01T00:00:00Z"}], "version": priya["version"] + 1},
                         claims=PRIYA)  # fmt: skip
    assert backwards.status == 422 and backwards.json()["details"][0]["field"].startswith("away")


def test_revops_add_a_rep_once(signed_in: LocalCloud) -> None:
    body = {"rep": "noor.sdr", "email": "noor@team.example", "pools": ["emea"], "weight": 1}
    assert call_api("POST", PEOPLE_PREFIX + "/roster", body, claims=REVOPS).status == 201
    again = call_api("POST", PEOPLE_PREFIX + "/roster", body, claims=REVOPS)
    assert again.status == 409
    emea = next(p for p in call_api("GET", "/roster").json()["pools"] if p["pool"] == "emea")
    assert "noor.sdr" in {c["rep"] for c in emea["candidates"]}
