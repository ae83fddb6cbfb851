"""The review inbox tried as an SDR works it, at 1440x900 and on a 390x844 phone, in headless
Chromium against `leadqual serve`: why at a glance, no decision by accident (shortcuts only in the
list and switchable, WCAG 2.1.4; an undo window; a 409 that says who and how to change it), the
flow from one review to the next, the phone, one number per idea, and axe-core on every page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud
from tests.e2e.test_console import (  # noqa: F401 (the module's browser fixture)
    SHOWN_WITHIN_MS,
    _pending_review,
    _settled,
    browser,
    console,
)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = ViewportSize(width=1440, height=900)
PHONE = ViewportSize(width=390, height=844)
# What axe-core may find: nothing moderate or worse.
TOLERATED_IMPACTS = {None, "minor"}


@pytest.fixture(scope="module")
def inbox_url(console: tuple[LocalCloud, str]) -> str:  # noqa: F811
    return console[1]


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:  # noqa: F811
    context = browser.new_context(viewport=DESKTOP)
    yield context
    context.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:  # noqa: F811
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    yield context
    context.close()


def _inbox(context: BrowserContext, url: str, review_id: str | None = None, name: str = "sam") -> Page:
    page = context.new_page()
    page.goto(f"{url}/console/" + (f"?review={review_id}" if review_id else ""))
    page.fill("#reviewer-name", name)
    page.press("#reviewer-name", "Tab")
    if review_id:
        expect(page.locator(f"#queue-{review_id}")).to_have_attribute(
            "aria-selected", "true", timeout=SHOWN_WITHIN_MS
        )
    return page


def _status(review_id: str) -> str:
    status: str = call_api("GET", f"/reviews/{review_id}").json()["status"]
    return status


def _in_view(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    view = page.viewport_size
    assert box is not None and view is not None, selector
    return bool(
        box["y"] >= 0
        and box["y"] + box["height"] <= view["height"]
        and box["x"] + box["width"] <= view["width"]
    )


def _axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.x A/AA and best-practice rules on the page as it is, moderate or worse."""
    page.evaluate(AXE.read_text())  # through the DevTools protocol: the page's CSP stays as it is
    found: list[dict[str, Any]] = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        {"rule": v["id"], "impact": v["impact"], "where": [n["target"] for n in v["nodes"]][:3]}
        for v in found
        if v["impact"] not in TOLERATED_IMPACTS
    ]


def test_each_row_says_its_triggers_and_the_review_says_why_and_to_whom_above_the_fold(
    desktop: BrowserContext, inbox_url: str
) -> None:
    _, review_id = _pending_review("glance.io", first_name="Ada", last_name="Moss")
    page = _inbox(desktop, inbox_url, review_id)
    # The row: the trigger in words, not a flag's name
    expect(page.locator(f"#queue-{review_id} .triggers")).to_have_text("Named account · Asked for a demo")
    # The detail: why a human is asked and the owner by name, first, with the buttons, on screen
    expect(page.locator("#suggested-owner")).to_have_text("Maria Lopez")
    for shown in ("#why-review", "#suggested-owner", "#approve", "#reject", "#reroute"):
        assert _in_view(page, shown), f"{shown} is below the fold at 1440x900"
    order = page.evaluate(
        "() => ['why-review', 'suggested', 'approve'].map(id => document.getElementById(id)"
        ".getBoundingClientRect().top)"
    )
    assert order == sorted(order), "why, then where, then the buttons"


def test_a_letter_decides_nothing_outside_the_list_or_with_shortcuts_off_and_undo_takes_it_back(
    desktop: BrowserContext, inbox_url: str
) -> None:
    _, review_id = _pending_review("slip.io", first_name="Bo", last_name="Hart")
    page = _inbox(desktop, inbox_url, review_id)
    # A letter typed in a filter, or with the focus anywhere but the list, decides nothing
    page.focus("#filter-account")
    page.keyboard.press("a")
    page.click("#detail-name")
    page.keyboard.press("a")
    expect(page.locator("#held-words")).to_have_count(0)
    # With the shortcuts turned off (and remembered), the list takes arrows but no letters
    page.uncheck("#shortcuts-on")
    page.reload()
    expect(page.locator("#shortcuts-on")).not_to_be_checked(timeout=SHOWN_WITHIN_MS)
    expect(page.locator("#key-hints")).to_be_hidden()
    page.focus("#queue")
    page.keyboard.press("a")
    expect(page.locator("#held-words")).to_have_count(0)
    assert _status(review_id) == "pending"
    page.check("#shortcuts-on")
    # On again: `a` holds the decision, which is not sent while it can be undone
    page.locator(f"#queue-{review_id}").click()
    page.focus("#queue")
    page.keyboard.press("a")
    expect(page.locator("#held-words")).to_contain_text("Approve Bo Hart")
    expect(page.locator(f"#queue-{review_id}")).to_have_count(0)
    assert _status(review_id) == "pending"
    # `u` undoes it: nothing was sent, and the review is back, chosen
    page.keyboard.press("u")
    expect(page.locator("#last-decision")).to_contain_text("Undone: Bo Hart is back in the queue")
    expect(page.locator(f"#queue-{review_id}")).to_have_attribute("aria-selected", "true")
    assert _status(review_id) == "pending"


def test_a_held_decision_is_sent_when_its_time_is_up_or_when_the_sdr_leaves(
    desktop: BrowserContext, inbox_url: str
) -> None:
    waited_lead, waited = _pending_review("wait.io", first_name="Cy")
    left_lead, left = _pending_review("leave.io", first_name="Di")
    page = _inbox(desktop, inbox_url, waited)
    page.click("#approve")
    # Nobody presses anything: after its undo time, it goes
    expect(page.locator("#last-decision")).to_contain_text("Approved Cy", timeout=SHOWN_WITHIN_MS)
    assert _settled(waited_lead, "routed")["route"]["decided_by"] == "sam"
    # Held, then the SDR leaves the page: the decision is not lost
    page.goto(f"{inbox_url}/console/?review={left}")
    expect(page.locator("#approve")).to_be_visible(timeout=SHOWN_WITHIN_MS)
    page.click("#reject")
    expect(page.locator("#held-words")).to_contain_text("Reject Di")
    page.goto(f"{inbox_url}/console/reports")
    assert _settled(left_lead, "routed")["route"]["action"] == "nurture"


def test_after_a_decision_the_next_review_opens_and_a_filter_filters_the_detail_too(
    desktop: BrowserContext, inbox_url: str
) -> None:
    _, first = _pending_review("flow.io", email="eve.one@flow.io", first_name="Eve", last_name="One")
    _, second = _pending_review("flow.io", email="fay.two@flow.io", first_name="Fay", last_name="Two")
    _, elsewhere = _pending_review("other-flow.io", first_name="Gil", last_name="Three")
    page = _inbox(desktop, inbox_url, first)
    page.select_option("#filter-account", "flow.io")
    expect(page.locator("#queue .queue-item")).to_have_count(2)
    page.click("#approve")
    # The next review is open, ready to decide
    expect(page.locator(f"#queue-{second}")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#detail-name")).to_have_text("Fay Two")
    page.click("#undo")
    # A filter that hides the review shown takes it out of the detail pane: nothing hidden is decided
    page.locator(f"#queue-{first}").click()
    page.select_option("#filter-account", "other-flow.io")
    expect(page.locator("#detail-name")).to_have_text("Gil Three")
    expect(page.locator(f"#queue-{elsewhere}")).to_have_attribute("aria-selected", "true")
    # The local reviewer's name is remembered
    page.reload()
    expect(page.locator("#reviewer-name")).to_have_value("sam", timeout=SHOWN_WITHIN_MS)


def test_on_a_phone_the_header_wraps_a_tap_opens_the_review_and_no_key_hints_show(
    phone: BrowserContext, inbox_url: str
) -> None:
    for number in range(6):  # enough for the list to push the detail below the screen
        _pending_review(f"phone{number}.io", first_name=f"Pat{number}")
    _, tapped = _pending_review("tapped.io", first_name="Quinn", last_name="Tap")
    page = _inbox(phone, inbox_url)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a 390 px phone"
    assert _in_view(page, "#reviewer-name"), "the name field is on screen"
    page.locator(f"#queue-{tapped}").tap()
    expect(page.locator("#detail-name")).to_have_text("Quinn Tap")
    expect(page.locator("#detail")).to_be_in_viewport()
    assert _in_view(page, "#approve")
    hints = page.evaluate(
        "() => [...document.querySelectorAll('kbd, #key-hints')].filter(k => k.offsetParent)"
    )
    assert hints == [], "no keyboard hints on a touch screen"
    # The charts fit the phone too
    page.goto(f"{inbox_url}/console/reports")
    expect(page.locator("#report .report").first).to_be_visible(timeout=SHOWN_WITHIN_MS)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the reports page is {width} px wide on a 390 px phone"


def test_the_grade_says_its_band_and_the_intent_numbers_are_labelled_apart(
    desktop: BrowserContext, inbox_url: str
) -> None:
    _, review_id = _pending_review("bands.io", first_name="Hal")
    page = _inbox(desktop, inbox_url, review_id)
    band = page.locator("#score-band")
    expect(band).to_contain_text("band (")
    expect(band).to_contain_text("the cut-off the routing rules read")
    expect(page.locator(".legend summary")).to_have_text("Grades and score bands")
    expect(page.locator(".sub-scores-note")).to_contain_text("the model's sub-scores")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_axe_finds_nothing_moderate_or_worse_on_the_consoles_pages(
    size: str, request: pytest.FixtureRequest, inbox_url: str
) -> None:
    context: BrowserContext = request.getfixturevalue(size)
    lead_id, review_id = _pending_review(f"axe-{size}.io", first_name="Ira")
    page = _inbox(context, inbox_url, review_id)
    found = {"inbox": _axe_violations(page)}
    for name, path in (("lead", f"leads/{lead_id}"), ("reports", "reports"), ("roster", "roster"),
                       ("policy", "policy"), ("crm", "crm")):  # fmt: skip
        page.goto(f"{inbox_url}/console/{path}")
        page.wait_for_load_state("networkidle")
        found[name] = _axe_violations(page)
    assert not any(found.values()), found
