"""The console's speed in headless Chromium against `leadqual serve` on the local cloud, next to
the same pages empty, measured in the same run. Part of `make bench`, never of `make test`.

- Inbox: time from navigation to 500 pending reviews listed (they went through the real flow:
  named-account leads, scored, routed, each waiting on its task token). Target: under 1 s.
- Reports: time from navigation to the charts drawn over 10,000 decided leads (stored as the flow
  stores them, each with scores, a route, its timings and an outcome). Target: under 2 s.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import lead_body

from leadqual.adapters.dynamo_leads import DynamoLeadStore
from leadqual.domain.schemas.lead import (
    HistoryEntry,
    Lead,
    LeadStatus,
    OutcomeRecord,
    ReviewSummary,
    Route,
    Sla,
)
from leadqual.domain.schemas.scores import Scores
from leadqual.domain.schemas.vocabulary import FormType, OutcomeKind, ReviewStatus, RouteAction
from leadqual.settings import current_settings
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from leadqual_tools.local.server import serve

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
PENDING = int(os.environ.get("BENCH_PENDING_REVIEWS", "500"))
DECIDED = int(os.environ.get("BENCH_DECIDED_LEADS", "10000"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "5"))
TARGETS = {"inbox": 1.0, "reports": 2.0}


def pending_reviews(count: int) -> None:
    """`count` leads of named accounts through the flow, each left waiting for an SDR."""
    for index in range(0, count, 10):
        call_api("PUT", f"/accounts/acct{index}.example.io", {"named_account": True, "owner": "maria.lopez"})
    for index in range(count):
        body = lead_body(email=f"person{index}@acct{index - index % 10}.example.io")
        body["company"] = {**body["company"], "domain": f"acct{index - index % 10}.example.io"}
        assert call_api("POST", "/leads", body).status == 202
    wait_until(
        lambda: len(call_api("GET", "/reviews?limit=500").json()["reviews"]) >= count or None,
        timeout=900, interval=1.0, what=f"{count} pending reviews",
    )  # fmt: skip


def decided_leads(count: int) -> None:
    """`count` routed leads with outcomes, written to the leads table as the flow writes them."""
    store, rng, now = DynamoLeadStore(current_settings().leads_table), random.Random(5), datetime.now(UTC)
    for index in range(count):
        at = now - timedelta(days=rng.uniform(0, 60))
        probability = rng.random() ** 2
        reviewed = rng.random() < 0.3
        store.create_lead(Lead(
            lead_id=f"ld_bench{index:06d}", status=LeadStatus.ROUTED, email=f"p{index}@bench{index % 700}.example.io",
            account=f"bench{index % 700}.example.io", form=FormType.DEMO_REQUEST, submitted_at=at, received_at=at,
            tier=rng.choice(["named_account", "enterprise", "mid_market", "smb"]),
            scores=Scores(conversion_probability=round(probability, 4), fit=50, engagement=50, intent=50,
                          grade="A" if probability > 0.5 else "B" if probability > 0.25 else "C" if probability > 0.1 else "D",
                          model_version="bench"),
            route=Route(action=rng.choice(list(RouteAction)), owner="sam", rule=rng.choice(["r1", "r2", "r3", "r4"]),
                        decided_by="rules", routed_at=at + timedelta(seconds=3)),
            sla=Sla(seconds_to_route=rng.expovariate(1 / 5), seconds_in_review=rng.expovariate(1 / 3600) if reviewed else None),
            review=ReviewSummary(review_id=f"rv_bench{index}", status=rng.choice(list(ReviewStatus)), triggers=["named_account"],
                                 suggested_route=RouteAction.SDR_OUTREACH) if reviewed else None,
            history=[HistoryEntry(at=at, event="review_requested")] if reviewed else [],
            outcomes=[OutcomeRecord(outcome=OutcomeKind.CLOSED_WON if rng.random() < probability else OutcomeKind.CLOSED_LOST,
                                    occurred_at=at, recorded_at=at)],
        ))  # fmt: skip


def _timed(page: Page, url: str, ready: str) -> float:
    """Seconds from navigation to the moment the page's own condition holds (polled in the page)."""
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(ready, timeout=60_000, polling="raf")
    return time.perf_counter() - started


def median_of(page: Page, url: str, ready: str) -> float:
    _timed(page, url, ready)  # warm: the first load also fills the browser's cache of the files
    return statistics.median(_timed(page, url, ready) for _ in range(SAMPLES))


def main() -> None:
    inbox_ready = "n => document.querySelectorAll('.queue-item').length >= n"
    reports_ready = "() => document.querySelectorAll('svg.chart').length >= 10"
    with LocalCloud(review_timeout_seconds=24 * 3600, visibility_timeout_seconds=2) as cloud:
        cloud.run_pollers()
        server = serve("127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/console/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            empty_inbox = median_of(
                page, base, "() => /^0 pending/.test(document.querySelector('.count')?.textContent ?? '')"
            )
            empty_reports = median_of(page, f"{base}reports", reports_ready)
            print(f"seeding {PENDING} pending reviews through the flow ...", flush=True)
            pending_reviews(PENDING)
            started = time.perf_counter()
            print(f"storing {DECIDED} decided leads ...", flush=True)
            decided_leads(DECIDED)
            print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)
            inbox = median_of(page, base, f"() => ({inbox_ready})({PENDING})")
            reports = median_of(page, f"{base}reports", reports_ready)
            browser.close()
        server.shutdown()
    print(f"\nconsole in headless Chromium, median of {SAMPLES} loads (after one warm load)")
    print(f"{'page':44} {'seconds':>8} {'empty':>8} {'ratio':>6} {'target':>7}")
    for name, figure, baseline, target in (
        (f"inbox, {PENDING} pending reviews listed", inbox, empty_inbox, TARGETS["inbox"]),
        (
            f"reports, {DECIDED + PENDING} leads ({DECIDED} decided)",
            reports,
            empty_reports,
            TARGETS["reports"],
        ),
    ):
        verdict = "met" if figure < target else "NOT met"
        print(f"{name:44} {figure:8.3f} {baseline:8.3f} {figure / baseline:6.1f} {target:6.1f}s {verdict}")


if __name__ == "__main__":
    main()
