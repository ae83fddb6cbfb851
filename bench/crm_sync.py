"""`make bench-crm`: CRM sync against the HubSpot stand-in (no live HubSpot), on the local cloud.

Prints, with the issue's targets:
- routed -> written in HubSpot, p50 and p95, for leads arriving at a steady pace; beside the same
  path with no CRM connected (routed -> the writer's "no CRM" note), measured in this run: what the
  HTTP round trips to the CRM add;
- a burst: 1,000 routed leads' changes waiting at once (the writer's event source held while they
  route, as one would disable it in AWS, then enabled): all written, none lost, HubSpot's 100
  requests per 10 s never exceeded (the stand-in enforces it and counts 429s), requests per lead;
  the same burst to the Salesforce stand-in: API calls per lead.
Never part of `make test`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from leadqual import resources
from leadqual_tools.crm_admin import install_quietly
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from leadqual_tools.standins.hubspot import HubSpotStandIn
from leadqual_tools.standins.salesforce import SalesforceStandIn

TOKEN_ENV = "LEADQUAL_HUBSPOT_TOKEN"
TARGETS = {"p95_seconds": 10.0, "requests_per_lead": 0.05, "most_in_10s": 100, "salesforce_calls_per_lead": 2}


def _lead(n: int, run: str) -> dict[str, Any]:
    # A newsletter signup from free mail: routed by the rules alone (nurture), no review to wait for.
    return {
        "email": f"bench.{run}.{n}@gmail.com",
        "form": "newsletter",
        "submitted_at": datetime.now().astimezone().isoformat(),
    }


def _crm_seconds(lead: dict[str, Any]) -> float | None:
    """Routed -> the writer's first word on it (a write, or the note that no CRM is connected)."""
    if not lead.get("route"):
        return None
    routed = datetime.fromisoformat(lead["route"]["routed_at"])
    crm = lead.get("crm") or {}
    if crm.get("writes"):
        return (datetime.fromisoformat(crm["writes"][0]["at"]) - routed).total_seconds()
    noted = [e["at"] for e in lead["history"] if e["event"] == "crm_not_connected"]
    return (datetime.fromisoformat(noted[0]) - routed).total_seconds() if noted else None


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def steady(leads: int, per_second: float, connections: Path | None) -> list[float]:
    """Leads at a steady pace through `leadqual serve`'s flow; routed -> written, each."""
    with LocalCloud(visibility_timeout_seconds=2, connections_file=connections) as cloud:
        cloud.run_pollers()
        run = "hs" if connections else "none"
        ids = []
        for n in range(leads):
            ids.append(call_api("POST", "/leads", _lead(n, run)).json()["lead_id"])
            time.sleep(1 / per_second)

        def all_seen() -> list[float] | None:
            found = [_crm_seconds(call_api("GET", f"/leads/{lead_id}").json()) for lead_id in ids]
            return [f for f in found if f is not None] if all(f is not None for f in found) else None

        return wait_until(all_seen, timeout=600, interval=0.5, what="every lead's CRM write")


def burst(
    leads: int, connections: Path, run: str, calls: Callable[[], int], stored: Callable[[str], bool]
) -> dict[str, Any]:
    """`leads` changes waiting at once: routed while the writer's event source is held, then let go.
    `calls()` counts the CRM's API calls so far; `stored(lead_id)` says the CRM holds the lead."""
    with LocalCloud(visibility_timeout_seconds=2, connections_file=connections) as cloud:
        cloud.hold_event_source(resources.CRM_SYNC_QUEUE)
        cloud.run_pollers()
        ids = [call_api("POST", "/leads", _lead(n, run)).json()["lead_id"] for n in range(leads)]
        wait_until(lambda: cloud.queue_depth(resources.CRM_SYNC_QUEUE) >= leads, timeout=1200, interval=1,
                   what=f"{leads} routed leads' changes waiting")  # fmt: skip
        before = calls()
        started = time.monotonic()
        cloud.release_event_source(resources.CRM_SYNC_QUEUE)

        def all_written() -> bool:
            return cloud.queue_depth(resources.CRM_SYNC_QUEUE) == 0 and all(
                (call_api("GET", f"/leads/{lead_id}").json().get("crm") or {}).get("writes")
                for lead_id in ids
            )

        wait_until(all_written, timeout=1200, interval=1, what="the burst to be written")
        drained = time.monotonic() - started
        made = calls() - before
        return {
            "leads": leads,
            "written": sum(1 for lead_id in ids if stored(lead_id)),
            "drained_seconds": drained,
            "requests": made,
            "per_lead": made / leads,
            "dead_lettered": cloud.queue_depth(resources.dlq_name(resources.CRM_SYNC_QUEUE)),
        }


def salesforce_burst(leads: int, scratch: Path) -> dict[str, Any]:
    with SalesforceStandIn("bench-client", "bench-secret") as salesforce:
        os.environ["BENCH_SF_ID"], os.environ["BENCH_SF_SECRET"] = "bench-client", "bench-secret"
        connections = scratch / "salesforce.yaml"
        connections.write_text(
            f"salesforce:\n  login_url: {salesforce.base_url}\n  client_id_env: BENCH_SF_ID\n"
            "  client_secret_env: BENCH_SF_SECRET\n", encoding="utf-8",
        )  # fmt: skip
        install_quietly(connections)
        return burst(leads, connections, "sf", lambda: len(salesforce.data_calls()),
                     lambda lead_id: salesforce.lead(lead_id) is not None)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=200, help="leads at a steady pace")
    parser.add_argument("--per-second", type=float, default=5.0, help="their pace")
    parser.add_argument("--burst", type=int, default=1000, help="changes waiting at once")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch, HubSpotStandIn() as hubspot:
        os.environ[TOKEN_ENV] = next(iter(hubspot.tokens))
        connections = Path(scratch) / "connections.yaml"
        connections.write_text(
            f"hubspot:\n  base_url: {hubspot.base_url}\n  token_env: {TOKEN_ENV}\n", encoding="utf-8"
        )
        install_quietly(connections)

        print(
            f"Steady: {args.leads} leads at {args.per_second}/s, routed -> written (no review) ...",
            flush=True,
        )
        baseline = steady(args.leads, args.per_second, None)
        written = steady(args.leads, args.per_second, connections)
        p50, p95 = statistics.median(written), _percentile(written, 0.95)
        b50, b95 = statistics.median(baseline), _percentile(baseline, 0.95)
        print(f"  no CRM connected (baseline): p50 {b50:.2f} s, p95 {b95:.2f} s")
        print(f"  HubSpot stand-in:            p50 {p50:.2f} s, p95 {p95:.2f} s "
              f"(ratio to baseline p50 {p50 / max(b50, 1e-9):.2f}, p95 {p95 / max(b95, 1e-9):.2f}); "
              f"target p95 <= {TARGETS['p95_seconds']:.0f} s: {'met' if p95 <= TARGETS['p95_seconds'] else 'NOT met'}")  # fmt: skip

        print(f"Burst: {args.burst} changes waiting at once, HubSpot ...", flush=True)
        result = burst(
            args.burst, connections, "burst", lambda: len(hubspot.calls),
            lambda lead_id: any(c.properties.get("leadqual_lead_id") == lead_id for c in hubspot.contacts.values()),
        )  # fmt: skip
        result |= {
            "answered_429": len(hubspot.requests(status=429)),
            "most_in_10s": hubspot.most_in_any_window(),
        }
        print(
            f"  written {result['written']} of {result['leads']}, {result['dead_lettered']} dead-lettered, "
            f"drained in {result['drained_seconds']:.1f} s"
        )
        print(
            f"  HubSpot requests {result['requests']} ({result['per_lead']:.3f} a lead; target <= "
            f"{TARGETS['requests_per_lead']}: {'met' if result['per_lead'] <= TARGETS['requests_per_lead'] else 'NOT met'})"
        )
        print(f"  most requests in any 10 s: {result['most_in_10s']} (HubSpot's limit {TARGETS['most_in_10s']}); "
              f"answered 429: {result['answered_429']}")  # fmt: skip
        print(f"Burst: {args.burst} changes waiting at once, Salesforce ...", flush=True)
        sf = salesforce_burst(args.burst, Path(scratch))
        print(f"  written {sf['written']} of {sf['leads']}, {sf['dead_lettered']} dead-lettered, "
              f"drained in {sf['drained_seconds']:.1f} s; {sf['requests']} API calls "
              f"({sf['per_lead']:.3f} a lead; target <= {TARGETS['salesforce_calls_per_lead']}: "
              f"{'met' if sf['per_lead'] <= TARGETS['salesforce_calls_per_lead'] else 'NOT met'})")  # fmt: skip
        lost = result["leads"] - result["written"] + sf["leads"] - sf["written"]
        return 0 if not lost and result["most_in_10s"] <= TARGETS["most_in_10s"] else 1


if __name__ == "__main__":
    sys.exit(main())
