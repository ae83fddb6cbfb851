"""`leadqual serve --sample`: a populated console for a newcomer, through the real flow.

Synthetic accounts, intent, behaviour and leads go in through the API as in `make demo`. Once the
flow has settled them, an SDR decides all but the last few reviews (those stay in the inbox), and
sales reports what became of every routed lead, so the reports have outcomes to chart.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import wait_until
from leadqual_tools.local.demo import (
    FINAL,
    DemoSdr,
    all_in,
    answered,
    report_outcome,
    seed_world,
    store_signals,
)


@dataclass(frozen=True)
class Sample:
    leads: int
    pending_reviews: int
    decided_reviews: int
    outcomes: int


def load_sample(leads: int = 150, seed: int = 7, keep_pending: int = 12) -> Sample:
    """Runs against the API `call_api` reaches (the local cloud must be started, its pollers running)."""
    submissions, events, intents, accounts, outcomes = seed_world(leads, seed)
    store_signals(accounts, intents, events)
    lead_ids = [
        answered(call_api("POST", "/leads", submission), 202)["lead_id"] for submission in submissions
    ]
    wait_until(
        all_in(lead_ids, FINAL | {"pending_review"}), timeout=300, interval=0.5,
        what="every sample lead to be routed, held or waiting for review",
    )  # fmt: skip
    pending = answered(call_api("GET", "/reviews?status=pending&limit=500"), 200)["reviews"]
    # The soonest due are decided; the rest wait in the inbox for the newcomer.
    sdr = DemoSdr()
    for review in pending[: max(0, len(pending) - keep_pending)]:
        sdr.decide(review["review_id"])
    left = {review["lead_id"] for review in pending[max(0, len(pending) - keep_pending) :]}
    settled = wait_until(
        all_in([i for i in lead_ids if i not in left], FINAL), timeout=120, interval=0.5,
        what="every decided sample review to be routed",
    )  # fmt: skip
    truth = dict(zip(lead_ids, outcomes, strict=True))
    routed = [view["lead_id"] for view in settled if view["status"] == "routed"]
    for lead_id in routed:
        report_outcome(lead_id, truth[lead_id])
    return Sample(len(lead_ids), len(left), sum(sdr.decisions.values()), len(routed))
