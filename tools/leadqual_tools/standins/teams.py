"""A Teams channel's Workflows webhook, standing in for Power Automate's "Send webhook alerts to a
channel" flow: real HTTP, the shapes Microsoft documents.

- The request: `POST <the flow's URL, its own signature in sig=>` with `{"type": "message",
  "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": <card>}]}`
  (learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/
  add-incoming-webhook, "Create incoming webhooks with Workflows for Microsoft Teams").
- The answer: 202 Accepted, empty (the flow runs after it answers); a URL whose signature is wrong
  is refused (401); a flow throttled answers 429 with Retry-After (learn.microsoft.com/en-us/
  power-automate/limits-and-config, "Request limits").
- The card must be an AdaptiveCard; its actions Action.OpenUrl only (a Workflows card has no
  callback to the sender: adaptivecards.io/explorer/Action.OpenUrl.html). Anything else is 400.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

from leadqual_tools.standins import StandInServer

CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class PostedCard:
    card: dict[str, Any]

    @property
    def text(self) -> str:
        """Every TextBlock and fact, as the channel shows them."""
        parts = []
        for block in self.card.get("body", []):
            if block.get("type") == "TextBlock":
                parts.append(str(block.get("text", "")))
            elif block.get("type") == "FactSet":
                parts += [f"{f['title']}: {f['value']}" for f in block.get("facts", [])]
        return "\n".join(parts)

    def button(self, title: str) -> str:
        """The URL the button of that title opens."""
        return next(str(a["url"]) for a in self.card.get("actions", []) if a.get("title") == title)


class TeamsWorkflowStandIn(StandInServer):
    name = "teams-stand-in"

    def __init__(self, signature: str = "local-teams-sig") -> None:
        super().__init__()
        self.signature = signature
        self.cards: list[PostedCard] = []
        self.throttled = 0  # how many more posts answer 429
        self.requests = 0
        self._lock = threading.RLock()

    @property
    def webhook_url(self) -> str:
        """The flow's URL as Teams gives it: the signature is part of it (so it is a secret)."""
        return f"{self.base_url}/workflows/leadqual/triggers/manual/paths/invoke?api-version=1&sig={self.signature}"

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length)
        with self._lock:
            self.requests += 1
            if request.command != "POST" or not url.path.startswith("/workflows/"):
                self._reply(request, 404, b"", "application/json", {})
                return
            if parse_qs(url.query).get("sig") != [self.signature]:
                self._error(
                    request, 401, "DirectApiAuthorizationRequired", "The request signature is not valid"
                )
                return
            if self.throttled:
                self.throttled -= 1
                self._error(
                    request, 429, "WorkflowRequestsThrottled", "Rate limit is exceeded", {"Retry-After": "1"}
                )
                return
            try:
                body = json.loads(raw)
                (attachment,) = body["attachments"]
                card = attachment["content"]
                valid = (
                    body.get("type") == "message"
                    and attachment.get("contentType") == CARD
                    and card.get("type") == "AdaptiveCard"
                    and all(a.get("type") == "Action.OpenUrl" for a in card.get("actions", []))
                )
            except (ValueError, KeyError, TypeError):
                valid = False
            if not valid:
                self._error(
                    request, 400, "InvalidTemplate", "The body is not a message with one Adaptive Card"
                )
                return
            self.cards.append(PostedCard(card))
        self._reply(request, 202, b"", "application/json", {})

    def _error(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        payload = json.dumps({"error": {"code": code, "message": message}}).encode()
        self._reply(request, status, payload, "application/json", headers or {})
