"""`make demo`: 200+ synthetic leads with behaviour through the real flow on the local cloud.

It stores accounts, intent and behaviour through the API, submits the leads, lets the SDR review
queue fill, approves, rejects and reroutes reviews through the API, lets one review time out,
and prints where every lead ended up and how long it took. Each rep hears of their leads in Slack
(a local stand-in of Slack's API: no live Slack is reached) and acknowledges there, but one lead is
let go cold: the SLA chain (scaled from minutes to seconds) reminds, tells the manager and reassigns
it through the ledger; the shares per rep close the section. Then the loop closes: held leads get
new behaviour and are routed again, sales reports each lead's outcome, a retrospective shows
whether high grades really converted, and the reported outcomes retrain a challenger that replaces
the model only if it is better (in a scratch copy of model_artifacts/: the demo never changes what
ships).
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from leadqual import resources
from leadqual.domain.feedback import retrospective_in_words
from leadqual.domain.policy import load_policy
from leadqual.domain.schemas.vocabulary import OutcomeKind, RouteAction
from leadqual_tools.crm_admin import install_quietly
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from leadqual_tools.local.policy_files import policy_file
from leadqual_tools.local.server import serve
from leadqual_tools.standins.hubspot import HubSpotStandIn
from leadqual_tools.standins.slack import Message, SlackStandIn

FINAL = {"routed", "hold", "failed"}
# The retraining step's model search, in seconds: past it each candidate tries no further setting, so
# the step ends in minutes on a busy machine too (it printed nothing for 19 minutes on one).
RETRAIN_SEARCH_SECONDS = 60
DEMO_TOKEN_ENV = "LEADQUAL_HUBSPOT_TOKEN"
SLACK_TOKEN_ENV, SLACK_SIGNING_ENV = "LEADQUAL_SLACK_BOT_TOKEN", "LEADQUAL_SLACK_SIGNING_SECRET"
# The shipped SLA chain (15, 45, 60, 90 minutes) in seconds, so the demo shows it run.
DEMO_SLA = [{"after_minutes": 0.1, "do": "remind"}, {"after_minutes": 0.2, "do": "tell_manager"},
            {"after_minutes": 0.3, "do": "reassign"}]  # fmt: skip


def answered(response: Any, expected: int) -> Any:
    if response.status != expected:
        raise RuntimeError(f"API answered {response.status}: {response.body[:300]}")
    return response.json()


def seed_world(
    leads: int, seed: int
) -> tuple[
    list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], dict[str, dict[str, Any]], list[str]
]:
    from leadqual_training.synthetic import SyntheticWorld

    now = datetime.now(UTC)
    world = SyntheticWorld(seed=seed, accounts=150, end=now)
    rng = random.Random(seed)
    submissions, events, intents, accounts, outcomes = [], [], [], {}, []
    for index in range(leads):
        lead = world.lead(index, submitted_at=now - timedelta(minutes=rng.uniform(1, 90)))
        submissions.append(lead.submission)
        outcomes.append(lead.outcome)  # what sales will report later (the hidden ground truth)
        events.extend(lead.events)
        if lead.account:
            accounts[lead.account.domain] = dict(lead.account.profile)
            intents.extend(lead.account.intents)
    # RevOps' named target list: a handful of the accounts, each with its owner.
    for position, domain in enumerate(sorted(accounts)[:: max(1, len(accounts) // 6)][:6]):
        accounts[domain].update(named_account=True, owner=["maria.lopez", "kenji.ito"][position % 2])
    return submissions, events, intents, accounts, outcomes


def store_signals(
    accounts: dict[str, dict[str, Any]], intents: list[dict[str, Any]], events: list[dict[str, Any]]
) -> None:
    """Accounts, third-party intent and first-party behaviour through the API, before any lead."""
    print(
        f"Seeding {len(accounts)} accounts, {len(intents)} intent signals, {len(events)} behaviour events ..."
    )
    for domain, profile in accounts.items():
        answered(call_api("PUT", f"/accounts/{domain}", profile), 200)
    for start in range(0, len(intents), 1000):
        answered(call_api("POST", "/intent", {"signals": intents[start : start + 1000]}), 202)
    for start in range(0, len(events), 500):
        answered(call_api("POST", "/events", {"events": events[start : start + 500]}), 202)


def run_demo(leads: int = 220, seed: int = 11, review_timeout_seconds: int = 45) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="leadqual-demo-") as scratch,
        HubSpotStandIn() as hubspot,
        SlackStandIn() as slack,
    ):
        # The CRM is HubSpot's stand-in, Slack is Slack's (tools/leadqual_tools/standins/): no live
        # CRM or Slack is reached.
        connections = hubspot_connections(hubspot, Path(scratch))
        slack_connections(slack, connections)
        cloud = LocalCloud(
            review_timeout_seconds=review_timeout_seconds, visibility_timeout_seconds=2, connections_file=connections,
            policy_file=demo_policy(Path(scratch)),
        ).start()  # fmt: skip
        server = serve("127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, name="leadqual-demo-api", daemon=True).start()
        slack.interactions_url = f"http://127.0.0.1:{server.server_address[1]}/slack/interactions"
        try:
            cloud.run_pollers()
            return _run(cloud, leads, seed, review_timeout_seconds, hubspot, DemoReps(slack))
        finally:
            server.shutdown()
            server.server_close()
            cloud.stop()


def slack_connections(slack: SlackStandIn, connections: Path) -> None:
    """The Slack block of the connections file, the app's secrets in their variables, and a Slack
    user for each person of the roster (by the e-mail the roster has for them)."""
    os.environ[SLACK_TOKEN_ENV] = next(iter(slack.tokens))
    os.environ[SLACK_SIGNING_ENV] = slack.signing_secret
    with connections.open("a", encoding="utf-8") as file:
        file.write(f"slack:\n  base_url: {slack.base_url}/api/\n")
    policy = load_policy()
    assert policy.assignment is not None
    for rep, settings in policy.assignment.reps.items():
        if settings.email:
            slack.add_user(settings.email, rep)


def demo_policy(folder: Path) -> Path:
    """The shipped policy, its SLA chain scaled from minutes to seconds, and every rep at work at
    any hour: an SLA chain's clock runs from when its rep is at work, and shares are fair over the
    reps at work, so with the shipped hours the run would depend on the hour it ran at."""
    return policy_file(folder, any_hour=True, sla=DEMO_SLA)


def hubspot_connections(hubspot: HubSpotStandIn, folder: Path) -> Path:
    """A connections file naming the stand-in, its token in the environment variable the file names,
    and the contact properties `leadqual crm install --apply` would create."""
    os.environ[DEMO_TOKEN_ENV] = next(iter(hubspot.tokens))
    connections = folder / "connections.yaml"
    connections.write_text(
        f"hubspot:\n  base_url: {hubspot.base_url}\n  token_env: {DEMO_TOKEN_ENV}\n", encoding="utf-8"
    )
    created = install_quietly(connections)
    print(f"leadqual crm install --apply: {created} HubSpot contact properties created (leadqual_*)")
    return connections


def _run(
    cloud: LocalCloud,
    count: int,
    seed: int,
    review_timeout_seconds: int,
    hubspot: HubSpotStandIn,
    reps: DemoReps,
) -> dict[str, Any]:
    submissions, events, intents, accounts, outcomes = seed_world(count, seed)
    store_signals(accounts, intents, events)
    # Some people are in HubSpot already, and a rep has claimed them: their owner must stay.
    claimed = [submission["email"] for submission in submissions[::10]]
    for email in claimed:
        hubspot.add_contact(email, owner_id="909", by_person=True)
    print(f"HubSpot (the local stand-in) holds {len(claimed)} of these people already, each owned by a rep.")

    print(f"Submitting {len(submissions)} leads (plus one duplicate and one malformed) ...")
    sdr = DemoSdr()
    lead_ids = []
    for position, submission in enumerate(submissions, start=1):
        lead_ids.append(answered(call_api("POST", "/leads", submission), 202)["lead_id"])
        if position % 20 == 0:
            sdr.work_queue()  # SDRs work the queue while leads keep arriving
            reps.acknowledge_new()
    duplicate = answered(call_api("POST", "/leads", submissions[0]), 202)
    rejected = call_api("POST", "/leads", {"email": "not-an-address", "form": "demo_request"})
    touches = call_api("GET", f"/leads/{lead_ids[0]}").json()["touches"]
    print(
        f"  duplicate submission -> same lead {duplicate['lead_id'] == lead_ids[0]} (answered as the first: "
        f"{duplicate}), touches {touches}"
    )
    print(f"  malformed submission -> {rejected.status} {rejected.json()['details']}")

    print(
        f"An SDR works the review queue as it fills; the first review is left to time out ({review_timeout_seconds}s) ..."
    )
    all_final = all_in(lead_ids, FINAL)

    def sdr_pass() -> list[dict[str, Any]] | None:
        sdr.work_queue()
        reps.acknowledge_new()
        return all_final()

    views = wait_until(
        sdr_pass,
        timeout=review_timeout_seconds + 300,
        interval=0.5,
        what="every lead to be routed, after SDR decisions or escalation",
    )
    queue = list(sdr.seen.values())
    decisions = sdr.decisions
    summary = summarize(cloud, views, queue, decisions)
    print_summary(summary)
    summary["crm"] = crm_sync_summary(cloud, views, hubspot)
    summary["slack"] = reps.finish(views)
    summary["woken"] = wake_held_leads(views, sdr)
    summary["retrospective"] = report_outcomes(lead_ids, outcomes)
    summary["retraining"] = retrain_on_feedback()
    return summary


def crm_sync_summary(
    cloud: LocalCloud, views: list[dict[str, Any]], hubspot: HubSpotStandIn
) -> dict[str, Any]:
    """Waits for every routed or held lead's CRM write, then says what reached HubSpot."""
    handed_down = [v["lead_id"] for v in views if v["status"] in ("routed", "hold")]

    def all_written() -> list[dict[str, Any]] | None:
        leads = [call_api("GET", f"/leads/{lead_id}").json() for lead_id in handed_down]
        settled = all(
            (lead.get("crm") or {}).get("writes") or (lead.get("crm") or {}).get("dead_letter")
            for lead in leads
        )
        return leads if settled else None

    leads = wait_until(all_written, timeout=300, interval=0.5, what="every routed lead's CRM write")
    writes = [lead["crm"]["writes"][-1] for lead in leads if lead["crm"]["writes"]]
    summary = {
        "written": len(writes),
        "created": sum(1 for w in writes if w["created"]),
        "owners_set": sum(1 for w in writes if w["owner"] == "written"),
        "owners_kept": sum(1 for w in writes if w["owner"] == "kept"),
        "dead_lettered": sum(1 for lead in leads if lead["crm"]["dead_letter"]),
        "requests": len(hubspot.calls),
        "rate_limited": len(hubspot.requests(status=429)),
        "in_dlq": cloud.queue_depth(resources.dlq_name(resources.CRM_SYNC_QUEUE)),
    }
    print(
        f"\nCRM sync (HubSpot stand-in; no live CRM reached): {summary['written']} of {len(handed_down)} routed "
        f"or held leads written ({summary['created']} contacts created), {summary['owners_set']} owners set to "
        f"the rep's HubSpot user, {summary['owners_kept']} owners a rep had set kept (conflicts respected, "
        f"each on its lead's timeline); {summary['requests']} HubSpot requests "
        f"({summary['requests'] / max(1, len(handed_down)):.2f} a lead), {summary['rate_limited']} answered 429, "
        f"{summary['in_dlq']} in the CRM-sync DLQ"
    )
    return summary


def retrain_on_feedback() -> dict[str, Any]:
    """Reported outcomes, each with the record the model scored, retrain a challenger beside the history."""
    from leadqual import wiring
    from leadqual_tools.paths import DEFAULT_ARTIFACTS, DEFAULT_SPEC
    from leadqual_training.retrain import retrain
    from leadqual_training.synthetic import write_training_csv
    from leadqual_training.tabular import write_rows
    from leadqual_training.train import load_spec

    export = wiring.feedback_service().export()
    print(f"\nFeedback: {len(export.rows)} reported leads exported, each with the record the model scored.")
    with tempfile.TemporaryDirectory() as work:
        feedback = Path(work) / "feedback.csv"
        write_rows(export.rows, feedback)
        # The shipped model's own training history, generated again from its seed.
        history = write_training_csv(Path(work) / "synthetic_leads.csv", load_spec(DEFAULT_SPEC))
        champion = (DEFAULT_ARTIFACTS / "CURRENT").read_text(encoding="utf-8").strip()
        models = Path(work) / "model_artifacts"
        shutil.copytree(DEFAULT_ARTIFACTS / champion, models / champion)
        (models / "CURRENT").write_text(champion + "\n", encoding="utf-8")
        print(
            f"Retraining a challenger on the {champion} model's history plus that feedback: about 40 s "
            f"on an idle 2-core machine; its model search stops trying settings after "
            f"{RETRAIN_SEARCH_SECONDS} s, so a busy machine takes a few minutes at most. Its progress:",
            flush=True,
        )
        promotion = retrain(
            [history, feedback],
            DEFAULT_SPEC,
            models,
            version="retrained-on-feedback",
            progress=lambda line: print(f"    {line}", flush=True),
            budget=RETRAIN_SEARCH_SECONDS,
        )
    print(f"  {promotion.summary}")
    return {"rows": len(export.rows), "promoted": promotion.promoted, "reason": promotion.reason}


def wake_held_leads(views: list[dict[str, Any]], sdr: DemoSdr) -> Counter[str]:
    """New behaviour for every held lead: a pricing visit now. The rules run again for each."""
    held = [v["lead_id"] for v in views if v["status"] == "hold"]
    print(f"\n{len(held)} leads are on hold. Each now visits the pricing page ...")
    for view in (v for v in views if v["status"] == "hold"):
        visit = {"email": view["email"], "type": "page_view", "page_category": "pricing",
                 "occurred_at": datetime.now(UTC).isoformat()}  # fmt: skip
        answered(call_api("POST", "/events", visit), 202)

    def reevaluated() -> list[dict[str, Any]] | None:
        sdr.work_queue()  # a pricing visit is a behavioural trigger: the SDR reviews those leads
        found = [answered(call_api("GET", f"/leads/{lead_id}"), 200) for lead_id in held]
        done = all(
            v["status"] == "routed" or any(h["event"] == "still_held" for h in v["history"]) for v in found
        )
        return found if done else None

    woken = (
        wait_until(reevaluated, timeout=120, interval=0.5, what="every held lead to be re-evaluated")
        if held
        else []
    )
    outcome: Counter[str] = Counter(
        f"routed to {v['route']['action']}" if v["status"] == "routed" else "still held" for v in woken
    )
    print(f"  re-evaluated: {dict(outcome)}; routed at most once each")
    return outcome


def report_outcomes(lead_ids: list[str], outcomes: list[str]) -> dict[str, Any]:
    """Sales reports every lead's outcome; the retrospective asks whether high grades converted.

    As a rep would, sales flags a won deal that the rules had sent to nurture as misrouted.
    """
    print(f"Sales reports {len(lead_ids)} outcomes through POST /leads/{{id}}/outcome ...")
    for lead_id, outcome in zip(lead_ids, outcomes, strict=True):
        report_outcome(lead_id, outcome)
    report: dict[str, Any] = answered(call_api("GET", "/reports/retrospective"), 200)
    print("Retrospective (GET /reports/retrospective, as `leadqual report` prints it):")
    print("\n".join("  " + line for line in retrospective_in_words(report)))
    return report


def report_outcome(lead_id: str, outcome: str) -> None:
    """What sales says became of a lead; a won deal the rules had sent to nurture is flagged misrouted."""
    # The synthetic CRM also knows 'no_decision'; the API's vocabulary calls that closed-lost.
    reported = outcome if outcome in {k.value for k in OutcomeKind} else OutcomeKind.CLOSED_LOST.value
    body: dict[str, Any] = {"outcome": reported}
    route = (answered(call_api("GET", f"/leads/{lead_id}"), 200).get("route") or {}).get("action")
    if reported == OutcomeKind.CLOSED_WON.value and route == RouteAction.NURTURE.value:
        body.update(misrouted=True, correct_route=RouteAction.SDR_OUTREACH.value)
    answered(call_api("POST", f"/leads/{lead_id}/outcome", body), 202)


class DemoReps:
    """The reps in Slack: each acknowledges the DMs about their leads as they come (pressing the
    button, which Slack signs and posts to leadqual), except one lead, let go cold."""

    def __init__(self, slack: SlackStandIn) -> None:
        self.slack = slack
        self.acknowledged: set[tuple[str, str]] = set()  # (channel, ts) of DMs pressed
        self.cold: str | None = None  # the alert id of the lead let go cold
        self.seconds_to_press: list[float] = []

    def acknowledge_new(self) -> None:
        for user_id, user in list(self.slack.users.items()):
            for message in self.slack.messages_to(user_id):
                if (
                    not message.text.startswith("New lead for you")
                    or (message.channel, message.ts) in self.acknowledged
                ):
                    continue
                alert = _button_value(message, "acknowledge")
                if alert is None:
                    continue  # settled already (acknowledged, reassigned)
                if self.cold is None and alert.endswith("-a0"):
                    self.cold = alert
                if alert == self.cold:
                    continue
                self.acknowledged.add((message.channel, message.ts))
                self.seconds_to_press.append(time.time() - float(message.ts))
                answer = self.slack.click(user_id, message, "acknowledge")
                if answer.status != 200:
                    raise RuntimeError(
                        f"Slack's interaction for {user.name} answered {answer.status}: {answer.body[:200]}"
                    )

    def finish(self, views: list[dict[str, Any]]) -> dict[str, Any]:
        """Waits for the cold lead's reassignment (and its new rep's acknowledgement), then prints
        what Slack carried and each rep's share."""
        summary: dict[str, Any] = {"dms": 0}
        if self.cold is not None:
            lead_id = self.cold.rsplit("-a", 1)[0]

            def reassigned_and_acknowledged() -> dict[str, Any] | None:
                self.acknowledge_new()  # the new rep acknowledges the reassigned lead (its alert is -a1)
                lead = answered(call_api("GET", f"/leads/{lead_id}"), 200)
                events = [e["event"] for e in lead["history"]]
                return lead if "sla_reassigned" in events and "acknowledged" in events else None

            lead = wait_until(
                reassigned_and_acknowledged, timeout=120, interval=0.5, what="the cold lead's reassignment"
            )
            chain = [
                f"{e['event']}: {e['detail']}"
                for e in lead["history"]
                if e["event"].startswith(("sla_", "acknowledged"))
            ]
            summary["reassigned"] = {"lead_id": lead_id, "to": lead["route"]["owner"], "chain": chain}
        dms = [m for u in self.slack.users for m in self.slack.messages_to(u)]
        summary |= {
            "dms": len(dms),
            "acknowledged": len(self.acknowledged),
            "reminders": sum(1 for m in dms if "Reminder" in str(m.blocks) or m.text.startswith("Reminder")),
            "rate_limited": sum(1 for c in self.slack.calls if c.status == 429),
            "press_p50_seconds": sorted(self.seconds_to_press)[len(self.seconds_to_press) // 2]
            if self.seconds_to_press
            else None,
        }
        print(
            f"\nSlack (the local stand-in; no live Slack reached): {summary['dms']} DMs to reps and reviewers, "
            f"{summary['acknowledged']} leads acknowledged from Slack (each press signed, answered once), "
            f"{summary['rate_limited']} answered ratelimited."
        )
        if "reassigned" in summary:
            print(
                f"  One lead let go cold ({summary['reassigned']['lead_id']}), its SLA chain scaled to seconds:"
            )
            for line in summary["reassigned"]["chain"]:
                print(f"    {line}")
        summary["shares"] = print_shares()
        return summary


def _button_value(message: Message, action_id: str) -> str | None:
    for block in message.blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return str(element.get("value"))
    return None


def print_shares() -> list[dict[str, Any]]:
    """Each rep's share of their pool this cycle against the share their weight asks (GET /roster)."""
    roster = answered(call_api("GET", "/roster"), 200)
    weights = {r["rep"]: r["weight"] for r in roster["reps"]}
    shares = []
    print(
        "  Shares this cycle (GET /roster; the demo's reps work any hour, so the shares follow their weights,"
    )
    print("  less credits; docs/routing.md says how hours, caps and time off change them):")
    for pool in roster["pools"]:
        total = sum(c["leads"] for c in pool["candidates"]) or 1
        total_weight = sum(weights[c["rep"]] for c in pool["candidates"]) or 1
        parts = []
        for c in pool["candidates"]:
            share, target = c["leads"] / total, weights[c["rep"]] / total_weight
            shares.append(
                {"pool": pool["pool"], "rep": c["rep"], "leads": c["leads"], "share": share, "target": target}
            )
            now = f"; now {c['excluded'].replace('_', ' ')}" if c["excluded"] else ""
            parts.append(f"{c['rep']} {c['leads']:g} ({share:.0%}, target {target:.0%}{now})")
        print(f"    {pool['pool']}: " + ", ".join(parts) + f"; next: {pool['next_rep'] or 'the team queue'}")
    return shares


class DemoSdr:
    """Decides pending reviews through the API as they arrive: approve, approve, reject, reroute."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, Any]] = {}
        self.decisions: Counter[str] = Counter()
        self.left_to_time_out: str | None = None

    def work_queue(self) -> None:
        for review in answered(call_api("GET", "/reviews?status=pending&limit=500"), 200)["reviews"]:
            review_id = review["review_id"]
            self.seen.setdefault(review_id, review)
            if self.left_to_time_out in (None, review_id):
                self.left_to_time_out = review_id
                continue
            self.decide(review_id)

    def decide(self, review_id: str) -> None:
        kind = ("approve", "approve", "reject", "reroute")[sum(self.decisions.values()) % 4]
        body: dict[str, Any] = {"decision": kind, "reviewer": "sam.sdr", "note": "demo"}
        if kind == "reroute":
            body["route"] = RouteAction.AE_NOTIFY.value
        answered(call_api("POST", f"/reviews/{review_id}/decision", body), 200)
        self.decisions[kind] += 1


def all_in(lead_ids: list[str], statuses: set[str]) -> Callable[[], list[dict[str, Any]] | None]:
    """A condition for wait_until: every lead's view, once all of them are in `statuses`."""

    def check() -> list[dict[str, Any]] | None:
        views = [call_api("GET", f"/leads/{lead_id}").json() for lead_id in lead_ids]
        return views if all(v["status"] in statuses for v in views) else None

    return check


def _seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summarize(
    cloud: LocalCloud, views: list[dict[str, Any]], queue: list[dict[str, Any]], decisions: Counter[str]
) -> dict[str, Any]:
    auto = [v for v in views if v["route"] and v["route"]["decided_by"] == "rules"]
    reviewed = [v for v in views if v["review"]]
    received_at = {
        v["lead_id"]: next(h["at"] for h in v["history"] if h["event"] == "received") for v in views
    }
    to_route = [_seconds(received_at[v["lead_id"]], v["route"]["routed_at"]) for v in auto]
    to_review = [
        _seconds(
            received_at[v["lead_id"]], next(h["at"] for h in v["history"] if h["event"] == "review_requested")
        )
        for v in reviewed
    ]
    dlq = sum(cloud.queue_depth(name) for name in (resources.SCORING_DLQ, resources.REVIEW_DLQ))
    return {
        "leads": len(views),
        "by_status": Counter(v["status"] for v in views),
        "by_route": Counter(v["route"]["action"] for v in views if v["route"]),
        "by_tier": Counter(v["tier"] for v in views),
        "by_decider": Counter(
            "rules"
            if v["route"]["decided_by"] == "rules"
            else ("escalation" if v["route"]["decided_by"] == "escalation" else "SDR")
            for v in views
            if v["route"]
        ),
        "review_queue": queue,
        "decisions": decisions,
        "escalated": [v["lead_id"] for v in views if v["escalated"]],
        "auto_route_seconds": {
            "p50": _percentile(to_route, 0.5),
            "p95": _percentile(to_route, 0.95),
            "n": len(to_route),
        },
        "to_review_seconds": {
            "p50": _percentile(to_review, 0.5),
            "p95": _percentile(to_review, 0.95),
            "n": len(to_review),
        },
        "in_dlq": dlq,
        "executions": Counter(e["status"] for e in cloud.executions()),
    }


def print_summary(summary: dict[str, Any]) -> None:
    line = "-" * 72
    print(f"\n{line}\nleadqual demo summary: {summary['leads']} leads\n{line}")
    for title, key in (
        ("Final status", "by_status"),
        ("Route", "by_route"),
        ("Tier", "by_tier"),
        ("Decided by", "by_decider"),
    ):
        parts = ", ".join(f"{k}: {n}" for k, n in sorted(summary[key].items()))
        print(f"{title:<14}{parts}")
    print(f"\nReviews the SDR worked ({len(summary['review_queue'])}, oldest first; first 8 shown):")
    for review in summary["review_queue"][:8]:
        scores = review["scores"] or {}
        print(f"  {review['review_id']}  {review['account'] or '(free-mail)'}  triggers={','.join(review['triggers'])}  "
              f"p={scores.get('conversion_probability', 0):.2f} fit={scores.get('fit')} eng={scores.get('engagement')} "
              f"intent={scores.get('intent')}  suggested={review['suggested_route']}")  # fmt: skip
        for reason in review["reasons"][:3]:
            print(f"      - {reason}")
    print(
        f"\nSDR decisions through the API: {dict(summary['decisions'])}; escalated after timeout: {len(summary['escalated'])}"
    )
    auto, review = summary["auto_route_seconds"], summary["to_review_seconds"]
    print(f"Ingest -> routed (no review, n={auto['n']}): p50 {auto['p50']:.2f}s, p95 {auto['p95']:.2f}s")
    print(f"Ingest -> in SDR queue (n={review['n']}):    p50 {review['p50']:.2f}s, p95 {review['p95']:.2f}s")
    executions = ", ".join(f"{k}: {n}" for k, n in sorted(summary["executions"].items()))
    print(f"Workflow executions: {executions}")
    lost = summary["leads"] - sum(summary["by_status"].values())
    print(f"Nothing lost: {summary['leads']} submitted = {sum(summary['by_status'].values())} accounted for "
          f"(routed/hold/failed), {summary['in_dlq']} in DLQs, {lost} missing\n{line}")  # fmt: skip
