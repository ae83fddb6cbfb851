"""E-mail through SES (v2): plain text from the stack's verified sender."""

from __future__ import annotations

from leadqual.adapters.aws_clients import client


class SesMailer:
    def __init__(self, sender: str):
        self.sender = sender

    def send(self, to: str, subject: str, text: str) -> None:
        client("sesv2").send_email(
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": [to]},
            Content={"Simple": {"Subject": {"Data": subject[:200]}, "Body": {"Text": {"Data": text}}}},
        )
