"""A CRM's webhook: the CRM says something changed, so sales' outcomes are read now, not at the next
scheduled read. The request is acted on only if its signature is the vendor's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, Field

from leadqual.domain.ports import CrmReadTrigger


class NoWebhook(LookupError):
    """No webhook secret is configured (the connections file's `webhook_secret_*`)."""


class NotSigned(PermissionError):
    """The request is not signed with the app's secret, or its timestamp is too old."""


class CrmEventsAccepted(BaseModel):
    events: int = Field(
        description="How many changes the request carried (they are read from the CRM itself)"
    )


@dataclass
class CrmEventsService:
    # The HubSpot app's client secret, None when no webhook is configured.
    hubspot_secret: Callable[[], str | None]
    signed: Callable[[str, str, str, str, str, str, float], bool]
    reader: CrmReadTrigger

    def hubspot(
        self, method: str, uri: str, body: str, timestamp: str, signature: str, events: int, now: float
    ) -> CrmEventsAccepted:
        secret = self.hubspot_secret()
        if secret is None:
            raise NoWebhook("no HubSpot webhook is configured")
        if not self.signed(secret, method, uri, body, timestamp, signature, now):
            raise NotSigned("the request is not signed by HubSpot, or is over 5 minutes old")
        # What changed is not trusted for its content: the reader reads the CRM itself, from its
        # watermark, as a scheduled read does; a burst of webhooks reads the same changes again.
        self.reader.now()
        return CrmEventsAccepted(events=events)
