"""Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook request is
received"): the card is POSTed as a message with one Adaptive Card attachment, on httpx.

The request, as Microsoft documents it (learn.microsoft.com/en-us/microsoftteams/platform/
webhooks-and-connectors/how-to/add-incoming-webhook, "Create incoming webhooks with Workflows"):
`{"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
"content": <AdaptiveCard>}]}`; the flow answers 202 Accepted. A 429 carries `Retry-After`.

The webhook URL carries its own signature (`sig=`), so it is a secret: Secrets Manager in AWS, an
environment variable locally, never logged. Office 365 connectors in Teams, whose MessageCards
could POST back to a service, are retired; a Workflows card's buttons can only open a link, so the
card's "Acknowledge" is the signed e-mail link (the page's POST acknowledges).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from leadqual.domain.ports import ChatRefused, ChatUnavailable

CARD = "application/vnd.microsoft.card.adaptive"
TIMEOUT_SECONDS = 10.0
LONGEST_WAIT_SECONDS = 30.0


class TeamsWorkflow:
    def __init__(self, webhook_url: Callable[[], str], rate_limit_retries: int = 3):
        self._url = webhook_url
        self.rate_limit_retries = rate_limit_retries

    def post(self, card: dict[str, Any]) -> None:
        """Posts `card` to the flow's channel; ChatUnavailable when it did not (retry), with
        `maybe_done` when no answer came back; ChatRefused when the flow refuses the card."""
        body = {
            "type": "message",
            "attachments": [{"contentType": CARD, "contentUrl": None, "content": card}],
        }
        for attempt in range(self.rate_limit_retries + 1):
            try:
                answer = httpx.post(self._url(), json=body, timeout=TIMEOUT_SECONDS)
            except httpx.TimeoutException as error:
                raise ChatUnavailable(
                    f"Teams did not answer ({type(error).__name__})", maybe_done=True
                ) from None
            except httpx.TransportError as error:
                raise ChatUnavailable(f"Teams could not be reached ({type(error).__name__})") from None
            if answer.status_code == 429 and attempt < self.rate_limit_retries:
                time.sleep(min(float(answer.headers.get("Retry-After", "1")), LONGEST_WAIT_SECONDS))
                continue
            if answer.status_code in (200, 202):
                return
            if answer.status_code == 429 or answer.status_code >= 500:
                raise ChatUnavailable(f"Teams answered {answer.status_code}")
            raise ChatRefused(f"Teams refused the card ({answer.status_code})")
        raise ChatUnavailable("Teams kept answering 429")  # pragma: no cover (the loop returns or raises)
