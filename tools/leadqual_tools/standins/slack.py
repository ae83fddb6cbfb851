"""A local stand-in for Slack: the Web API calls leadqual makes, and the interactions Slack sends back.

No live Slack workspace is reached by leadqual's tests or demo: this server speaks Slack's documented
shapes over real HTTP, so the real adapter (slack-sdk's WebClient) runs unchanged against it, and it
signs and posts interaction payloads to leadqual as Slack does. Each shape, and where Slack
documents it:
- Every method: `POST https://slack.com/api/<method>` with `Authorization: Bearer xoxb-...`, a JSON
  or form body (or query parameters); the answer is HTTP 200 with `{"ok": true, ...}` or
  `{"ok": false, "error": "<code>"}` (docs.slack.dev/apis/web-api/). A token Slack does not know is
  `invalid_auth`.
- `users.lookupByEmail` (`email`): `{ok, user: {id, team_id, name, real_name, tz, tz_offset,
  deleted, profile: {email, real_name, display_name}}}`, or `users_not_found`
  (docs.slack.dev/reference/methods/users.lookupByEmail).
- `users.info` (`user`): the same `user` object, or `user_not_found`
  (docs.slack.dev/reference/methods/users.info).
- `chat.postMessage` (`channel`, `text`, `blocks`): a user id as the channel posts to the app's DM
  with them; answers `{ok, channel: "D...", ts, message: {type, text, blocks, bot_id, ts}}`; errors
  `channel_not_found`, `no_text`, `invalid_blocks` (docs.slack.dev/reference/methods/chat.postMessage).
- `chat.update` (`channel`, `ts`, `text`, `blocks`): `{ok, channel, ts, text, message}`; errors
  `message_not_found`, `cant_update_message` (docs.slack.dev/reference/methods/chat.update).
- `chat.postEphemeral` (`channel`, `user`, `text`, `blocks`): shown to that user only; answers
  `{ok, message_ts}`; `user_not_in_channel` (docs.slack.dev/reference/methods/chat.postEphemeral).
- `views.open` (`trigger_id`, `view`): a trigger is good for 3 seconds after the interaction that
  made it, once; answers `{ok, view: {id, type, callback_id, private_metadata, state, ...}}`; errors
  `expired_trigger_id`, `invalid_trigger_id` (docs.slack.dev/reference/methods/views.open).
- Rate limits: over a method's limit the answer is HTTP 429 with `Retry-After` (seconds) and
  `{"ok": false, "error": "ratelimited"}`; chat.postMessage allows about one message a second per
  channel, with short bursts (docs.slack.dev/apis/web-api/rate-limits).
- Interactions: a click posts `payload=<JSON>` (form-encoded) to the app's Request URL; a button's
  payload is `block_actions` with `user`, `container` (`message_ts`, `channel_id`), `trigger_id`,
  `channel`, `message`, `response_url` and `actions` (`action_id`, `block_id`, `value`, `type`,
  `action_ts`, `selected_option` for a select) (docs.slack.dev/reference/interaction-payloads/
  block_actions-payload); a modal's submit is `view_submission` with `view.state.values`
  (docs.slack.dev/reference/interaction-payloads/view-interactions-payload). Slack waits 3 seconds
  for a 200, then retries with `X-Slack-Retry-Num` and `X-Slack-Retry-Reason`.
- Signing: `X-Slack-Signature: v0=` hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the app's
  signing secret, beside `X-Slack-Request-Timestamp` (seconds)
  (docs.slack.dev/authentication/verifying-requests-from-slack).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from leadqual_tools.standins import StandInServer
from leadqual_tools.standins.slack_viewer import render

TEAM = {"id": "T0LEADQUAL", "domain": "leadqual-team"}
APP_ID = "A0LEADQUAL"
TRIGGER_SECONDS = 3.0
# chat.postMessage: about one a second per channel, with short bursts.
POSTS_PER_CHANNEL = 4
POST_WINDOW_SECONDS = 4.0


@dataclass
class SlackUser:
    user_id: str
    email: str
    name: str
    tz: str = "America/New_York"
    deleted: bool = False


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    updates: int = 0


@dataclass
class Ephemeral:
    channel: str
    user: str
    text: str


@dataclass
class View:
    view_id: str
    user_id: str
    view: dict[str, Any]


@dataclass
class Call:
    """One Web API request the stand-in answered, for the tests' and the bench's accounts."""

    at: float
    method: str
    status: int
    error: str | None = None


@dataclass
class Clicked:
    """What leadqual answered to an interaction the stand-in posted (and the post, to resend it)."""

    status: int
    body: str
    seconds: float
    headers: dict[str, str] = field(default_factory=dict)
    sent: tuple[str, dict[str, str]] = ("", {})


class SlackStandIn(StandInServer):
    name = "slack-stand-in"

    def __init__(
        self, token: str = "xoxb-local-slack-token", signing_secret: str = "local-slack-signing-secret"
    ):
        super().__init__()
        self.tokens = {token}
        self.signing_secret = signing_secret
        self.users: dict[str, SlackUser] = {}
        self.messages: dict[tuple[str, str], Message] = {}
        self.ephemeral: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.calls: list[Call] = []
        self.interactions_url = ""  # leadqual's Request URL (POST /slack/interactions)
        self._triggers: dict[str, tuple[str, float]] = {}  # trigger id -> (user, made at)
        self._posts: defaultdict[str, deque[float]] = defaultdict(deque)
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self.rate_limited_methods: dict[str, int] = {}  # method -> how many more answers are 429s

    # ----- the workspace -----
    def add_user(self, email: str, name: str, tz: str = "America/New_York") -> SlackUser:
        with self._lock:
            user = SlackUser(f"U{next(self._ids):08d}", email.lower(), name, tz)
            self.users[user.user_id] = user
            return user

    def user_by_email(self, email: str) -> SlackUser:
        return next(u for u in self.users.values() if u.email == email.lower())

    def dm_channel(self, user_id: str) -> str:
        return "D" + user_id[1:]

    def messages_to(self, user_id: str) -> list[Message]:
        """The app's messages in its DM with the user, oldest first."""
        channel = self.dm_channel(user_id)
        with self._lock:
            return sorted((m for m in self.messages.values() if m.channel == channel), key=lambda m: m.ts)

    def method_calls(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    # ----- what a person does in Slack -----
    def click(
        self,
        user_id: str,
        message: Message,
        action_id: str,
        option: str | None = None,
        retry: int = 0,
        signing_secret: str | None = None,
        at: float | None = None,
    ) -> Clicked:
        """A person presses a button (or picks an option) in a message: Slack's block_actions post."""
        action, block_id = self._action(message, action_id)
        now = time.time() if at is None else at
        trigger = self._trigger(user_id)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user_id, "username": self.users[user_id].name, "name": self.users[user_id].name,
                     "team_id": TEAM["id"]},
            "api_app_id": APP_ID,
            "token": "deprecated-verification-token",
            "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel,
                          "is_ephemeral": False},
            "trigger_id": trigger,
            "team": TEAM,
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": message.channel, "name": "directmessage"},
            "message": {"type": "message", "ts": message.ts, "text": message.text, "blocks": message.blocks,
                        "bot_id": "B0LEADQUAL"},
            "state": {"values": {}},
            "response_url": f"{self.base_url}/actions/{message.channel}/{message.ts}",
            "actions": [{
                "action_id": action_id, "block_id": block_id, "type": action["type"],
                "text": action.get("text"), "value": action.get("value"), "action_ts": f"{now:.6f}",
                **({"selected_option": {"value": option}} if option is not None else {}),
            }],
        }  # fmt: skip
        return self._post_interaction(payload, retry, signing_secret, now)

    def submit(
        self, user_id: str, view_id: str, values: dict[str, dict[str, Any]], retry: int = 0
    ) -> Clicked:
        """A person submits a modal leadqual opened: Slack's view_submission post. `values` is
        `{block_id: {action_id: {"type": ..., "selected_option": {"value": ...}}}}`."""
        view = self.views[view_id]
        payload = {
            "type": "view_submission",
            "team": TEAM,
            "user": {"id": user_id, "username": self.users[user_id].name, "name": self.users[user_id].name,
                     "team_id": TEAM["id"]},
            "api_app_id": APP_ID,
            "token": "deprecated-verification-token",
            "trigger_id": self._trigger(user_id),
            "view": {**view.view, "id": view_id, "team_id": TEAM["id"], "state": {"values": values},
                     "app_id": APP_ID, "bot_id": "B0LEADQUAL"},
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }  # fmt: skip
        return self._post_interaction(payload, retry, None, time.time())

    def retry(self, clicked: Clicked, retry: int) -> Clicked:
        """Slack's retry of an interaction it got no timely 200 for: the same body and signature,
        with X-Slack-Retry-Num and X-Slack-Retry-Reason."""
        body, headers = clicked.sent
        return post_form(self.interactions_url, body,
                         {**headers, "X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})  # fmt: skip

    def _action(self, message: Message, action_id: str) -> tuple[dict[str, Any], str]:
        for block in message.blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == action_id:
                    return element, block.get("block_id", "actions")
        raise AssertionError(f"no {action_id!r} in the message's blocks: {json.dumps(message.blocks)[:400]}")

    def _trigger(self, user_id: str) -> str:
        with self._lock:
            trigger = (
                f"{next(self._ids)}.{int(time.time())}.{hashlib.sha1(user_id.encode()).hexdigest()[:12]}"
            )
            self._triggers[trigger] = (user_id, time.monotonic())
            return trigger

    def sign(self, body: str, timestamp: int, secret: str | None = None) -> str:
        base = f"v0:{timestamp}:{body}".encode()
        return "v0=" + hmac.new((secret or self.signing_secret).encode(), base, hashlib.sha256).hexdigest()

    def _post_interaction(
        self, payload: dict[str, Any], retry: int, secret: str | None, now: float
    ) -> Clicked:
        assert self.interactions_url, "set interactions_url to leadqual's POST /slack/interactions"
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        timestamp = int(now)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": self.sign(body, timestamp, secret),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        answered = post_form(self.interactions_url, body, headers)
        answered.sent = (body, headers)
        return answered

    # ----- the Web API -----
    def _viewer(self, request: BaseHTTPRequestHandler, path: str, form: dict[str, Any]) -> None:
        """`GET /viewer/<user>`: their DMs drawn from the blocks (slack_viewer.py); a button's
        `POST /viewer/<user>/press` presses it as that user (a signed interaction to leadqual)."""
        user_id = path.split("/")[2]
        if user_id not in self.users:
            self._reply(request, 404, b"no such user", "text/plain", {})
            return
        if path.endswith("/press"):
            message = self.messages[(form["channel"], form["ts"])]
            self.click(user_id, message, form["action"])
            self._reply(request, 303, b"", "text/plain", {"Location": f"/viewer/{user_id}"})
            return
        page = render(self.users[user_id].name, user_id, self.messages_to(user_id))
        self._reply(request, 200, page.encode(), "text/html; charset=utf-8", {})

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        path = urllib.parse.urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode() if length else ""
        method = path.path.rsplit("/", 1)[-1]
        args: dict[str, Any] = dict(urllib.parse.parse_qsl(path.query))
        if raw and (request.headers.get("Content-Type") or "").startswith("application/json"):
            args |= json.loads(raw)
        elif raw:
            args |= dict(urllib.parse.parse_qsl(raw))
        if path.path.startswith("/actions/"):
            self._reply(request, 200, b"ok", "text/plain", {})
            return
        if path.path.startswith("/viewer/"):
            self._viewer(request, path.path, args)
            return
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip() or args.get(
            "token"
        )
        with self._lock:
            if self.rate_limited_methods.get(method, 0) > 0 or (
                method == "chat.postMessage" and self._over(args)
            ):
                self.rate_limited_methods[method] = max(0, self.rate_limited_methods.get(method, 0) - 1)
                self._json(request, method, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
                return
            if token not in self.tokens:
                self._json(request, method, 200, {"ok": False, "error": "invalid_auth"})
                return
            answer = getattr(self, "_" + method.replace(".", "_"), None)
            if answer is None:
                self._json(request, method, 200, {"ok": False, "error": "unknown_method"})
                return
            self._json(request, method, 200, answer(args))

    def _over(self, args: dict[str, Any]) -> bool:
        window = self._posts[str(args.get("channel"))]
        now = time.monotonic()
        while window and now - window[0] > POST_WINDOW_SECONDS:
            window.popleft()
        if len(window) >= POSTS_PER_CHANNEL:
            return True
        window.append(now)
        return False

    def _json(
        self, request: BaseHTTPRequestHandler, method: str, status: int, body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        self.calls.append(Call(time.time(), method, status, None if body.get("ok") else body.get("error")))
        self._reply(
            request, status, json.dumps(body).encode(), "application/json; charset=utf-8", headers or {}
        )

    def _users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email", "")).lower()
        user = next((u for u in self.users.values() if u.email == email), None)
        return {"ok": False, "error": "users_not_found"} if user is None else self._user(user)

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user", "")))
        return {"ok": False, "error": "user_not_found"} if user is None else self._user(user)

    @staticmethod
    def _user(user: SlackUser) -> dict[str, Any]:
        return {"ok": True, "user": {
            "id": user.user_id, "team_id": TEAM["id"], "name": user.name, "real_name": user.name, "tz": user.tz,
            "tz_offset": 0, "deleted": user.deleted,
            "profile": {"email": user.email, "real_name": user.name, "display_name": user.name},
        }}  # fmt: skip

    def _channel(self, channel: str) -> str | None:
        if channel.startswith("U"):
            return self.dm_channel(channel) if channel in self.users else None
        if channel.startswith("D") and "U" + channel[1:] in self.users:
            return channel
        return None

    def _blocks(self, args: dict[str, Any]) -> list[dict[str, Any]] | None:
        blocks = args.get("blocks") or []
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        ok = (
            isinstance(blocks, list)
            and len(blocks) <= 50
            and all(isinstance(b, dict) and "type" in b for b in blocks)
        )
        return blocks if ok else None

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(args.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        blocks = self._blocks(args)
        if blocks is None:
            return {"ok": False, "error": "invalid_blocks"}
        if not args.get("text") and not blocks:
            return {"ok": False, "error": "no_text"}
        ts = f"{time.time():.6f}"
        while (channel, ts) in self.messages:
            ts = f"{float(ts) + 0.000001:.6f}"
        message = Message(channel, ts, str(args.get("text", "")), blocks)
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": {
            "type": "message", "text": message.text, "blocks": blocks, "bot_id": "B0LEADQUAL", "ts": ts,
        }}  # fmt: skip

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self.messages.get((str(args.get("channel")), str(args.get("ts"))))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        blocks = self._blocks(args)
        if blocks is None:
            return {"ok": False, "error": "invalid_blocks"}
        message.text, message.blocks = str(args.get("text", message.text)), blocks
        message.updates += 1
        return {"ok": True, "channel": message.channel, "ts": message.ts, "text": message.text,
                "message": {"text": message.text, "blocks": blocks}}  # fmt: skip

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(str(args.get("channel", "")))
        user = str(args.get("user", ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if user not in self.users:
            return {"ok": False, "error": "user_not_in_channel"}
        self.ephemeral.append(Ephemeral(channel, user, str(args.get("text", ""))))
        return {"ok": True, "message_ts": f"{time.time():.6f}"}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger = self._triggers.pop(str(args.get("trigger_id", "")), None)
        if trigger is None:
            return {"ok": False, "error": "invalid_trigger_id"}
        user, made_at = trigger
        if time.monotonic() - made_at > TRIGGER_SECONDS:
            return {"ok": False, "error": "expired_trigger_id"}
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        if not isinstance(view, dict) or view.get("type") != "modal":
            return {"ok": False, "error": "invalid_arguments"}
        view_id = f"V{next(self._ids):08d}"
        self.views[view_id] = View(view_id, user, view)
        return {"ok": True, "view": {**view, "id": view_id, "team_id": TEAM["id"], "state": {"values": {}}}}

    def views_for(self, user_id: str) -> list[View]:
        return [v for v in self.views.values() if v.user_id == user_id]


def post_form(url: str, body: str, headers: dict[str, str]) -> Clicked:
    started = time.monotonic()
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return Clicked(
                answer.status, answer.read().decode(), time.monotonic() - started, dict(answer.headers)
            )
    except urllib.error.HTTPError as error:
        return Clicked(error.code, error.read().decode(), time.monotonic() - started, dict(error.headers))
