"""The console's roster page in headless Chromium against `leadqual serve`: each pool's ledger and
who takes its next lead and why; RevOps changes a rep's weight; a rep sets their own time off, and
is then shown out of office in the pool's table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect

from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud
from tests.e2e.test_console import browser, console  # noqa: F401 (the module's fixtures)


@pytest.fixture(scope="module")
def roster_console(console: tuple[LocalCloud, str]) -> str:  # noqa: F811
    return console[1]


def test_the_roster_shows_each_pools_next_rep_and_revops_change_a_weight(
    browser: Browser,  # noqa: F811 (the fixture imported above)
    roster_console: str,
) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{roster_console}/console/roster")
    na = page.locator("section", has=page.locator("#pool-na"))
    expect(na).to_contain_text("Next lead:")
    expect(na.locator("table.candidates tbody tr")).to_have_count(
        3
    )  # sam, jordan, priya; the manager takes none
    expect(page.locator("#reps")).to_contain_text("Morgan Blake (morgan.manager), manager: takes no lead")
    page.select_option("#edit-which", "jordan.sdr")
    expect(page.locator("#edit-hubspot")).to_have_value("102")  # seeded from policy.yaml
    page.fill("#edit-weight", "1.5")
    page.fill("#edit-hubspot", "1102")  # Jordan's new HubSpot user: leadqual writes it as the owner
    page.click("#edit-rep button[type=submit]")
    expect(page.locator("#edit-said")).to_have_text("Saved jordan.sdr (version 2).")
    jordan = next(r for r in call_api("GET", "/roster").json()["reps"] if r["rep"] == "jordan.sdr")
    assert (jordan["weight"], jordan["crm_user"]) == (
        1.5,
        {"hubspot": "1102", "salesforce": "005000000000102"},
    )
    # A manager edited stays a manager
    page.select_option("#edit-which", "morgan.manager")
    page.click("#edit-rep button[type=submit]")
    expect(page.locator("#edit-said")).to_have_text("Saved morgan.manager (version 2).")
    morgan = next(r for r in call_api("GET", "/roster").json()["reps"] if r["rep"] == "morgan.manager")
    assert morgan["role"] == "manager"
    expect(na.locator("tr", has_text="jordan.sdr").locator("td").first).to_have_text("1.5")


def test_a_rep_sets_their_own_time_off_and_is_out_of_office_in_the_pool(
    browser: Browser,  # noqa: F811 (the fixture imported above)
    roster_console: str,
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{roster_console}/console/roster")
    page.fill("#reviewer-name", "lena.sdr")
    page.press("#reviewer-name", "Tab")
    page.select_option("#away-which", "lena.sdr")
    now = datetime.now(UTC)
    page.fill("#away-start", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#away-end", (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#away-note", "conference")
    page.click("#time-off button[type=submit]")
    expect(page.locator("#away-said")).to_have_text("Time off added for lena.sdr.")
    emea = page.locator("section", has=page.locator("#pool-emea"))
    expect(emea.locator("tr", has_text="lena.sdr")).to_contain_text("No: out of office until")
    expect(page.locator("#away-list")).to_contain_text("(conference)")
