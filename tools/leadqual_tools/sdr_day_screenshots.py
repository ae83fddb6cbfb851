"""`make screenshots` (the SDR's day): what a rep and a reviewer see, at 1440x900 and on a 390x844
phone, in headless Chromium.

It starts the local cloud connected to the Slack stand-in (no live Slack: the stand-in's viewer
draws the Block Kit blocks leadqual posted, and its buttons send signed interactions to leadqual as
Slack would), with every rep at work and a first SLA reminder after a few seconds, and takes:

1. a review's DM to a reviewer; Approve pressed in it; the DM settled; the lead's page, routed;
2. the reminder a rep gets when nobody acknowledged their lead;
3. a morning's inbox worked from the keyboard (a decision waiting out its undo time), and on a
   phone (a review tapped open).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import yaml
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright

from leadqual.domain.policy import DEFAULT_POLICY_FILE
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from leadqual_tools.local.policy_files import policy_file
from leadqual_tools.local.server import serve
from leadqual_tools.screenshots import CHROMIUM, CHROMIUM_ARGS
from leadqual_tools.standins.slack import SlackStandIn

SIZES = {"desktop": ViewportSize(width=1440, height=900), "phone": ViewportSize(width=390, height=844)}
TOKEN, SIGNING_SECRET = "xoxb-screenshots", "screenshots-signing-secret"
# The morning's reviews: who asked, from where, and what they did (each a different trigger).
MORNING = [
    ("Ada", "Okafor", "VP Revenue Operations", "Halcyon Freight", "halcyon.io", "demo_request"),
    ("Ben", "Ruiz", "Head of Sales", "Tessellate", "tessellate.io", "contact_sales"),
    ("Chloe", "Martin", "COO", "Brightwater Labs", "brightwater.io", "demo_request"),
    ("Dev", "Patel", "Director of Growth", "Orchard Analytics", "orchard.io", "contact_sales"),
    ("Emi", "Sato", "CFO", "Lumen Robotics", "lumen.io", "demo_request"),
]
T = TypeVar("T")
# A reminder 3 s after the route, so the picture of one is taken in seconds.
REMINDER = [{"after_minutes": 0.05, "do": "remind"}]


@contextmanager
def _connected(folder: Path) -> Iterator[tuple[SlackStandIn, str]]:
    policy = yaml.safe_load(DEFAULT_POLICY_FILE.read_text())
    with SlackStandIn(token=TOKEN, signing_secret=SIGNING_SECRET) as slack:
        for rep, settings in policy["assignment"]["reps"].items():
            slack.add_user(settings["email"], settings.get("display_name", rep))
        connections = folder / "connections.yaml"
        connections.write_text(f"slack:\n  base_url: {slack.base_url}/api/\n")
        os.environ["LEADQUAL_SLACK_BOT_TOKEN"], os.environ["LEADQUAL_SLACK_SIGNING_SECRET"] = (
            TOKEN,
            SIGNING_SECRET,
        )
        with LocalCloud(review_timeout_seconds=24 * 3600, visibility_timeout_seconds=1,
                        connections_file=connections, policy_file=policy_file(folder, any_hour=True, sla=REMINDER)) as cloud:  # fmt: skip
            cloud.run_pollers()
            server = serve("127.0.0.1", 0)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{server.server_address[1]}"
            slack.interactions_url = f"{url}/slack/interactions"
            try:
                yield slack, url
            finally:
                server.shutdown()
                server.server_close()


def _lead(lead_id: str) -> dict[str, Any]:
    lead: dict[str, Any] = call_api("GET", f"/leads/{lead_id}").json()
    return lead


def _submit(first: str, last: str, title: str, company: str, domain: str, form: str) -> str:
    body = {
        "email": f"{first.lower()}.{last.lower()}@{domain}", "first_name": first, "last_name": last, "title": title,
        "form": form, "company": {"name": company, "domain": domain, "employees": 300, "country": "US"},
    }  # fmt: skip
    answer = call_api("POST", "/leads", body)
    assert answer.status == 202, answer.body
    return str(answer.json()["lead_id"])


def _until(check: Callable[[], T | None], what: str) -> T:
    return wait_until(check, timeout=90, what=what)


def _shoot(
    browser: Browser, url: str, name: str, out: Path, prepare: Callable[[Page], None] | None = None
) -> list[Path]:
    shots = []
    for size, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport, is_mobile=size == "phone", has_touch=size == "phone")
        page = context.new_page()
        page.goto(url)
        if prepare is not None:
            prepare(page)
        shots.append(out / f"{name}-{size}.png")
        page.screenshot(path=shots[-1])
        context.close()
    return shots


def _inbox(context: BrowserContext, url: str, name: str) -> Page:
    page = context.new_page()
    page.goto(f"{url}/console/")
    page.fill("#reviewer-name", name)
    page.press("#reviewer-name", "Tab")
    page.locator(".queue-item").first.wait_for()
    return page


def take(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    with tempfile.TemporaryDirectory() as folder, _connected(Path(folder)) as (slack, url):
        sam = slack.user_by_email("sam@team.example").user_id
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            # 1. A review's DM; Approve from Slack; the lead routed.
            lead_id = _submit(
                "Lin", "Moreau", "Head of Operations", "Orbital Systems", "orbital.io", "demo_request"
            )
            _until(lambda: next((m for m in slack.messages_to(sam) if m.text.startswith("Review needed")), None),
                   "the review's DM")  # fmt: skip
            viewer = f"{slack.base_url}/viewer/{sam}"
            shots += _shoot(browser, viewer, "1-review-dm", out)
            page = browser.new_page(viewport=SIZES["desktop"])
            page.goto(viewer)
            page.locator("button", has_text="Approve").first.click()
            _until(lambda: _lead(lead_id).get("route"), "the lead routed from Slack")
            page.close()
            shots += _shoot(browser, viewer, "2-approved-in-slack", out)
            shots += _shoot(browser, f"{url}/console/leads/{lead_id}", "3-lead-routed", out,
                            lambda p: p.locator("#timeline .event").first.wait_for())  # fmt: skip
            # 2. Nobody acknowledges a lead: its rep is reminded.
            cold = _submit("Noa", "Levi", "CTO", "Acme Rockets", "acme-rockets.io", "contact_sales")
            review = _until(lambda: (_lead(cold).get("review") or {}).get("review_id"), "the second review")
            call_api("POST", f"/reviews/{review}/decision",
                     {"decision": "reroute", "route": "sdr_outreach", "reviewer": "morgan.manager"})  # fmt: skip
            owner = _until(lambda: (_lead(cold).get("route") or {}).get("owner"), "the route")
            email = yaml.safe_load(DEFAULT_POLICY_FILE.read_text())["assignment"]["reps"][owner]["email"]
            rep = slack.user_by_email(email).user_id
            _until(lambda: next((m for m in slack.messages_to(rep) if m.text.startswith("Reminder")), None),
                   "the reminder")  # fmt: skip
            shots += _shoot(browser, f"{slack.base_url}/viewer/{rep}", "4-reminder", out)
            # 3. The morning's inbox, from the keyboard and on a phone.
            waiting = [_submit(*lead) for lead in MORNING]
            _until(lambda: all(_lead(i).get("review") for i in waiting) or None, "the morning's reviews")
            desktop = browser.new_context(viewport=SIZES["desktop"])
            page = _inbox(desktop, url, "Sam Rivera")
            page.focus("#queue")
            for key in ("j", "j", "k"):
                page.keyboard.press(key)
            page.keyboard.press("a")  # approved: waiting out its undo time, the next review open
            # the countdown has moved on: the picture shows it running
            page.wait_for_function(
                "() => /in [1-8] s/.test(document.getElementById('held-words')?.textContent)"
            )
            shots.append(out / "5-inbox-keyboard-desktop.png")
            page.screenshot(path=shots[-1])
            page.keyboard.press("u")
            desktop.close()
            phone = browser.new_context(viewport=SIZES["phone"], is_mobile=True, has_touch=True)
            page = _inbox(phone, url, "Sam Rivera")
            shots.append(out / "5-inbox-phone-list.png")
            page.screenshot(path=shots[-1])
            page.locator(".queue-item").nth(2).tap()
            page.locator("#approve").wait_for()
            shots.append(out / "5-inbox-phone-review.png")
            page.screenshot(path=shots[-1])
            phone.close()
            browser.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots/sdr-day"))
    for shot in take(parser.parse_args().out):
        print(f"wrote {shot}")


if __name__ == "__main__":
    main()
