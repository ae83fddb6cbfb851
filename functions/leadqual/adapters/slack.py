"""Slack's Web API through slack-sdk's WebClient, and Slack's request signatures.

Why slack-sdk and not slack-bolt: bolt's Lambda adapter runs follow-up work in lazy listeners
that invoke the function again, and those have known cold-start timeouts; leadqual's interactions
route does one conditional write and hands the rest to SQS itself, so it needs only the client
and the signature check, both from slack-sdk (docs.slack.dev/tools/python-slack-sdk/).

Calls (each as Slack documents it; the stand-in, tools/leadqual_tools/standins/slack.py, speaks
the same): users.lookupByEmail, users.info, chat.postMessage, chat.update, chat.postEphemeral,
views.open. A 429 `ratelimited` is retried after its Retry-After by slack-sdk's handler (up to 5
times in the alert function, none in the interactions route, whose Slack retries it instead).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.signature import Clock, SignatureVerifier

from leadqual.domain.ports import ChatRefused, ChatUnavailable

# Errors that say the request itself cannot succeed (retrying changes nothing).
REFUSALS = frozenset(
    {"channel_not_found", "user_not_found", "users_not_found", "invalid_blocks", "no_text", "message_not_found",
     "cant_update_message", "user_not_in_channel", "expired_trigger_id", "invalid_trigger_id", "is_archived",
     "account_inactive", "invalid_arguments", "msg_too_long"}
)  # fmt: skip


class SlackGateway:
    def __init__(self, base_url: str, token: Callable[[bool], str], rate_limit_retries: int = 5):
        """`token(fresh)` reads the bot token (again, when `fresh`, after Slack said invalid_auth).
        `rate_limit_retries`: how many `ratelimited` answers to wait out (Retry-After each); the
        interactions route waits none (it has Slack's 3 seconds), the alert function several."""
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._token = token
        self._rate_limit_retries = rate_limit_retries
        self._client: WebClient | None = None

    def _web(self, fresh: bool = False) -> WebClient:
        if self._client is None or fresh:
            self._client = WebClient(
                token=self._token(fresh),
                base_url=self.base_url,
                timeout=5,
                retry_handlers=[
                    ConnectionErrorRetryHandler(max_retry_count=1),
                    RateLimitErrorRetryHandler(max_retry_count=self._rate_limit_retries),
                ],  # fmt: skip
            )
        return self._client

    def _call(self, method: str, **arguments: Any) -> dict[str, Any]:
        for fresh in (False, True):
            try:
                answer = self._web(fresh).api_call(method, json=arguments) if method not in _QUERY else \
                    self._web(fresh).api_call(method, http_verb="GET", params=arguments)  # fmt: skip
                return dict(answer.data) if isinstance(answer.data, dict) else {}
            except SlackApiError as error:
                code = str(error.response.get("error", "")) if error.response is not None else ""
                if code in ("invalid_auth", "token_expired", "token_revoked") and not fresh:
                    continue  # the token was rotated: read it again, once
                if code in REFUSALS:
                    raise ChatRefused(f"Slack refused {method}: {code}") from None
                raise ChatUnavailable(f"Slack {method} failed: {code or error}") from None
            except OSError as error:
                # Sent, perhaps, with no answer back: a post may exist.
                raise ChatUnavailable(f"Slack {method} unreachable: {error}", maybe_done=True) from None
        raise ChatUnavailable(f"Slack {method}: the bot token is not accepted")

    def find_user(self, email: str) -> str | None:
        try:
            user = self._call("users.lookupByEmail", email=email).get("user") or {}
        except ChatRefused:
            return None
        return None if user.get("deleted") else user.get("id")

    def user_email(self, user_id: str) -> str | None:
        try:
            user = self._call("users.info", user=user_id).get("user") or {}
        except ChatRefused:
            return None
        email = (user.get("profile") or {}).get("email")
        return str(email).lower() if email else None

    def post(self, person_id: str, text: str, blocks: list[dict[str, Any]]) -> tuple[str, str]:
        answer = self._call(
            "chat.postMessage", channel=person_id, text=text, blocks=blocks, unfurl_links=False
        )
        return str(answer["channel"]), str(answer["ts"])

    def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        self._call("chat.update", channel=channel, ts=ts, text=text, blocks=blocks)

    def tell(self, channel: str, user_id: str, text: str) -> None:
        self._call("chat.postEphemeral", channel=channel, user=user_id, text=text)

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        self._call("views.open", trigger_id=trigger_id, view=view)


# Methods Slack documents as read with query parameters.
_QUERY = frozenset({"users.lookupByEmail", "users.info"})


def signed_by_slack(secret: str, body: str, timestamp: str, signature: str, now: float) -> bool:
    """Slack's signature: `v0=` HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the app's signing
    secret, and a timestamp within 5 minutes (docs.slack.dev/authentication/verifying-requests-from-slack)."""
    if not secret or not timestamp.isdigit():
        return False
    verifier = SignatureVerifier(secret, clock=_At(now))
    return bool(verifier.is_valid(body=body, timestamp=timestamp, signature=signature))


class _At(Clock):
    """slack-sdk's verifier asks a clock for the time; the route passes the request's `now`."""

    def __init__(self, now: float):
        self._now = now

    def now(self) -> float:
        return self._now
