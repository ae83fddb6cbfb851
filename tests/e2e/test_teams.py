"""A rep's lead in the team's Teams channel, through the deployed path: Dispatch -> the alert FIFO
queue -> the alerts function (its role checked on every call, the webhook URL read from Secrets
Manager) -> the Workflows stand-in over HTTP. The card's Acknowledge is the signed link, whose
page acknowledges with a POST. No live Teams is reached."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from leadqual import resources
from leadqual.domain.policy import DEFAULT_POLICY_FILE
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from leadqual_tools.local.policy_files import policy_file
from leadqual_tools.standins.teams import PostedCard, TeamsWorkflowStandIn
from tests.conftest import lead_body, sent_to_sdr_outreach, serving


@pytest.fixture
def teams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LocalCloud, TeamsWorkflowStandIn]]:
    with TeamsWorkflowStandIn() as stand_in:
        connections = tmp_path / "connections.yaml"
        connections.write_text("teams:\n  webhook_url_env: ACME_TEAMS_WEBHOOK\n")
        monkeypatch.setenv("ACME_TEAMS_WEBHOOK", stand_in.webhook_url)
        # every rep at work at any hour: the card's deadline and the chain do not wait for morning
        policy = policy_file(tmp_path, any_hour=True)
        with LocalCloud(review_timeout_seconds=600, visibility_timeout_seconds=1, connections_file=connections,
                        policy_file=policy) as cloud:  # fmt: skip
            with serving(cloud):
                yield cloud, stand_in
            assert not cloud.iam.denials, "AccessDenied in AWS:\n" + cloud.iam.report()


def _lead(lead_id: str) -> dict[str, Any]:
    lead: dict[str, Any] = call_api("GET", f"/leads/{lead_id}").json()
    return lead


def test_the_reps_lead_is_carded_in_teams_once_and_its_link_acknowledges(
    teams: tuple[LocalCloud, TeamsWorkflowStandIn],
) -> None:
    cloud, stand_in = teams
    stand_in.throttled = 1  # the flow is throttled once: the adapter waits out its Retry-After
    # GIVEN a lead an SDR sends to SDR outreach: fairness gives it to a rep
    answer = call_api("POST", "/leads", lead_body(email="mo.diaz@quasar.io", first_name="Mo", form="contact_sales",
                                                  title="CTO", company={"name": "Quasar", "employees": 40, "country": "US"}))  # fmt: skip
    lead_id = answer.json()["lead_id"]
    owner = sent_to_sdr_outreach(lead_id)["route"]["owner"]
    # THEN one card in the channel names the rep and the lead (first name and title only)
    card: PostedCard = wait_until(
        lambda: stand_in.cards[0] if stand_in.cards else None, timeout=60, what="the card"
    )
    rep_name = yaml.safe_load(DEFAULT_POLICY_FILE.read_text())["assignment"]["reps"][owner]["display_name"]
    assert card.text.startswith(f"New lead for {rep_name}: Quasar")
    assert "Mo, CTO at Quasar" in card.text and "mo.diaz@" not in str(card.card)
    assert stand_in.requests == 2  # one 429, then the card
    # AND its Acknowledge is the signed link to the console's page; the console's button opens the lead
    link = card.button("Acknowledge")
    token = re.search(r"/console/ack/([\w.-]+)$", link).group(1)  # type: ignore[union-attr]
    assert card.button("Open in the console").endswith(f"/console/leads/{lead_id}")
    # WHEN the rep opens it (nothing changes) and presses the page's button (a POST)
    assert call_api("GET", f"/ack/{token}").json()["acknowledged_by"] is None
    taken = call_api("POST", f"/ack/{token}", {})
    assert (taken.json()["acknowledged_by"], taken.json()["acknowledged_via"]) == (owner, "teams")
    # THEN the lead is acknowledged via Teams, once; the card was posted once
    acknowledged = wait_until(
        lambda: next((e for e in _lead(lead_id)["history"] if e["event"] == "acknowledged"), None),
        timeout=30, what="the acknowledgement",
    )  # fmt: skip
    assert f"by {owner} via teams" in acknowledged["detail"]
    assert len(stand_in.cards) == 1
    # AND the function read the webhook URL (a secret: it carries the flow's signature) from Secrets Manager
    alerts = resources.function_name(resources.ALERT_FUNCTION.name)
    assert {c.resource.rsplit(":", 1)[-1][:-7] for c in cloud.iam.calls[alerts]
            if c.action == "secretsmanager:GetSecretValue"} >= {"leadqual/teams-webhook"}  # fmt: skip
