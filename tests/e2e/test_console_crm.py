"""The console's CRM sync page and a lead's CRM writes, in headless Chromium, against `leadqual serve`
writing to the HubSpot stand-in (no live HubSpot): the backlog, the budget, an owner a rep set kept,
a change HubSpot refused naming its field, and the retry that writes it once the rule is fixed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from leadqual_tools.crm_admin import install_quietly
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from leadqual_tools.local.policy_files import policy_file
from leadqual_tools.standins.hubspot import HubSpotStandIn
from tests.conftest import lead_body, serving
from tests.e2e.test_console import SHOWN_WITHIN_MS, browser  # noqa: F401 (the module's browser fixture)

TOKEN = "console-token"
RECORD_LINK = "https://app.hubspot.example/contacts/4242/record/0-1/{id}"


@pytest.fixture(scope="module")
def crm_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalCloud, str, HubSpotStandIn]]:
    folder = tmp_path_factory.mktemp("crm")
    with HubSpotStandIn(tokens={TOKEN}) as hubspot, pytest.MonkeyPatch.context() as env:
        connections = folder / "connections.yaml"
        connections.write_text(
            f"hubspot:\n  base_url: {hubspot.base_url}\n  token_env: LEADQUAL_HUBSPOT_TOKEN\n"
        )
        env.setenv("LEADQUAL_HUBSPOT_TOKEN", TOKEN)
        install_quietly(connections)
        # RevOps says where a HubSpot record opens: the "Open in the CRM" buttons
        policy = policy_file(folder, record_links={"hubspot": RECORD_LINK})
        with LocalCloud(
            review_timeout_seconds=600, visibility_timeout_seconds=1, connections_file=connections,
            policy_file=policy,
        ) as cloud:  # fmt: skip
            with serving(cloud) as url:
                yield cloud, url, hubspot
            assert not cloud.iam.denials, "AccessDenied in AWS:\n" + cloud.iam.report()


def _crm_of(lead_id: str) -> dict[str, Any] | None:
    lead: dict[str, Any] = call_api("GET", f"/leads/{lead_id}").json()
    crm = lead.get("crm") or {}
    return lead if crm.get("writes") or crm.get("dead_letter") else None


def _owned_by_a_rep(hubspot: HubSpotStandIn) -> str:
    """A named account's lead, approved to ana.ae; HubSpot has the person already, owned by rep 909."""
    hubspot.add_contact("dana.ng@tailspin.io", owner_id="909", by_person=True)
    call_api("PUT", "/accounts/tailspin.io", {"named_account": True, "owner": "ana.ae"})
    lead_id: str = call_api("POST", "/leads", lead_body(email="dana.ng@tailspin.io")).json()["lead_id"]

    def review() -> str | None:
        found = call_api("GET", "/reviews?status=pending&account=tailspin.io").json()["reviews"]
        return next((r["review_id"] for r in found if r["lead_id"] == lead_id), None)

    review_id = wait_until(review, timeout=60, what="the review")
    call_api("POST", f"/reviews/{review_id}/decision", {"decision": "approve", "reviewer": "sam.sdr"})
    return lead_id


def test_revops_sees_what_hubspot_refused_and_why_retries_it_and_sees_the_owner_kept(
    browser: Browser,  # noqa: F811
    crm_console: tuple[LocalCloud, str, HubSpotStandIn],
) -> None:
    _, url, hubspot = crm_console
    hubspot.validation_rules["leadqual_route"] = {"ae_notify", "sdr_outreach"}  # an admin's rule: no nurture
    refused_id = call_api("POST", "/leads", lead_body(email="lee@fabrikam.io", form="newsletter", title=None,
                                                       company={})).json()["lead_id"]  # fmt: skip
    kept_id = _owned_by_a_rep(hubspot)
    refused = wait_until(lambda: _crm_of(refused_id), timeout=60, what="HubSpot to refuse the nurture lead")
    assert refused["crm"]["dead_letter"] == "validation_error:leadqual_route"
    wait_until(lambda: _crm_of(kept_id), timeout=60, what="the approved lead's write")

    page = browser.new_page()
    page.goto(f"{url}/console/crm")
    expect(page.locator("#refused")).to_contain_text(
        "validation_error:leadqual_route", timeout=SHOWN_WITHIN_MS
    )
    expect(page.locator("#refused")).to_contain_text(refused_id)
    expect(page.locator("#conflicts")).to_contain_text("owner 909 kept, not ana.ae")
    expect(page.locator("#budget")).to_contain_text("hubspot:")
    expect(page.locator("#backlog")).to_contain_text("changes waiting")

    del hubspot.validation_rules["leadqual_route"]  # the admin relaxes the rule
    page.locator("#retry").click()
    expect(page.locator("#retried")).to_contain_text("1 sent back to the CRM writer", timeout=SHOWN_WITHIN_MS)
    written = wait_until(lambda: (_crm_of(refused_id) or {}).get("crm", {}).get("writes") or None, timeout=60,
                         what="the retried change to be written")  # fmt: skip
    assert written[-1]["changed"] and hubspot.contact("lee@fabrikam.io") is not None
    page.reload()
    expect(page.locator("#refused")).to_contain_text("Nothing refused.", timeout=SHOWN_WITHIN_MS)

    # The lead's page says where it is in HubSpot, what each write changed, and the owner kept.
    page.goto(f"{url}/console/leads/{kept_id}")
    expect(page.locator("#crm")).to_contain_text("hubspot record", timeout=SHOWN_WITHIN_MS)
    expect(page.locator("#crm-writes")).to_contain_text("owner kept")
    expect(page.locator("#crm-writes .conflict")).to_contain_text("owner 909 kept, not ana.ae")
    # The record opens in HubSpot, from the lead's page and from the Slack alert's button (the
    # lead's page with ?open=crm, which goes straight to the record once it is written)
    record_id = call_api("GET", f"/leads/{kept_id}").json()["crm"]["record_id"]
    record = RECORD_LINK.replace("{id}", record_id)
    expect(page.locator("#open-crm")).to_have_attribute("href", record)
    page.route("https://app.hubspot.example/**", lambda route: route.fulfill(body="the HubSpot record"))
    page.goto(f"{url}/console/leads/{kept_id}?open=crm")
    page.wait_for_url(record, timeout=SHOWN_WITHIN_MS)
    page.close()
