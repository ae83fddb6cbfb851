"""`leadqual session`: five qualification scenarios, played over HTTP against a running `leadqual serve`.

What an SDR and RevOps would see, step by step: a named account waiting for its review, an
ambiguous lead, a reactivated account, behavioural triggers on a small company, and a newsletter
signup sent to nurture. Each scenario checks its own outcome; the exit code says whether all held.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

SETTLED = {"pending_review", "routed", "hold", "failed"}


class SessionError(AssertionError):
    pass


@dataclass
class Api:
    base: str
    timeout_seconds: float = 60.0

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.base.rstrip('/')}{path}",
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, payload = self.call(method, path, body)
        if status >= 300:
            raise SessionError(f"{method} {path} -> {status}: {payload}")
        return payload

    def wait_for(self, lead_id: str, statuses: set[str]) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            lead: dict[str, Any] = self.ok("GET", f"/leads/{lead_id}")
            if lead["status"] in statuses:
                return lead
            if time.monotonic() > deadline:
                raise SessionError(f"lead {lead_id} stayed {lead['status']}, expected {sorted(statuses)}")
            time.sleep(0.2)  # polling a remote server: there is no event to wait on over HTTP

    def review_of(self, lead_id: str) -> dict[str, Any]:
        reviews = self.ok("GET", "/reviews?status=pending")["reviews"]
        found = [r for r in reviews if r["lead_id"] == lead_id]
        if not found:
            raise SessionError(f"no pending review for {lead_id}")
        review: dict[str, Any] = found[0]
        return review


def _ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def _show(say: Callable[[str], None], lead: dict[str, Any], review: dict[str, Any] | None = None) -> None:
    scores = lead.get("scores") or {}
    say(f"    status {lead['status']}; tier {lead['tier']}; flags {', '.join(lead['flags']) or 'none'}")
    say(f"    p={scores.get('conversion_probability')} grade {scores.get('grade')} "
        f"(fit {scores.get('fit')}, engagement {scores.get('engagement')}, intent {scores.get('intent')})")  # fmt: skip
    if review:
        say(f"    review {review['review_id']}: why a human -> {'; '.join(review['why_review'])}")
        say(f"      suggested {review['suggested_route']} to {review['suggested_owner']}; "
            f"recent behaviour: {'; '.join(review['recent_behaviour']) or 'none'}")  # fmt: skip
        for reason in (review["scores"] or {}).get("top_positive", []):
            say(f"      + {reason['text']}")
        for reason in (review["scores"] or {}).get("top_negative", []):
            say(f"      - {reason['text']}")
    if lead.get("route"):
        route = lead["route"]
        say(
            f"    routed: {route['action']} to {route['owner']} by {route['decided_by']} (rule {route['rule']})"
        )


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise SessionError(message)


def _awaiting_review(
    api: Api, say: Callable[[str], None], lead_id: str, triggers: set[str], message: str
) -> dict[str, Any]:
    lead = api.wait_for(lead_id, SETTLED)
    review = api.review_of(lead_id)
    _show(say, lead, review)
    _expect(lead["route"] is None and triggers <= set(review["triggers"]), message)
    return review


def _decide(
    api: Api, say: Callable[[str], None], review: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    api.ok("POST", f"/reviews/{review['review_id']}/decision", body)
    lead = api.wait_for(review["lead_id"], {"routed"})
    _show(say, lead)
    return lead


def named_account(api: Api, say: Callable[[str], None]) -> None:
    say("1. Named account: waits for an SDR whatever its score, then goes to its owner")
    api.ok("PUT", "/accounts/northwind.io", {"name": "Northwind", "employees": 1200, "industry": "Logistics",
                                            "country": "US", "named_account": True, "owner": "maria.lopez"})  # fmt: skip
    lead_id = api.ok("POST", "/leads", {"email": "dana.ng@northwind.io", "form": "content_download",
                                        "title": "Operations Manager"})["lead_id"]  # fmt: skip
    review = _awaiting_review(api, say, lead_id, {"named_account"}, "a named account must wait for review")
    say("    nothing is dispatched yet; the SDR approves")
    lead = _decide(api, say, review, {"decision": "approve", "reviewer": "sam.sdr", "note": "Known champion"})
    _expect(lead["route"]["owner"] == "maria.lopez", "approved named-account lead goes to the account owner")


def ambiguous_intent(api: Api, say: Callable[[str], None]) -> None:
    say("2. High fit, low engagement: sent to an SDR as ambiguous")
    api.ok("PUT", "/accounts/contoso.io", {"name": "Contoso", "employees": 1500, "annual_revenue": 400_000_000,
                                          "industry": "Software", "country": "US",
                                          "technologies": ["salesforce", "snowflake"]})  # fmt: skip
    lead_id = api.ok("POST", "/leads", {"email": "raj.patel@contoso.io", "form": "newsletter",
                                        "title": "VP of Sales"})["lead_id"]  # fmt: skip
    review = _awaiting_review(
        api, say, lead_id, {"ambiguous_intent"}, "high fit, low engagement is ambiguous"
    )
    _decide(api, say, review,
            {"decision": "reroute", "reviewer": "sam.sdr", "route": "nurture", "note": "Just reading for now"})  # fmt: skip


def reactivated(api: Api, say: Callable[[str], None]) -> None:
    say("3. Reactivated: a closed-lost account shows new intent")
    old = api.ok("POST", "/leads", {"email": "kim.berg@globex.io", "form": "demo_request", "title": "CMO",
                                    "company": {"employees": 400, "country": "GB"},
                                    "submitted_at": _ago(200)})["lead_id"]  # fmt: skip
    if api.wait_for(old, SETTLED)["status"] == "pending_review":
        api.ok("POST", f"/reviews/{api.review_of(old)['review_id']}/decision",
               {"decision": "approve", "reviewer": "lena.sdr"})  # fmt: skip
    api.ok(
        "POST",
        f"/leads/{old}/outcome",
        {"outcome": "closed_lost", "note": "No budget", "occurred_at": _ago(150)},
    )
    say("    200 days ago a lead from globex.io was closed-lost; today a colleague asks for pricing")
    api.ok("POST", "/intent", {"signals": [{"domain": "globex.io", "topic": "lead routing software", "score": 81,
                                           "observed_at": _ago(3)}]})  # fmt: skip
    lead_id = api.ok("POST", "/leads", {"email": "lee.chen@globex.io", "form": "pricing_request",
                                        "title": "Head of Revenue Operations"})["lead_id"]  # fmt: skip
    review = _awaiting_review(
        api, say, lead_id, {"reactivated"}, "a closed-lost account that returns is reactivated"
    )
    _decide(api, say, review, {"decision": "approve", "reviewer": "lena.sdr"})


def behavioural_triggers(api: Api, say: Callable[[str], None]) -> None:
    say("4. Small company, pricing page and a competitor comparison: flagged for SDR attention")
    visits = [{"email": "ines.silva@tinyshop.io", "type": "page_view", "url": url, "occurred_at": _ago(days)}
              for url, days in (("https://leadqual.example/pricing", 2), ("https://leadqual.example/compare/acme-router", 1))]  # fmt: skip
    api.ok("POST", "/events", {"events": visits})
    lead_id = api.ok("POST", "/leads", {"email": "ines.silva@tinyshop.io", "form": "content_download",
                                        "title": "Founder", "company": {"employees": 12, "country": "PT"}})["lead_id"]  # fmt: skip
    review = _awaiting_review(api, say, lead_id, {"pricing_page_visit", "competitor_research"},
                              "pricing and competitor research flag the lead for an SDR")  # fmt: skip
    _decide(api, say, review, {"decision": "approve", "reviewer": "kofi.sdr"})


def newsletter_nurture(api: Api, say: Callable[[str], None]) -> None:
    say("5. Low-fit newsletter signup: nurture, no human needed")
    lead_id = api.ok("POST", "/leads", {"email": "student.sam@gmail.com", "form": "newsletter",
                                        "title": "Student"})["lead_id"]  # fmt: skip
    lead = api.wait_for(lead_id, {"routed", "hold", "pending_review"})
    _show(say, lead)
    _expect(
        lead["route"] is not None and lead["route"]["action"] == "nurture",
        "newsletter signup goes to nurture",
    )
    trace = api.ok("GET", f"/leads/{lead_id}/rules")
    say(
        f"    rules tried: {' -> '.join(r['rule'] + (' (fired)' if r['matched'] else '') for r in trace['rules'])}"
    )


SCENARIOS = (named_account, ambiguous_intent, reactivated, behavioural_triggers, newsletter_nurture)


def run_session(base_url: str, say: Callable[[str], None] = print) -> int:
    api = Api(base_url)
    failures = 0
    for scenario in SCENARIOS:
        try:
            scenario(api, say)
            say("    ok\n")
        except SessionError as error:
            failures += 1
            say(f"    FAILED: {error}\n")
    say(f"{len(SCENARIOS) - failures} of {len(SCENARIOS)} scenarios behaved as the policy says")
    return 1 if failures else 0
