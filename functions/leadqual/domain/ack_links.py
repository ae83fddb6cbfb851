"""Signed, single-use, expiring links that acknowledge a lead from an e-mail (or a Teams card).

A link names an alert, when it expires and a nonce, signed with leadqual's link key (HMAC-SHA256):
it carries no token of the workflow's and nothing of the person. The console's page behind it shows
the lead (GET changes nothing, so a mail scanner that follows links acknowledges nothing) and a
button that POSTs; the alert store takes each nonce once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

LINK_LIFETIME = timedelta(hours=24)


class LinkRefused(Exception):
    """Not a link leadqual signed (401), or past its time (410)."""

    def __init__(self, message: str, expired: bool = False):
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class LinkClaims:
    alert_id: str
    nonce: str
    expires_at: datetime
    person: str | None = None  # whom it was e-mailed to, when the alert went to several (a review)
    via: str = "email"  # where the link was sent: email, or teams (the card's button)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_link(
    key: str,
    alert_id: str,
    now: datetime,
    lifetime: timedelta = LINK_LIFETIME,
    person: str | None = None,
    via: str = "email",
) -> str:
    claims = {"a": alert_id, "e": int((now + lifetime).timestamp()), "n": secrets.token_urlsafe(12)}
    if person is not None:
        claims["p"] = person
    if via != "email":
        claims["v"] = via
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{body}.{_b64(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest())}"


def verify_link(key: str, token: str, now: datetime) -> LinkClaims:
    body, _, signature = token.partition(".")
    expected = _b64(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest())
    if not body or not hmac.compare_digest(expected, signature):
        raise LinkRefused("This link was not made by leadqual, or was changed")
    try:
        claims = json.loads(_unb64(body))
        alert_id, expires, nonce = str(claims["a"]), int(claims["e"]), str(claims["n"])
        person = str(claims["p"]) if "p" in claims else None
        via = str(claims.get("v", "email"))
    except (ValueError, KeyError, TypeError):
        raise LinkRefused("This link was not made by leadqual, or was changed") from None
    expires_at = datetime.fromtimestamp(expires, now.tzinfo)
    if now >= expires_at:
        raise LinkRefused(
            "This link has expired (links last 24 hours): open the lead in the console", expired=True
        )
    return LinkClaims(alert_id, nonce, expires_at, person, via)
