"""The connections file: which CRM (and Slack) leadqual talks to, where, and where its credentials live.

One YAML file, read by `leadqual serve --connections FILE`, the `leadqual crm` commands and the
stack (`cdk deploy -c leadqual:connectionsFile=FILE`, which validates it and bundles it with the CRM
functions). Each credential is named twice: the environment variable that holds it locally, and
the Secrets Manager secret that holds it in AWS. The file holds no secret itself.

Without the file, nothing is written to any CRM, and each lead's timeline says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, model_validator

# Where the stack bundles the file it was given (the CRM functions read it from here in AWS).
BUNDLED_CONNECTIONS_FILE = Path(__file__).resolve().parent / "config" / "connections.yaml"

EnvName = Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$", max_length=128)]
SecretName = Annotated[str, Field(pattern=r"^[A-Za-z0-9/_+=.@-]{1,512}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiBudgetSettings(_Strict):
    """How much of the customer's API allowance leadqual may spend (the org's, shared by every app)."""

    # leadqual's own pace, under the vendor's burst limit (HubSpot: 100 requests per 10 s).
    requests_per_second: int = Field(8, ge=1, le=100)
    # leadqual's share of the org's daily allocation; when it is spent, writes wait in the queue.
    daily_share: float = Field(0.10, gt=0, le=1)
    # Until a response says what the org's daily allocation is (HubSpot Free/Starter: 250,000).
    assumed_daily_allocation: int = Field(250_000, gt=0)
    # The budget metric's alarm: this share of leadqual's daily share spent.
    alarm_at: float = Field(0.8, gt=0, le=1)


class HubSpotConnection(_Strict):
    # An https URL; http only for a local stand-in (loopback).
    base_url: HttpUrl = HttpUrl("https://api.hubapi.com")
    # The date-versioned object API (`/crm/objects/<version>/...`); v1-v4 end in September 2027.
    api_version: str = Field("2026-03", pattern=r"^\d{4}-\d{2}$")
    token_env: EnvName = "LEADQUAL_HUBSPOT_TOKEN"
    token_secret: SecretName = "leadqual/hubspot"
    # A HubSpot app's client secret, which signs its webhooks (POST /crm/hubspot/events): with it,
    # a change in HubSpot is read at once; without it, only on the schedule.
    webhook_secret_env: EnvName | None = None
    webhook_secret_secret: SecretName | None = None
    budget: ApiBudgetSettings = Field(default_factory=ApiBudgetSettings)


class SalesforceConnection(_Strict):
    login_url: HttpUrl = HttpUrl("https://login.salesforce.com")
    api_version: str = Field("66.0", pattern=r"^\d{2}\.0$")
    client_id_env: EnvName = "LEADQUAL_SALESFORCE_CLIENT_ID"
    client_secret_env: EnvName = "LEADQUAL_SALESFORCE_CLIENT_SECRET"
    # One secret holding {"client_id": ..., "client_secret": ...} (an External Client App's).
    credentials_secret: SecretName = "leadqual/salesforce"
    budget: ApiBudgetSettings = Field(
        default_factory=lambda: ApiBudgetSettings(requests_per_second=5, assumed_daily_allocation=100_000)
    )


class SlackConnection(_Strict):
    base_url: HttpUrl = HttpUrl("https://slack.com/api")
    token_env: EnvName = "LEADQUAL_SLACK_BOT_TOKEN"
    token_secret: SecretName = "leadqual/slack-bot-token"
    signing_secret_env: EnvName = "LEADQUAL_SLACK_SIGNING_SECRET"
    signing_secret_secret: SecretName = "leadqual/slack-signing-secret"


class TeamsConnection(_Strict):
    """A Teams channel's Workflows webhook ("Send webhook alerts to a channel"): its URL carries
    its own signature, so it is a secret (Secrets Manager in AWS, a variable locally)."""

    webhook_url_env: EnvName = "LEADQUAL_TEAMS_WEBHOOK_URL"
    webhook_url_secret: SecretName = "leadqual/teams-webhook"


class Connections(_Strict):
    hubspot: HubSpotConnection | None = None
    salesforce: SalesforceConnection | None = None
    slack: SlackConnection | None = None
    teams: TeamsConnection | None = None

    @model_validator(mode="after")
    def _one_crm(self) -> Connections:
        if self.hubspot is not None and self.salesforce is not None:
            raise ValueError("name one CRM: hubspot or salesforce (leadqual writes to one system of record)")
        return self

    @property
    def crm_system(self) -> str | None:
        return "hubspot" if self.hubspot else "salesforce" if self.salesforce else None

    def crm_budget(self) -> ApiBudgetSettings:
        """The connected CRM's API budget (the defaults when none is connected)."""
        crm = self.hubspot or self.salesforce
        return crm.budget if crm is not None else ApiBudgetSettings()

    def crm_secrets(self) -> list[str]:
        """The secrets the CRM functions read (and may read: the stack grants these only)."""
        if self.hubspot:
            return [self.hubspot.token_secret]
        return [self.salesforce.credentials_secret] if self.salesforce else []

    def secret_names(self) -> dict[str, str | dict[str, str]]:
        """Every secret -> the environment variable that holds the same credential locally (or, for
        a JSON secret, its keys' variables). The local mode copies one into the other; the stack
        grants the functions that use them read on the secrets."""
        named: dict[str, str | dict[str, str]] = {}
        if self.hubspot:
            named[self.hubspot.token_secret] = self.hubspot.token_env
            if self.hubspot.webhook_secret_secret and self.hubspot.webhook_secret_env:
                named[self.hubspot.webhook_secret_secret] = self.hubspot.webhook_secret_env
        if self.salesforce:
            named[self.salesforce.credentials_secret] = {
                "client_id": self.salesforce.client_id_env,
                "client_secret": self.salesforce.client_secret_env,
            }
        if self.slack:
            named[self.slack.token_secret] = self.slack.token_env
            named[self.slack.signing_secret_secret] = self.slack.signing_secret_env
        if self.teams:
            named[self.teams.webhook_url_secret] = self.teams.webhook_url_env
        return named


class ConnectionsError(ValueError):
    """A connections file that cannot be used; the message names the file and the field."""


NO_CONNECTIONS = Connections()


def load_connections(path: Path | str | None) -> Connections:
    """The file's connections; with no path, the bundled file if the stack shipped one, else none."""
    file = Path(path) if path else BUNDLED_CONNECTIONS_FILE
    if not path and not file.exists():
        return NO_CONNECTIONS
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConnectionsError(f"{file} cannot be read: {error}") from None
    try:
        return Connections.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in item['loc']) or '(file)'}: {item['msg']}"
            for item in error.errors()
        ]
        raise ConnectionsError(f"{file} is invalid:\n  " + "\n  ".join(problems)) from None
