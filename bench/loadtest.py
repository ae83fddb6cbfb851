"""`make loadtest`: leads with behaviour events through a real `leadqual serve` process, from many
clients at once, an SDR deciding reviews as they arrive, then a reconciliation of every lead.

Prints, with its targets: leads lost and duplicated downstream, the server's peak RSS, ingest ->
routed p50/p95 for auto-routed leads (the server's own SLA figures), and end-to-end throughput
beside that of bare moto Step Functions executions of a same-sized state machine, measured in
this run. Loopback only, bounded in count and time; stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FINAL = {"routed", "hold", "failed"}
WATCHED = 50
SERVE_OPTIONS = os.environ.get("LOADTEST_SERVE_OPTIONS", "").split()
PAGE = 500
INBOX_REFRESH_SECONDS = 3.0
TARGETS = {"peak_rss_gb": 1.5, "auto_routed_p95_s": 5.0, "throughput_ratio": 0.5}
FORMS = ["demo_request", "pricing_request", "contact_sales", "content_download", "webinar_registration",
         "newsletter", "trial_signup"]  # fmt: skip
INDUSTRIES = ["Logistics", "Software", "Retail", "Manufacturing", "Healthcare", "Finance"]


class Api:
    """One keep-alive connection per client thread."""

    def __init__(self, port: int):
        self.port = port
        self.local = threading.local()

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        for attempt in range(5):
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = self.local.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=120
                )
            try:
                payload = None if body is None else json.dumps(body)
                connection.request(method, path, body=payload, headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                data = response.read()
                return response.status, json.loads(data) if data else None
            except (OSError, http.client.HTTPException):
                connection.close()
                self.local.connection = None
                time.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"{method} {path}: the server did not answer")


def lead(number: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    email = f"person{number}@company{number % 2500}.io"
    now = datetime.now(UTC)
    submission = {
        "email": email,
        "form": FORMS[number % len(FORMS)],
        "first_name": f"P{number}",
        "title": ["VP of Operations", "Analyst", "Head of Sales", "Student", "CTO"][number % 5],
        "company": {"name": f"Company {number % 2500}", "employees": [15, 120, 900, 4000, 25000][number % 5],
                    "industry": INDUSTRIES[number % len(INDUSTRIES)], "country": ["US", "DE", "GB", "FR"][number % 4]},
        "submitted_at": now.isoformat(),
    }  # fmt: skip
    events = [
        {"email": email, "type": "page_view", "page_category": category,
         "occurred_at": (now - timedelta(minutes=minutes)).isoformat()}
        for minutes, category in ((30, "blog"), (5, "pricing" if number % 3 == 0 else "product"))
    ]  # fmt: skip
    return submission, events


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def peak_rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


class Sdr(threading.Thread):
    """Works the review inbox as it fills: approve, reject, reroute in turn."""

    def __init__(self, api: Api):
        super().__init__(daemon=True)
        self.api, self.stop, self.decided = api, threading.Event(), 0
        self.unexpected: list[str] = []

    def run(self) -> None:
        kinds = [
            {"decision": "approve"},
            {"decision": "reject"},
            {"decision": "reroute", "route": "sdr_outreach"},
        ]
        while not self.stop.is_set():
            status, page = self.api.call("GET", f"/reviews?status=pending&limit={PAGE}")
            reviews = page["reviews"] if status == 200 else []
            for review in reviews:
                body = {**kinds[self.decided % 3], "reviewer": "load.sdr"}
                path = f"/reviews/{review['review_id']}/decision"
                status, answer = self.api.call("POST", path, body)
                for _ in range(5):
                    if status != 503:
                        break
                    # Saved, not yet delivered: the contract says to send the same decision again.
                    self.unexpected.append(f"503 {review['review_id']}: {answer}")
                    self.stop.wait(1.0)
                    status, answer = self.api.call("POST", path, body)
                if status in (200, 409):
                    self.decided += 1
                else:
                    self.unexpected.append(f"{status} {review['review_id']}: {answer}")
            # moto answers an index query by reading the whole table, so the inbox is read
            # every few seconds, as a console would refresh it, not in a tight loop.
            self.stop.wait(INBOX_REFRESH_SECONDS)


def run_load(leads: int, clients: int, timeout_s: float) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp())
    port, report, log = free_port(), work / "inventory.json", work / "server.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "leadqual"), "serve", "--port", str(port), "--review-timeout", "900",
             "--log-level", "ERROR", "--report-on-exit", str(report), *SERVE_OPTIONS],
            stdout=log_file, stderr=subprocess.STDOUT, cwd=REPO,
        )  # fmt: skip
    api = Api(port)
    deadline = time.monotonic() + 120
    while True:
        try:
            if api.call("GET", "/reviews?status=pending")[0] == 200:
                break
        except RuntimeError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError(f"leadqual serve did not start: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.5)
    sdr = Sdr(api)
    sdr.start()
    errors: list[str] = []
    started = time.monotonic()

    sent_at: dict[str, datetime] = {}
    answer_seconds: list[float] = []

    def submit(number: int) -> str | None:
        submission, events = lead(number)
        status, _ = api.call("POST", "/events", {"events": events})
        if status != 202:
            errors.append(f"events {status}")
        sent, clock = datetime.now(UTC), time.monotonic()
        status, body = api.call("POST", "/leads", submission)
        answer_seconds.append(time.monotonic() - clock)
        if status != 202:
            errors.append(f"lead {status}: {body}")
            return None
        sent_at[body["lead_id"]] = sent
        return str(body["lead_id"])

    with ThreadPoolExecutor(max_workers=clients) as pool:
        ids = [i for i in pool.map(submit, range(leads)) if i]
    submitted_s = time.monotonic() - started
    print(f"  submitted {len(ids)} leads in {submitted_s:.0f} s ({len(ids) / submitted_s:.1f}/s)", flush=True)

    views: dict[str, dict[str, Any]] = {}
    pending = list(ids)
    # Watch the oldest unfinished leads only, so that watching does not load the server; once they
    # are all done, read the next ones. The reconciliation at the end reads every lead.
    while pending and time.monotonic() - started < timeout_s:
        watched = pending[:WATCHED]
        with ThreadPoolExecutor(max_workers=4) as pool:
            found = list(pool.map(lambda lead_id: api.call("GET", f"/leads/{lead_id}"), watched))
        for lead_id, (status, view) in zip(watched, found, strict=True):
            if status == 200:
                views[lead_id] = view
        pending = [i for i in pending if views.get(i, {}).get("status") not in FINAL]
        if pending and pending[0] in watched:
            time.sleep(3)
    with ThreadPoolExecutor(max_workers=4) as pool:
        for lead_id, (status, view) in zip(
            ids, pool.map(lambda i: api.call("GET", f"/leads/{i}"), ids), strict=True
        ):
            if status == 200:
                views[lead_id] = view
    elapsed = time.monotonic() - started
    sdr.stop.set()
    sdr.join(timeout=30)
    rss = peak_rss_bytes(server.pid)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=300)
    inventory = json.loads(report.read_text()) if report.exists() else {}
    logged_errors = [
        line for line in log.read_text(errors="replace").splitlines() if '"level":"ERROR"' in line
    ]

    statuses: dict[str, int] = {}
    for view in views.values():
        statuses[view["status"]] = statuses.get(view["status"], 0) + 1
    auto_routed = [
        v for v in views.values() if v.get("route") and v["route"]["decided_by"] == "rules" and v.get("sla")
    ]
    auto = [v["sla"]["seconds_to_route"] for v in auto_routed]
    # What the client saw: from sending the lead (before any wait for room) to its route.
    from_send = [
        (datetime.fromisoformat(v["route"]["routed_at"]) - sent_at[v["lead_id"]]).total_seconds()
        for v in auto_routed
    ]
    routed = [v for v in views.values() if v.get("route")]
    first = min(datetime.fromisoformat(v["history"][0]["at"]) for v in views.values())
    last = max(datetime.fromisoformat(v["route"]["routed_at"]) for v in routed) if routed else first
    queues = inventory.get("queues", {})
    downstream = sum(
        depth for name, depth in queues.items() if name.startswith("leadqual-route-") and "-dlq" not in name
    )
    return {
        "leads": leads,
        "submitted": len(ids),
        "errors": errors[:10],
        "error_count": len(errors),
        "statuses": statuses,
        "lost": leads - sum(statuses.get(s, 0) for s in FINAL),
        "duplicated": downstream - len(routed),
        "dlq_messages": sum(depth for name, depth in queues.items() if "-dlq" in name),
        "executions": inventory.get("executions", {}),
        "reviews_decided": sdr.decided,
        "decision_answers_not_200": sdr.unexpected[:10],
        "server_log": str(log),
        "server_errors_logged": len(logged_errors),
        "server_errors_first": [line[:2000] for line in logged_errors[:3]],
        "peak_rss_gb": rss / 1e9,
        "auto_routed": len(auto),
        "auto_routed_p50_s": percentile(auto, 0.5),
        "auto_routed_p95_s": percentile(auto, 0.95),
        "auto_routed_from_send_p95_s": percentile(from_send, 0.95),
        "post_lead_answer_p50_s": percentile(answer_seconds, 0.5),
        "post_lead_answer_p95_s": percentile(answer_seconds, 0.95),
        "unreadable": len(ids) - len(views),
        "throughput_per_s": len(routed) / max((last - first).total_seconds(), 1e-9),
        "elapsed_s": elapsed,
    }


def bare_stepfunctions_rate(executions: int, with_lambda_tasks: bool) -> float:
    """Executions per second of unpatched moto running leadqual's state machine definition.

    With Lambda tasks: the same states and tasks, the functions being moto's own (without Docker
    they echo their input), so no leadqual code runs. Without: each Lambda task is a Pass state.
    """
    code = f"""
import io, json, sys, time, zipfile
sys.path.insert(0, {str(REPO / "functions")!r})
from moto import mock_aws
import boto3
from leadqual.workflow.definition import PLACEHOLDERS, build_definition, render
definition = build_definition(60)
states = definition["States"]
if {with_lambda_tasks!r}:
    # Route echoes its payload: give it what the Choice after it reads.
    states["Route"]["Parameters"]["Payload"] = {{"lead_id.$": "$.lead_id", "evaluation": 0, "needs_review": False}}
else:
    for name, state in list(states.items()):
        if state["Type"] == "Task" and name != "AwaitReview":
            states[name] = {{"Type": "Pass", "Result": {{"value": {{"needs_review": False, "evaluation": 0}}}},
                "ResultPath": state.get("ResultPath", "$.result"), **({{"Next": state["Next"]}} if "Next" in state else {{"End": True}})}}
config = {{"stepfunctions": {{"execute_state_machine": True}}, "lambda": {{"use_docker": False}}}}
with mock_aws(config=config):
    role = boto3.client("iam", region_name="us-east-1").create_role(RoleName="bare", AssumeRolePolicyDocument="{{}}")["Role"]["Arn"]
    package = io.BytesIO()
    zipfile.ZipFile(package, "w").writestr("echo.py", "")
    lam = boto3.client("lambda", region_name="us-east-1")
    values = {{name: lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="echo.handler",
              Code={{"ZipFile": package.getvalue()}})["FunctionArn"] for name in PLACEHOLDERS if name.endswith("Arn")}}
    values["ReviewQueueUrl"] = boto3.client("sqs", region_name="us-east-1").create_queue(QueueName="reviews")["QueueUrl"]
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = sfn.create_state_machine(name="bare", definition=render(definition, values), roleArn=role)["stateMachineArn"]
    start = time.monotonic()
    for i in range({executions}):
        sfn.start_execution(stateMachineArn=arn, name=f"e{{i}}", input=json.dumps({{"lead_id": f"ld_{{i}}"}}))
    while True:
        done, token = 0, None
        while True:
            page = sfn.list_executions(stateMachineArn=arn, statusFilter="SUCCEEDED", maxResults=1000, **({{"nextToken": token}} if token else {{}}))
            done += len(page["executions"])
            token = page.get("nextToken")
            if not token:
                break
        if done >= {executions}:
            break
        time.sleep(0.2)
    print({executions} / (time.monotonic() - start))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "AWS_ACCESS_KEY_ID": "bare", "AWS_SECRET_ACCESS_KEY": "bare"},
    )  # fmt: skip
    return float(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--bare-executions", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    print(
        f"bare moto Step Functions: {args.bare_executions} executions of leadqual's definition ...",
        flush=True,
    )
    bare = bare_stepfunctions_rate(args.bare_executions, with_lambda_tasks=True)
    bare_pass = bare_stepfunctions_rate(args.bare_executions, with_lambda_tasks=False)
    print(
        f"  {bare:.1f}/s with its Lambda tasks (moto's echo functions), {bare_pass:.1f}/s with Pass states",
        flush=True,
    )
    print(
        f"leadqual serve: {args.leads} leads with behaviour events from {args.clients} clients ...",
        flush=True,
    )
    result = run_load(args.leads, args.clients, args.timeout)
    result["bare_executions_per_s"], result["bare_pass_executions_per_s"] = bare, bare_pass
    result["throughput_ratio"] = result["throughput_per_s"] / bare
    checks = {
        "0 lost": result["lost"] == 0,
        "0 duplicated": result["duplicated"] == 0,
        f"peak RSS <= {TARGETS['peak_rss_gb']} GB": result["peak_rss_gb"] <= TARGETS["peak_rss_gb"],
        f"auto-routed p95 <= {TARGETS['auto_routed_p95_s']} s": result["auto_routed_p95_s"] <= TARGETS["auto_routed_p95_s"],
        f"throughput >= {TARGETS['throughput_ratio']}x bare": result["throughput_ratio"] >= TARGETS["throughput_ratio"],
    }  # fmt: skip
    print(json.dumps(result, indent=2, default=str))
    print(
        f"statuses {result['statuses']}; executions {result['executions']}; {result['reviews_decided']} reviews decided"
    )
    print(
        f"lost {result['lost']}, duplicated downstream {result['duplicated']}, in DLQs {result['dlq_messages']}"
    )
    print(f"peak RSS {result['peak_rss_gb']:.2f} GB; auto-routed (n={result['auto_routed']}) ingest -> routed "
          f"p50 {result['auto_routed_p50_s']:.2f} s, p95 {result['auto_routed_p95_s']:.2f} s")  # fmt: skip
    print(f"as the clients saw it: POST /leads answered in p50 {result['post_lead_answer_p50_s']:.2f} s, "
          f"p95 {result['post_lead_answer_p95_s']:.2f} s (the server holds a lead while its pipeline is "
          f"busy); sent -> routed p95 {result['auto_routed_from_send_p95_s']:.2f} s; "
          f"{result['unreadable']} leads could not be read back")  # fmt: skip
    print(f"throughput {result['throughput_per_s']:.1f} leads/s = {result['throughput_ratio']:.2f}x bare moto Step "
          f"Functions with Lambda tasks ({bare:.1f}/s), {result['throughput_per_s'] / bare_pass:.2f}x with Pass "
          f"states ({bare_pass:.1f}/s)")  # fmt: skip
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
