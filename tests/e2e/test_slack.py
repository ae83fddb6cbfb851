"""The SDR's day in Slack, through the deployed path: Dispatch -> the alert FIFO queue -> the alerts
function (its role checked on every call, its token read from Secrets Manager) -> the Slack
stand-in over HTTP; and back: the stand-in signs each interaction with a real signing secret and
posts it to `leadqual serve`'s POST /slack/interactions. No live Slack is reached."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from leadqual.adapters.aws_clients import client
from leadqual.domain import slack_blocks
from leadqual.domain.policy import load_policy
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from leadqual_tools.local.policy_files import policy_file
from leadqual_tools.standins.slack import Message, SlackStandIn
from tests.conftest import lead_body, sent_to_sdr_outreach, serving

TOKEN, SIGNING_SECRET = "xoxb-test-token", "test-signing-secret-7d1c"
POLICY = load_policy()


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(token=TOKEN, signing_secret=SIGNING_SECRET) as stand_in:
        # Every rep of the shipped roster has a Slack user with the same e-mail.
        assert POLICY.assignment is not None
        for rep, settings in POLICY.assignment.reps.items():
            assert settings.email is not None
            stand_in.add_user(settings.email, rep)
        yield stand_in


@contextmanager
def _connected_cloud(
    slack: SlackStandIn,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    sla: list[dict[str, Any]] | None = None,
) -> Iterator[tuple[LocalCloud, str]]:
    """The local cloud connected to the Slack stand-in (its secrets in their variables), served by
    `leadqual serve`; with `sla`, the shipped policy's SLA chain replaced and every rep at work at any
    hour (an SLA chain's clock runs from when its rep is at work)."""
    connections = folder / "connections.yaml"
    connections.write_text(f"slack:\n  base_url: {slack.base_url}/api/\n")
    monkeypatch.setenv("LEADQUAL_SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("LEADQUAL_SLACK_SIGNING_SECRET", SIGNING_SECRET)
    # Where a HubSpot record opens, so the alerts offer "Open in the CRM".
    links = {"hubspot": "https://app.hubspot.example/contacts/4242/record/0-1/{id}"}
    policy = policy_file(folder, any_hour=sla is not None, sla=sla, record_links=links)
    with LocalCloud(review_timeout_seconds=600, visibility_timeout_seconds=1, connections_file=connections,
                    policy_file=policy) as cloud:  # fmt: skip
        with serving(cloud) as url:
            slack.interactions_url = f"{url}/slack/interactions"
            yield cloud, url
        assert not cloud.iam.denials, "AccessDenied in AWS:\n" + cloud.iam.report()


@pytest.fixture
def slack_cloud(slack: SlackStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with _connected_cloud(slack, tmp_path, monkeypatch) as (_, url):
        yield url


def _lead(lead_id: str) -> dict[str, Any]:
    lead: dict[str, Any] = call_api("GET", f"/leads/{lead_id}").json()
    return lead


def _submit(**body: Any) -> str:
    answer = call_api("POST", "/leads", lead_body(**body))
    assert answer.status == 202, answer.body
    return str(answer.json()["lead_id"])


def _dm(slack: SlackStandIn, rep: str, starting: str) -> Message:
    """The rep's first DM whose text starts so (a review's: "Review needed: ", a lead's: "New lead ")."""
    user = slack.user_by_email(POLICY.assignment.reps[rep].email)  # type: ignore[union-attr,arg-type]
    return wait_until(
        lambda: next((m for m in slack.messages_to(user.user_id) if m.text.startswith(starting)), None),
        timeout=60, what=f"{rep}'s DM: {starting}",
    )  # fmt: skip


def _once(lead_id: str, event: str) -> dict[str, Any] | None:
    """The lead once its history has `event`."""
    lead = _lead(lead_id)
    return lead if any(e["event"] == event for e in lead["history"]) else None


def _user(slack: SlackStandIn, rep: str) -> str:
    return slack.user_by_email(POLICY.assignment.reps[rep].email).user_id  # type: ignore[union-attr,arg-type]


HOT = {
    "form": "contact_sales",
    "title": "CTO",
    "company": {"name": "Acme Rockets", "employees": 40, "country": "US"},
}


def test_the_rep_hears_of_their_lead_in_slack_and_acknowledges_once_whatever_slack_retries(
    slack_cloud: str, slack: SlackStandIn
) -> None:
    lead_id = _submit(email="ada@acme-rockets.io", first_name="Ada", **HOT)
    # A contact-sales form asks for a review first; the SDR sends it to SDR outreach, whose rep
    # fairness picks (who is at work depends on the hour the test runs).
    lead = sent_to_sdr_outreach(lead_id)
    owner = lead["route"]["owner"]
    assert owner in {"sam.sdr", "jordan.sdr", "priya.sdr"}
    dm = _dm(slack, owner, "New lead for you: Ada")
    # The DM: who, how good, why, by when, and buttons that carry an opaque id only.
    words = " ".join(str(b) for b in dm.blocks)
    assert "Ada" in words and "CTO" in words and "Grade" in words and "Acknowledge by" in words
    buttons = {e["action_id"]: e for b in dm.blocks if b["type"] == "actions" for e in b["elements"]}
    assert {"acknowledge", "not_a_fit", "open_console", "open_crm"} <= set(buttons)
    # "Open in the CRM" opens the lead's page, which goes on to the record once it is written
    assert buttons["open_crm"]["url"].endswith(f"/console/leads/{lead_id}?open=crm")
    assert buttons["acknowledge"]["value"] == f"{lead_id}-a0" and "ada@" not in words.lower()

    # Someone else presses it: told, only them, that it is not theirs.
    other = next(rep for rep in ("sam.sdr", "jordan.sdr", "priya.sdr") if rep != owner)
    assert slack.click(_user(slack, other), dm, "acknowledge").status == 200
    assert any("Not yours" in e.text for e in slack.ephemeral if e.user == _user(slack, other))
    # A bad or stale signature: 401, and nothing changes.
    assert slack.click(_user(slack, owner), dm, "acknowledge", signing_secret="not-the-secret").status == 401
    assert slack.click(_user(slack, owner), dm, "acknowledge", at=time.time() - 600).status == 401
    assert not any(e["event"] == "acknowledged" for e in _lead(lead_id)["history"])

    # The rep acknowledges; Slack retries the same interaction three times.
    first = slack.click(_user(slack, owner), dm, "acknowledge")
    answers = [first, *(slack.retry(first, retry) for retry in range(1, 4))]
    assert [a.status for a in answers] == [200] * 4
    acknowledged = wait_until(lambda: _once(lead_id, "acknowledged"), timeout=60, what="the acknowledgement")
    assert acknowledged["sla"]["seconds_to_acknowledge"] > 0
    assert [e["event"] for e in acknowledged["history"]].count("acknowledged") == 1
    wait_until(lambda: dm.updates >= 1, timeout=30, what="the DM updated")
    assert dm.updates == 1 and dm.text.startswith(f"Acknowledged by {owner}")
    assert not any(b.get("block_id") == slack_blocks.ACTIONS_BLOCK and
                   any(e["action_id"] == "acknowledge" for e in b["elements"]) for b in dm.blocks)  # fmt: skip


def test_a_review_approved_from_slack_routes_the_lead_and_the_second_approver_is_told_who(
    slack_cloud: str, slack: SlackStandIn
) -> None:
    # A demo request from a mid-size US company: a behavioural trigger, so an SDR of na reviews it.
    lead_id = _submit(email="lin@orbital.io", first_name="Lin", form="demo_request", title="Head of Ops",
                      company={"name": "Orbital", "employees": 300, "country": "US"})  # fmt: skip
    lead = wait_until(
        lambda: (found := _lead(lead_id)).get("review") and found, timeout=60, what="the review"
    )
    review_id = lead["review"]["review_id"]
    sam_dm, jordan_dm = (
        _dm(slack, "sam.sdr", "Review needed: Lin"),
        _dm(slack, "jordan.sdr", "Review needed: Lin"),
    )
    assert {e["action_id"] for b in sam_dm.blocks if b["type"] == "actions" for e in b["elements"]} >= {
        "approve", "reject", "reroute",
    }  # fmt: skip

    # Both press Approve at once: one decides, the other is told who did.
    pressed: dict[str, Any] = {}
    clicks = [
        threading.Thread(target=lambda rep=rep, dm=dm: pressed.__setitem__(rep, slack.click(_user(slack, rep), dm, "approve")))
        for rep, dm in (("sam.sdr", sam_dm), ("jordan.sdr", jordan_dm))
    ]  # fmt: skip
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    assert {answer.status for answer in pressed.values()} == {200}
    review = call_api("GET", f"/reviews/{review_id}").json()
    winner = review["decided_by"]
    loser = "jordan.sdr" if winner == "sam.sdr" else "sam.sdr"
    told = [e.text for e in slack.ephemeral if e.user == _user(slack, loser)]
    assert len(told) == 1 and f"by {winner}" in told[0] and "already decided" in told[0].lower()
    # The lead is routed by the decision, as from the console.
    routed = wait_until(
        lambda: (found := _lead(lead_id)).get("route") and found, timeout=60, what="the route"
    )
    assert routed["route"]["decided_by"] == winner
    # Every reviewer's DM says who decided.
    wait_until(lambda: sam_dm.updates and jordan_dm.updates, timeout=30, what="both DMs updated")
    assert sam_dm.text.startswith(f"Approve by {winner}") and jordan_dm.text == sam_dm.text


def test_not_a_fit_from_slack_asks_why_then_credits_the_rep_and_teaches_the_model(
    slack_cloud: str, slack: SlackStandIn
) -> None:
    lead_id = _submit(email="max@tinyco.io", first_name="Max", **HOT)
    owner = sent_to_sdr_outreach(lead_id)["route"]["owner"]
    dm = _dm(slack, owner, "New lead for you: Max")
    user = _user(slack, owner)
    # The button opens a modal of the policy's reasons (views.open, within the trigger's 3 seconds).
    assert slack.click(user, dm, "not_a_fit").status == 200
    (view,) = slack.views_for(user)
    reasons = [o["value"] for o in view.view["blocks"][0]["element"]["options"]]
    assert reasons == POLICY.alerts.not_a_fit_reasons
    # An answer that is not one of them is refused in the modal itself; the right one is taken once.
    refused = slack.submit(user, view.view_id, {"choice": {"picked": {"type": "radio_buttons",
                                                                     "selected_option": {"value": "bored"}}}})  # fmt: skip
    assert refused.status == 200 and "errors" in refused.body
    picked = {"choice": {"picked": {"type": "radio_buttons", "selected_option": {"value": "Wrong person"}}}}
    submitted = slack.submit(user, view.view_id, picked)
    assert (submitted.status, slack.retry(submitted, 1).status) == (200, 200)
    lead = wait_until(lambda: (found := _lead(lead_id))["outcomes"] and found, timeout=60, what="the outcome")
    (outcome,) = lead["outcomes"]
    assert outcome["outcome"] == "disqualified" and "Wrong person" in outcome["note"]
    # The rep is not charged for it in the pool's ledger.
    na = next(p for p in call_api("GET", "/roster").json()["pools"] if p["pool"] == "na")
    assert next(c for c in na["candidates"] if c["rep"] == owner)["leads"] == 0
    wait_until(lambda: dm.updates >= 1, timeout=30, what="the DM updated")
    assert dm.text.startswith("Not a fit (Wrong person)")


@pytest.fixture
def fast_sla(slack: SlackStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalCloud]:
    """The SLA chain in seconds: remind at 1.2 s, the manager at 2.4 s, reassign at 3.6 s."""
    chain = [{"after_minutes": 0.02, "do": "remind"}, {"after_minutes": 0.04, "do": "tell_manager"},
             {"after_minutes": 0.06, "do": "reassign"}]  # fmt: skip
    with _connected_cloud(slack, tmp_path, monkeypatch, chain) as (cloud, _):
        yield cloud


def test_nobody_acknowledges_so_the_sla_chain_reminds_reassigns_and_tells_the_manager(
    fast_sla: LocalCloud, slack: SlackStandIn
) -> None:
    lead_id = _submit(email="zoe@coldco.io", first_name="Zoe", **HOT)
    first = sent_to_sdr_outreach(lead_id)["route"]["owner"]
    dm = _dm(slack, first, "New lead for you: Zoe")
    # Nobody acknowledges: reminded, then reassigned through the ledger, then the manager is told.
    reassigned = wait_until(lambda: _once(lead_id, "sla_reassigned"), timeout=60, what="the reassignment")
    second = reassigned["route"]["owner"]
    assert second != first and second in {"sam.sdr", "jordan.sdr", "priya.sdr"}
    events = [e["event"] for e in reassigned["history"]]
    assert events.index("sla_reminded") < events.index("sla_manager_told") < events.index("sla_reassigned")
    manager = slack.messages_to(slack.user_by_email("morgan@team.example").user_id)
    assert len(manager) == 1 and manager[0].text.startswith(
        f"Nobody has acknowledged Zoe, CTO at Acme Rockets ({first}'s)"
    )
    passed = next(c for c in reassigned["route"]["candidates"] if c["rep"] == first)
    assert passed["excluded"] == "did_not_acknowledge"
    # The ledger follows: the first rep is credited, the second counts it.
    na = next(p for p in call_api("GET", "/roster").json()["pools"] if p["pool"] == "na")
    counts = {c["rep"]: c["leads"] for c in na["candidates"]}
    assert (counts[first], counts[second]) == (0, 1)
    # The first rep's messages say so; the second rep is told, with the buttons.
    reminded = next(e["detail"] for e in reassigned["history"] if e["event"] == "sla_reminded")
    assert reminded.startswith(f"{first} reminded in Slack")

    # Both of the first rep's messages about it (the DM and the reminder) now say where it went.
    def moved() -> list[Message]:
        return [
            m for m in slack.messages_to(_user(slack, first)) if m.text.startswith(f"Reassigned to {second}")
        ]

    wait_until(lambda: len(moved()) == 2, timeout=30, what="the first rep's DM and reminder updated")
    assert dm in moved()
    new_dm = _dm(slack, second, "New lead for you: Zoe")
    # The second rep acknowledges: their chain stops, its schedules deleted (none left to fire).
    assert slack.click(_user(slack, second), new_dm, "acknowledge").status == 200
    wait_until(lambda: _once(lead_id, "acknowledged"), timeout=30, what="the acknowledgement")
    assert fast_sla.fire_due_schedules(now=datetime.now(UTC) + timedelta(days=1)) == 0
    fast_sla.pump()
    after = [e["event"] for e in _lead(lead_id)["history"]]
    assert after.count("sla_reminded") == 1 and after.count("sla_reassigned") == 1, after


def test_a_dm_slack_refused_with_ratelimited_is_posted_on_the_retry_once(
    slack_cloud: str, slack: SlackStandIn
) -> None:
    # More `ratelimited` answers than the alert function waits out (5): the first delivery fails,
    # gives its claim back, and SQS's redelivery posts the DM; nobody gets it twice.
    slack.rate_limited_methods["chat.postMessage"] = 7
    lead_id = _submit(email="ivy@slowco.io", first_name="Ivy", **HOT)
    owner = sent_to_sdr_outreach(lead_id)["route"]["owner"]
    _dm(slack, owner, "New lead for you: Ivy")
    assert [m.text.startswith("New lead for you: Ivy") for m in slack.messages_to(_user(slack, owner))].count(
        True
    ) == 1
    assert sum(1 for c in slack.calls if c.status == 429) == 7


def test_an_email_reminder_carries_a_link_that_acknowledges_once_and_a_get_changes_nothing(
    slack: SlackStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    from leadqual.domain.ack_links import sign_link

    chain = [{"after_minutes": 0.02, "do": "remind", "email": True}]
    with _connected_cloud(slack, tmp_path, monkeypatch, chain) as (cloud, _):
        lead_id = _submit(email="noa@mailco.io", first_name="Noa", **HOT)
        owner = sent_to_sdr_outreach(lead_id)["route"]["owner"]
        reminded = wait_until(lambda: _once(lead_id, "sla_reminded"), timeout=60, what="the e-mail reminder")
        assert "e-mailed a link that acknowledges" in next(
            e["detail"] for e in reminded["history"] if e["event"] == "sla_reminded"
        )
        (mail,) = [
            m
            for m in cloud.sent_emails()
            if "Noa" in m["body"] and m["subject"].startswith("Not acknowledged")
        ]
        assert mail["destinations"]["ToAddresses"] == [POLICY.assignment.reps[owner].email]  # type: ignore[union-attr]
        assert "noa@mailco.io" not in mail["body"]  # first name and title only: no address
        token = re.search(r"/console/ack/([\w.-]+)", mail["body"]).group(1)  # type: ignore[union-attr]
        # Opening the link (as a mail scanner would) changes nothing.
        for _ in range(3):
            peek = call_api("GET", f"/ack/{token}")
            assert peek.status == 200 and peek.json()["acknowledged_by"] is None
        assert call_api("GET", f"/console/ack/{token}").status == 200
        assert not _once(lead_id, "acknowledged")
        # The page's button acknowledges, once; the link does not work twice.
        taken = call_api("POST", f"/ack/{token}", {})
        assert taken.status == 200 and (
            taken.json()["acknowledged_by"],
            taken.json()["acknowledged_via"],
        ) == (owner, "email")
        assert call_api("POST", f"/ack/{token}", {}).status == 409
        acknowledged = wait_until(
            lambda: _once(lead_id, "acknowledged"), timeout=30, what="the acknowledgement"
        )
        assert any(
            "via email" in (e["detail"] or "")
            for e in acknowledged["history"]
            if e["event"] == "acknowledged"
        )
        # A changed link, and one past its 24 hours, do nothing.
        assert call_api("GET", f"/ack/{token[:-2]}xx").status == 401
        key = client("secretsmanager").get_secret_value(
            SecretId=cloud.function_environment()["LEADQUAL_LINK_KEY_SECRET"])["SecretString"]  # fmt: skip
        stale = sign_link(key, f"{lead_id}-a0", datetime.now(UTC) - timedelta(days=2))
        assert call_api("POST", f"/ack/{stale}", {}).status == 410
        assert not cloud.iam.denials, cloud.iam.report()


def test_each_reviewer_is_emailed_once_with_a_link_of_their_own_that_picks_the_review_up(
    slack: SlackStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    with _connected_cloud(slack, tmp_path, monkeypatch) as (cloud, _):
        # A demo request from a US company: reviewed by the SDRs of na
        lead_id = _submit(email="ola@kestrel.io", first_name="Ola", form="demo_request", title="COO",
                          company={"name": "Kestrel", "employees": 300, "country": "US"})  # fmt: skip
        review_id = wait_until(
            lambda: (found := _lead(lead_id)).get("review") and found, timeout=60, what="the review"
        )["review"]["review_id"]
        reviewers = [str(POLICY.assignment.reps[rep].email) for rep in ("sam.sdr", "jordan.sdr", "priya.sdr")]  # type: ignore[union-attr]

        def review_mails() -> list[dict[str, Any]]:
            return [m for m in cloud.sent_emails() if m["subject"].startswith("Review needed: Kestrel")]

        mails = wait_until(
            lambda: found if len(found := review_mails()) == 3 else None, timeout=60, what="3 e-mails"
        )
        # One each (SES, not a topic), first name and title only, each with a link of their own
        assert sorted(a for m in mails for a in m["destinations"]["ToAddresses"]) == sorted(reviewers)
        assert all("ola@kestrel.io" not in m["body"] and "Ola, COO at Kestrel" in m["body"] for m in mails)
        assert all(f"?review={review_id}" in m["body"] for m in mails)
        tokens = {m["destinations"]["ToAddresses"][0]: re.search(r"/console/ack/([\w.-]+)", m["body"]).group(1)  # type: ignore[union-attr]
                  for m in mails}  # fmt: skip
        assert len(set(tokens.values())) == 3
        # Jordan picks it up from their e-mail: the others see who has it, and it is still to decide
        jordan, sam = POLICY.assignment.reps["jordan.sdr"].email, POLICY.assignment.reps["sam.sdr"].email  # type: ignore[union-attr]
        peek = call_api("GET", f"/ack/{tokens[jordan]}").json()
        assert (peek["review_id"], peek["acknowledged_by"]) == (review_id, None)
        taken = call_api("POST", f"/ack/{tokens[jordan]}", {})
        assert taken.status == 200 and taken.json()["acknowledged_by"] == "jordan.sdr"
        assert call_api("POST", f"/ack/{tokens[jordan]}", {}).status == 409
        assert call_api("POST", f"/ack/{tokens[sam]}", {}).json()["acknowledged_by"] == "jordan.sdr"
        picked = wait_until(lambda: _once(lead_id, "review_picked_up"), timeout=30, what="the pick-up")
        assert "jordan.sdr picked the review up via email" in str(picked["history"])
        assert call_api("GET", f"/reviews/{review_id}").json()["status"] == "pending"
        assert len(review_mails()) == 3, "nobody is e-mailed twice"
