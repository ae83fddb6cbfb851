"""The console in a real browser: Debian's headless Chromium, driven by Playwright, against
`leadqual serve` on the local cloud (the real handlers, the same state machine)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect, sync_playwright

from leadqual import resources
from leadqual.domain.schemas.vocabulary import RouteAction
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from tests.conftest import lead_body, serving

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# As the machine's own check starts it: without the background-networking flags Chromium keeps
# reaching for Google's hosts, which this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
# How long the page may take to show what the flow did (the inbox refreshes every 2 s locally).
SHOWN_WITHIN_MS = 15_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        # Never a skip: in CI (CI=true) and everywhere else a missing browser is a failure that says what to do.
        pytest.fail(
            f"The console's browser tests need Chromium at {CHROMIUM}: run `make browser` as root, or "
            "`sudo apt-get install chromium chromium-driver`, or set CHROMIUM=/path/to/chromium"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def console() -> Iterator[tuple[LocalCloud, str]]:
    """One `leadqual serve` for the module; each test makes leads of its own accounts."""
    with LocalCloud(review_timeout_seconds=600, visibility_timeout_seconds=1) as cloud:
        with serving(cloud) as url:
            yield cloud, url
        assert not cloud.iam.denials, "AccessDenied in AWS:\n" + cloud.iam.report()


def _lead(lead_id: str) -> dict[str, Any]:
    body: dict[str, Any] = call_api("GET", f"/leads/{lead_id}").json()
    return body


def _settled(lead_id: str, status: str) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        lead = _lead(lead_id)
        route = lead.get("route")
        if lead["status"] != status or (status == "routed" and not (route and route["announced"])):
            return None
        return lead

    return wait_until(reached, timeout=30, what=f"lead {lead_id} to be {status}")


def _pending_review(domain: str, owner: str = "maria.lopez", **lead: Any) -> tuple[str, str]:
    """A lead of a named account, waiting for an SDR: (lead_id, review_id)."""
    call_api("PUT", f"/accounts/{domain}", {"named_account": True, "owner": owner})
    body = lead_body(email=lead.pop("email", f"dana.ng@{domain}"), **lead)
    body["company"] = {**body["company"], "domain": domain}
    answer = call_api("POST", "/leads", body)
    assert answer.status == 202, answer.body
    lead_id: str = answer.json()["lead_id"]
    review_id: str = _settled(lead_id, "pending_review")["review"]["review_id"]
    return lead_id, review_id


# Every alert, confirm or prompt a page opened, by page: a script that ran where text belonged.
DIALOGS: dict[Page, list[str]] = {}


def _open_inbox(browser: Browser, url: str, reviewer: str, review_id: str | None = None) -> Page:
    page = browser.new_page()
    opened = DIALOGS.setdefault(page, [])

    def record(dialog: Dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    page.goto(f"{url}/console/" + (f"?review={review_id}" if review_id else ""))
    page.fill("#reviewer-name", reviewer)
    page.press("#reviewer-name", "Tab")  # `change`: the name is kept for the decisions
    return page


def _choose(page: Page, review_id: str) -> None:
    item = page.locator(f"#queue-{review_id}")
    expect(item).to_be_visible(timeout=SHOWN_WITHIN_MS)
    item.click()
    expect(item).to_have_attribute("aria-selected", "true")


def test_a_named_account_lead_is_in_the_inbox_with_its_reasons_and_approve_routes_it_to_its_owner(
    browser: Browser, console: tuple[LocalCloud, str]
) -> None:
    cloud, url = console
    # GIVEN a lead of a named account, waiting for an SDR
    lead_id, review_id = _pending_review("northwind.io")
    # WHEN an SDR opens the inbox and the review
    page = _open_inbox(browser, url, "sam")
    _choose(page, review_id)
    detail = page.locator("#detail")
    # THEN it shows the person, the account's tier and why, the score, the triggers and the route
    expect(page.locator("#detail-name")).to_have_text("Dana")
    expect(detail).to_contain_text("VP of Operations")
    expect(detail).to_contain_text("dana.ng@northwind.io")
    expect(detail).to_contain_text("Northwind · northwind.io · 1,200 employees · Logistics · US")
    expect(detail).to_contain_text("named")
    expect(detail.locator(".chips")).to_contain_text("Named account")
    expect(detail.locator("#why-review")).not_to_be_empty()
    expect(detail.locator("meter")).to_have_count(3)
    expect(detail.locator(".reasons li").first).to_be_visible()
    expect(page.locator("#suggested")).to_contain_text("to Maria Lopez")
    expect(detail).to_contain_text("left")
    # WHEN the SDR approves (and sends it without waiting out the undo time)
    page.click("#approve")
    expect(page.locator(f"#queue-{review_id}")).to_have_count(0)
    page.click("#send-now")
    # THEN the page says so, the review is gone from the queue and the lead goes to its owner, once
    expect(page.locator("#last-decision")).to_contain_text("Approved", timeout=SHOWN_WITHIN_MS)
    expect(page.locator(f"#queue-{review_id}")).to_have_count(0)
    route = _settled(lead_id, "routed")["route"]
    assert (route["action"], route["owner"], route["decided_by"]) == ("ae_notify", "maria.lopez", "sam")
    sent = cloud.drain_queue(resources.action_queue_name(RouteAction.AE_NOTIFY))
    assert [m["lead_id"] for m in sent] == [lead_id]
    # AND the lead's page tells the whole story, from receipt to route
    page.click("#last-decision a")
    expect(page.locator("#lead-route")).to_have_text("Notify the account executive to maria.lopez")
    timeline = page.locator("#timeline")
    for step in ("Received", "Scored", "Rules tried", "Review requested", "Review decided", "Routed"):
        expect(timeline).to_contain_text(step)
    expect(timeline.locator(".rules-tried .matched")).to_have_count(1)
    expect(timeline).to_contain_text("approve by sam")
    assert DIALOGS[page] == []


def test_reject_sends_the_lead_to_nurture_and_reroute_to_the_route_chosen(
    browser: Browser, console: tuple[LocalCloud, str]
) -> None:
    _, url = console
    rejected, reject_review = _pending_review("contoso.io")
    rerouted, reroute_review = _pending_review("fabrikam.io", email="lee.chan@fabrikam.io")
    page = _open_inbox(browser, url, "kim")
    _choose(page, reject_review)
    page.fill("#note", "Student project, not a buyer")
    page.click("#reject")
    _choose(page, reroute_review)
    page.select_option("#reroute-to", "sdr_outreach")
    # A second decision sends the first, held one at once; the second waits its own undo time
    page.click("#reroute")
    expect(page.locator("#held-words")).to_contain_text("Reroute")
    page.click("#send-now")
    expect(page.locator("#last-decision")).to_contain_text("Rerouted", timeout=SHOWN_WITHIN_MS)
    assert _settled(rejected, "routed")["route"]["action"] == "nurture"
    assert _settled(rerouted, "routed")["route"]["action"] == "sdr_outreach"
    # The note is on the record, and on the lead's page
    page.goto(f"{url}/console/leads/{rejected}")
    expect(page.locator("#timeline")).to_contain_text("Student project, not a buyer")


def test_two_sdrs_decide_one_review_the_second_sees_who_decided_and_nothing_is_sent_twice(
    browser: Browser, console: tuple[LocalCloud, str]
) -> None:
    cloud, url = console
    lead_id, review_id = _pending_review("initech.io")
    first, second = _open_inbox(browser, url, "alice", review_id), _open_inbox(browser, url, "bob", review_id)
    for page in (first, second):
        expect(page.locator("#approve")).to_be_visible(timeout=SHOWN_WITHIN_MS)
    first.click("#approve")
    first.click("#send-now")
    expect(first.locator("#last-decision")).to_contain_text("Approved", timeout=SHOWN_WITHIN_MS)
    # The second, still showing the review, rejects it: the page says plainly who decided what and
    # when, and how to have it changed
    if second.locator("#reject").count():
        second.click("#reject")
        second.click("#send-now")
    # (by the 409 of its own decision, or by the refresh that found the review gone: both say who)
    decided = second.locator("#last-decision, #decided").filter(has_text=re.compile("decided by alice", re.I))
    expect(decided.first).to_contain_text("approve by alice on", timeout=SHOWN_WITHIN_MS)
    expect(decided.first).to_contain_text("To change it, ask alice")
    _settled(lead_id, "routed")
    sent = cloud.drain_queue(resources.action_queue_name(RouteAction.AE_NOTIFY))
    assert [m["lead_id"] for m in sent] == [lead_id]


def test_a_hostile_title_is_shown_as_text_and_runs_nothing(
    browser: Browser, console: tuple[LocalCloud, str]
) -> None:
    _, url = console
    hostile = "<script>alert(1)</script>"
    lead_id, review_id = _pending_review(
        "umbrella.io", title=hostile, first_name='<img src=x onerror="alert(2)">', last_name="Ng"
    )
    page = _open_inbox(browser, url, "sam", review_id)
    expect(page.locator("#detail .title")).to_have_text(hostile, timeout=SHOWN_WITHIN_MS)
    expect(page.locator("#detail-name")).to_have_text('<img src=x onerror="alert(2)"> Ng')
    assert page.locator("#detail script, #detail img, #queue img").count() == 0
    page.goto(f"{url}/console/leads/{lead_id}")
    expect(page.locator("#summary .title")).to_have_text(hostile)
    assert page.locator("main script, main img").count() == 0
    assert DIALOGS[page] == []


def test_an_sdr_decides_with_the_keyboard_alone(browser: Browser, console: tuple[LocalCloud, str]) -> None:
    _, url = console
    lead_id, review_id = _pending_review("globex.io")
    page = _open_inbox(browser, url, "sam", review_id)
    expect(page.locator(f"#queue-{review_id}")).to_have_attribute(
        "aria-selected", "true", timeout=SHOWN_WITHIN_MS
    )
    page.focus("#queue")
    page.keyboard.press("n")
    page.keyboard.type("Called, wants a demo")
    page.keyboard.press("Escape")  # back to the list, where the letters are shortcuts
    page.keyboard.press("a")
    page.click("#send-now")
    expect(page.locator("#last-decision")).to_contain_text("Approved", timeout=SHOWN_WITHIN_MS)
    lead = _settled(lead_id, "routed")
    assert lead["route"]["decided_by"] == "sam"


def test_every_console_page_forbids_inline_script_and_other_origins(console: tuple[LocalCloud, str]) -> None:
    for path in (
        "/console/",
        "/console/leads/ld_0000",
        "/console/reports",
        "/console/policy",
        "/console/crm",
        "/console/assets/inbox.js",
    ):
        answer = call_api("GET", path)
        assert answer.status == 200, path
        policy = answer.headers["Content-Security-Policy"]
        assert (
            "script-src 'self';" in policy
            and "unsafe-inline" not in policy
            and "default-src 'none'" in policy
        )
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        if not path.endswith(".js"):
            # Every script is a file of the console's own: no inline script to allow.
            assert "<script>" not in answer.body and 'type="module" src=' in answer.body


def test_an_sdr_decides_a_review_from_the_emails_link(
    browser: Browser, console: tuple[LocalCloud, str]
) -> None:
    cloud, url = console
    # GIVEN a named-account lead waiting for an SDR, and the e-mail the SDRs got about it
    lead_id, review_id = _pending_review("mail.example.io", email="rita.okafor@mail.example.io",
                                         first_name="Rita", last_name="Okafor", title="COO")  # fmt: skip
    subject, message = wait_until(
        lambda: next(((s, m) for s, m in cloud.sdr_emails() if review_id in m), None),
        timeout=30, what="the review e-mail",
    )  # fmt: skip
    # THEN it names the person, the company, why and the time left, and holds no address or token
    assert subject.startswith("Review needed: Northwind, named_account, ") and subject.endswith(" left")
    assert "Rita, COO at Northwind (mail.example.io)" in message
    assert "rita.okafor@" not in subject + message and "Okafor" not in message
    assert "token" not in message.lower()
    # AND its link is the console's address with the review's id
    link = re.search(r"Decide it in the console: (\S+)", message)
    assert link is not None and link.group(1) == f"{cloud.console_url}?review={review_id}"
    # WHEN the SDR follows it (on the address this test serves) and approves
    page = browser.new_page()
    page.goto(f"{url}/console/{link.group(1).rsplit('/', 1)[1]}")
    page.fill("#reviewer-name", "rita.sdr")
    page.press("#reviewer-name", "Tab")
    # THEN the review is open, chosen, with the person's name, and one click decides it
    expect(page.locator("#detail-name")).to_have_text("Rita Okafor", timeout=SHOWN_WITHIN_MS)
    page.click("#approve")
    page.click("#send-now")
    expect(page.locator("#last-decision")).to_contain_text("Approved", timeout=SHOWN_WITHIN_MS)
    assert _settled(lead_id, "routed")["route"]["decided_by"] == "rita.sdr"
    page.close()


def test_the_reports_page_shows_its_charts_for_the_leads_sales_reported_on(
    browser: Browser, console: tuple[LocalCloud, str]
) -> None:
    # GIVEN a lead routed to its owner after review, and sales' report that it closed won
    _, url = console
    lead_id, review_id = _pending_review("reports.example.io")
    decided = call_api("POST", f"/reviews/{review_id}/decision", {"decision": "approve", "reviewer": "sam"})
    assert decided.status == 200, decided.body
    _settled(lead_id, "routed")
    assert call_api("POST", f"/leads/{lead_id}/outcome", {"outcome": "closed_won"}).status == 202
    # WHEN RevOps opens the reports
    page = browser.new_page()
    page.goto(f"{url}/console/reports")
    # THEN every chart is drawn, as SVG the server made, with the headline figures
    charts = page.locator("svg.chart")
    expect(charts.first).to_be_visible(timeout=SHOWN_WITHIN_MS)
    assert charts.count() == 11  # ten of conversion, speed and reviews; time to acknowledge
    expect(page.get_by_role("img", name="Conversion by score decile")).to_be_visible()
    expect(page.get_by_role("img", name="Review decisions")).to_be_visible()
    assert page.locator(".chart .bar").count() > 0
    # AND a date range after today's leads leaves none of them
    page.fill("#since", "2099-01-01")
    page.click("#window button")
    expect(page.locator(".figure-value").first).to_have_text("0", timeout=SHOWN_WITHIN_MS)
    assert "since=2099-01-01" in page.url
    page.close()


def test_the_policy_page_lists_tiers_checkpoints_and_ordered_rules(
    browser: Browser, console: tuple[LocalCloud, str]
) -> None:
    _, url = console
    page = browser.new_page()
    page.goto(f"{url}/console/policy")
    expect(page.locator("#rules li").first).to_contain_text("named-account-review", timeout=SHOWN_WITHIN_MS)
    expect(page.locator("#tiers li").first).to_contain_text("named_account")
    expect(page.locator("#always-reviewed")).to_contain_text("reactivated")
    assert page.locator("#rules > li").count() == len(call_api("GET", "/policy").json()["rules"])
    # Who decides a review: the queue rule and the teams, as the policy file says
    expect(page.locator("#reviewers")).to_contain_text("the lead and manager groups decide any")
    expect(page.locator("#teams li").first).to_contain_text("ae-team: ana.ae, omar.ae")
    page.close()
