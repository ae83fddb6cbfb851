"""The real Slack adapter (slack-sdk's WebClient) over HTTP against the Slack stand-in, which speaks
Slack's documented requests and answers, `ratelimited` with Retry-After included. No live Slack."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from leadqual.adapters.slack import SlackGateway, signed_by_slack
from leadqual.domain.ports import ChatRefused, ChatUnavailable
from leadqual_tools.standins.slack import SlackStandIn

TOKEN = "xoxb-local-slack-token"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(token=TOKEN) as stand_in:
        yield stand_in


def _gateway(slack: SlackStandIn, tokens: list[str] | None = None) -> SlackGateway:
    given = iter(tokens or [TOKEN] * 10)
    return SlackGateway(slack.base_url + "/api/", lambda fresh: next(given))


def test_a_dm_is_posted_to_the_person_found_by_email_and_updated(slack: SlackStandIn) -> None:
    sam = slack.add_user("sam@team.example", "sam")
    gateway = _gateway(slack)
    assert gateway.find_user("SAM@team.example") == sam.user_id
    assert gateway.find_user("nobody@team.example") is None
    channel, ts = gateway.post(
        sam.user_id, "New lead", [{"type": "section", "text": {"type": "plain_text", "text": "hi"}}]
    )
    assert channel == slack.dm_channel(sam.user_id) and slack.messages_to(sam.user_id)[0].ts == ts
    gateway.update(
        channel, ts, "Acknowledged", [{"type": "section", "text": {"type": "plain_text", "text": "done"}}]
    )
    assert slack.messages_to(sam.user_id)[0].text == "Acknowledged"
    gateway.tell(channel, sam.user_id, "Not yours")
    assert slack.ephemeral[0].text == "Not yours"
    with pytest.raises(ChatRefused, match="message_not_found"):
        gateway.update(channel, "1.000", "x", [])


def test_ratelimited_is_waited_out_as_retry_after_says(slack: SlackStandIn) -> None:
    sam = slack.add_user("sam@team.example", "sam")
    slack.rate_limited_methods["chat.postMessage"] = 1
    started = time.monotonic()
    _gateway(slack).post(sam.user_id, "New lead", [])
    assert time.monotonic() - started >= 1.0  # Retry-After: 1
    assert [c.status for c in slack.method_calls("chat.postMessage")] == [429, 200]
    slack.rate_limited_methods["chat.postMessage"] = 6  # more than the adapter waits out
    with pytest.raises(ChatUnavailable, match="ratelimited"):
        _gateway(slack).post(sam.user_id, "Again", [])


def test_a_rotated_token_is_read_again_once(slack: SlackStandIn) -> None:
    sam = slack.add_user("sam@team.example", "sam")
    gateway = _gateway(slack, ["xoxb-old", TOKEN])
    assert gateway.find_user("sam@team.example") == sam.user_id
    assert [c.error for c in slack.method_calls("users.lookupByEmail")] == ["invalid_auth", None]


def test_slacks_signature_is_checked_with_the_signing_secret_and_a_five_minute_window(
    slack: SlackStandIn,
) -> None:
    body, now = "payload=%7B%7D", int(time.time())
    signature = slack.sign(body, now)
    assert signed_by_slack(slack.signing_secret, body, str(now), signature, now)
    assert not signed_by_slack(slack.signing_secret, body + "x", str(now), signature, now)
    assert not signed_by_slack("another-secret", body, str(now), signature, now)
    assert not signed_by_slack(slack.signing_secret, body, str(now), signature, now + 301)
    assert not signed_by_slack(slack.signing_secret, body, "soon", signature, now)
