"""`make screenshots`: the console on sample leads, photographed in headless Chromium for the README.

It starts the local cloud, loads `leadqual serve --sample`'s leads, serves them, and takes the
inbox (first review chosen), that review's lead page and the reports page as PNGs.
"""

from __future__ import annotations

import argparse
import os
import threading
from pathlib import Path

from playwright.sync_api import ViewportSize, sync_playwright

from leadqual_tools.local.cloud import LocalCloud
from leadqual_tools.local.sample import load_sample
from leadqual_tools.local.server import serve

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As the browser tests start it (tests/e2e/test_console.py): nothing reaches for other hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
VIEWPORT = ViewportSize(width=1366, height=900)


def take(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    with LocalCloud(review_timeout_seconds=24 * 3600, visibility_timeout_seconds=2) as cloud:
        cloud.run_pollers()
        load_sample()
        server = serve("127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/console/"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport=VIEWPORT)
                page.goto(url)
                page.fill("#reviewer-name", "Sam Rivera")
                page.press("#reviewer-name", "Tab")
                first = page.locator(".queue-item").first
                first.wait_for()
                first.click()
                page.locator("#detail h2").wait_for()
                shots = [out / "inbox.png"]
                page.screenshot(path=shots[-1])
                page.locator("#lead-link").click()
                page.locator("#timeline .event").first.wait_for()
                shots.append(out / "lead.png")
                page.screenshot(path=shots[-1], full_page=True)
                page.goto(f"{url}reports")
                page.locator("svg.chart").first.wait_for()
                shots.append(out / "reports.png")
                page.screenshot(path=shots[-1], full_page=True)
                page.goto(f"{url}policy")
                page.locator("#teams li").first.wait_for()
                shots.append(out / "policy.png")
                page.screenshot(path=shots[-1], full_page=True)
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    for shot in take(parser.parse_args().out):
        print(f"wrote {shot}")


if __name__ == "__main__":
    main()
