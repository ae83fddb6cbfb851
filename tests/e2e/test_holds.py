"""Holding pattern: new signals re-run the rules for held leads, a hold ends after max_days, and a
lead already routed is never routed twice."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from leadqual import resources
from leadqual.domain.policy import DEFAULT_POLICY_FILE
from leadqual.domain.schemas.vocabulary import RouteAction
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from tests.e2e.test_flow import _settle, _submit


def _policy(tmp_path: Path, max_hold_days: float) -> Path:
    """The shipped policy, with a pricing visit sending the lead to an SDR and everything else held."""
    policy = yaml.safe_load(DEFAULT_POLICY_FILE.read_text())
    policy["ambiguity"] = {"high_fit_min": 100, "low_engagement_max": 0, "low_fit_max": 0,
                           "high_engagement_or_intent_min": 100}  # fmt: skip
    policy["hold"] = {"max_days": max_hold_days, "then": "nurture"}
    policy["rules"] = [
        {"id": "pricing-sdr", "description": "Pricing interest: SDR now", "when": {"flags_any": ["pricing_page_visit"]},
         "action": "sdr_outreach"},
        {"id": "hold-the-rest", "description": "Wait for signals", "when": {}, "action": "hold"},
    ]  # fmt: skip
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy))
    return path


@pytest.fixture
def holding_cloud(tmp_path: Path) -> Iterator[LocalCloud]:
    with LocalCloud(review_timeout_seconds=4, visibility_timeout_seconds=1,
                    policy_file=_policy(tmp_path, max_hold_days=30)) as local:  # fmt: skip
        yield local


def _event(email: str, category: str) -> dict[str, Any]:
    return {"email": email, "type": "page_view", "page_category": category,
            "occurred_at": datetime.now(UTC).isoformat()}  # fmt: skip


def _queued(cloud: LocalCloud, action: RouteAction) -> list[str]:
    return [m["lead_id"] for m in cloud.drain_queue(resources.action_queue_name(action))]


def test_new_signals_reroute_a_held_lead_exactly_once(holding_cloud: LocalCloud) -> None:
    cloud = holding_cloud
    # GIVEN a lead the rules held while it showed no intent
    lead_id = _submit(email="noor@waystar.io", form="content_download")
    _settle(cloud, lead_id, {"hold"})
    assert _queued(cloud, RouteAction.HOLD) == [lead_id]
    # WHEN the person visits the pricing page, twice in a burst
    for _ in range(2):
        assert call_api("POST", "/events", _event("noor@waystar.io", "pricing")).status == 202
    # THEN the lead is scored and routed again, once, to an SDR, by the rule that now fires
    lead = _settle(cloud, lead_id, {"routed"})
    assert (lead["route"]["action"], lead["route"]["rule"]) == ("sdr_outreach", "pricing-sdr")
    assert "pricing_page_visit" in lead["flags"]
    wait_until(lambda: cloud.pump() == 0, timeout=10, what="the queues to settle")
    assert _queued(cloud, RouteAction.SDR_OUTREACH) == [lead_id]
    assert sorted(e["name"] for e in cloud.executions()) == [lead_id, f"{lead_id}-e1"]
    # AND a later event cannot route it twice
    assert call_api("POST", "/events", _event("noor@waystar.io", "pricing")).status == 202
    wait_until(lambda: cloud.pump() == 0, timeout=10, what="the queues to settle")
    assert len(cloud.executions()) == 2 and _queued(cloud, RouteAction.SDR_OUTREACH) == []


def test_signals_below_the_threshold_keep_the_lead_held_without_a_second_hold_message(
    holding_cloud: LocalCloud,
) -> None:
    cloud = holding_cloud
    lead_id = _submit(email="eva@lumen.io", form="content_download")
    _settle(cloud, lead_id, {"hold"})
    _queued(cloud, RouteAction.HOLD)
    assert call_api("POST", "/events", _event("eva@lumen.io", "blog")).status == 202

    def reevaluated() -> dict[str, Any] | None:
        cloud.pump()
        lead: dict[str, Any] = call_api("GET", f"/leads/{lead_id}").json()
        return lead if any(h["event"] == "still_held" for h in lead["history"]) else None

    lead = wait_until(reevaluated, timeout=30, what="the held lead to be re-evaluated")
    assert lead["status"] == "hold" and lead["route"]["action"] == "hold"
    assert _queued(cloud, RouteAction.HOLD) == []


def test_a_hold_ends_after_max_days(tmp_path: Path) -> None:
    # GIVEN a policy that holds at most ~1 second, and a held lead
    with LocalCloud(review_timeout_seconds=4, visibility_timeout_seconds=1,
                    policy_file=_policy(tmp_path, max_hold_days=1 / 86400)) as cloud:  # fmt: skip
        lead_id = _submit(email="omar@brightline.io", form="content_download")
        _settle(cloud, lead_id, {"hold"})
        # WHEN the hourly sweep runs after that
        wait_until(lambda: lead_id in cloud.sweep_holds(), timeout=10, what="the hold to expire")
        # THEN the rules run once more and the lead goes to the policy's `then` action
        lead = _settle(cloud, lead_id, {"routed"})
        assert (lead["route"]["action"], lead["route"]["rule"]) == ("nurture", "hold-expired")
        assert any("without signals that change the route" in r for r in lead["reasons"])
        assert cloud.sweep_holds() == []  # no longer held
