"""AWS calls fail and are retried: every lead still ends in a state it shows, nothing goes out twice.

Faults are AWS errors that moto answers instead of running the call (leadqual_tools.local.faults), so
botocore's retries, Step Functions' retries and SQS redeliveries all run as they would in AWS.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leadqual import resources
from leadqual.adapters.aws_clients import ATTEMPTS_PER_CALL, client
from leadqual.domain.schemas.vocabulary import RouteAction
from leadqual.settings import DEFAULT_MODEL_ROOT, graph_path, spec_path
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from leadqual_tools.local.faults import FOREVER, Fault
from tests.conftest import lead_body, lead_items
from tests.e2e.test_flow import _lead, _settle, _submit


def _queued(cloud: LocalCloud, action: RouteAction) -> list[str]:
    return [m["lead_id"] for m in cloud.drain_queue(resources.action_queue_name(action))]


def _capture(topic_or_bus: str, cloud: LocalCloud, name: str) -> str:
    """A queue that receives what the SDR topic publishes, or what the event bus carries."""
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if topic_or_bus == "sdr-topic":
        client("sns").subscribe(
            TopicArn=cloud.arns[resources.SDR_TOPIC], Protocol="sqs", Endpoint=arn,
            Attributes={"RawMessageDelivery": "true"},
        )  # fmt: skip
    else:
        events = client("events")
        events.put_rule(
            Name=name, EventBusName=resources.EVENT_BUS, EventPattern=json.dumps({"source": ["leadqual"]})
        )
        events.put_targets(
            Rule=name, EventBusName=resources.EVENT_BUS, Targets=[{"Id": "capture", "Arn": arn}]
        )
    return url


def _drain(url: str) -> list[str]:
    sqs, bodies = client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def _notified(lead_id: str) -> bool:
    return any(h["event"] == "review_requested" for h in _lead(lead_id)["history"])


def _pending_review(cloud: LocalCloud, email: str) -> tuple[str, dict[str, Any]]:
    call_api("PUT", f"/accounts/{email.split('@')[1]}", {"named_account": True, "owner": "maria.lopez"})
    lead_id = _submit(email=email)
    _settle(cloud, lead_id, {"pending_review"})
    (review,) = [
        r for r in call_api("GET", "/reviews?status=pending").json()["reviews"] if r["lead_id"] == lead_id
    ]
    return lead_id, review


def test_sqs_unavailable_at_ingest_answers_503_and_stores_nothing(cloud: LocalCloud) -> None:
    fault = cloud.faults.inject(Fault("sqs", "SendMessage", "ServiceUnavailable", times=FOREVER, status=503))
    refused = call_api("POST", "/leads", lead_body(email="ana@northwind.io"))
    assert refused.status == 503 and "nothing was stored" in refused.json()["message"]
    assert fault.injected == ATTEMPTS_PER_CALL, "the SDK retried before giving up"
    assert not lead_items()
    cloud.faults.clear()
    # the form handler's retry is a new lead, scored and routed as usual
    lead_id = _submit(email="ana@northwind.io")
    assert _settle(cloud, lead_id, {"routed", "pending_review", "hold"})["touches"] == 1


def test_dynamodb_throttling_is_retried_and_the_lead_is_routed(cloud: LocalCloud) -> None:
    ingest = cloud.faults.inject(
        Fault("dynamodb", "TransactWriteItems", "ProvisionedThroughputExceededException", times=2)
    )
    updates = cloud.faults.inject(Fault("dynamodb", "UpdateItem", "ThrottlingException", times=6))
    lead_id = _submit(email="bob@gmail.com", form="newsletter", title=None, company={})
    lead = _settle(cloud, lead_id, {"routed"})
    assert ingest.injected == 2 and updates.injected == 6
    assert lead["route"]["action"] == "nurture" and _queued(cloud, RouteAction.NURTURE) == [lead_id]


def test_a_task_that_always_fails_leaves_the_lead_failed_with_its_reason_and_sends_nothing(
    cloud: LocalCloud,
) -> None:
    nurture = resources.action_queue_name(RouteAction.NURTURE).encode()
    cloud.faults.inject(
        Fault(
            "sqs",
            "SendMessage",
            "InternalError",
            times=FOREVER,
            status=500,
            when=lambda body: nurture in body,
        )
    )
    lead_id = _submit(email="cy@gmail.com", form="newsletter", title=None, company={})
    lead = _settle(cloud, lead_id, {"failed"}, timeout=90)
    assert "InternalError" in lead["failure"]
    assert wait_until(lambda: cloud.executions("FAILED"), what="the execution to fail")
    cloud.faults.clear()
    assert _queued(cloud, RouteAction.NURTURE) == []


def test_start_execution_refused_ends_the_lead_failed_and_its_message_in_the_dlq(cloud: LocalCloud) -> None:
    cloud.faults.inject(Fault("sfn", "StartExecution", "ExecutionLimitExceeded", times=FOREVER))
    lead_id = _submit(email="dee@northwind.io")
    lead = _settle(cloud, lead_id, {"failed"}, timeout=60)
    assert lead["dead_letter_queue"] == resources.SCORING_DLQ and "ExecutionLimitExceeded" in lead["failure"]
    wait_until(lambda: cloud.queue_depth(resources.SCORING_DLQ) == 1 or cloud.pump() < 0, what="the DLQ")
    assert cloud.executions() == []


@pytest.fixture
def patient_cloud() -> Iterator[LocalCloud]:
    """Reviews wait a minute: long enough for the SDK's backoff and an SQS redelivery."""
    with LocalCloud(review_timeout_seconds=60, visibility_timeout_seconds=1) as local:
        yield local
        assert not local.iam.denials, local.iam.report()


def test_an_sns_failure_still_notifies_the_sdr_exactly_once(patient_cloud: LocalCloud) -> None:
    cloud = patient_cloud
    inbox = _capture("sdr-topic", cloud, "sdr-inbox")
    # More failures than the SDK tries, so the review request itself fails once and comes back.
    publish = cloud.faults.inject(
        Fault(
            "sns",
            "Publish",
            "Throttled",
            times=ATTEMPTS_PER_CALL,
            status=429,
            when=lambda body: b"review_requested" in body,
        )
    )
    lead_id, review = _pending_review(cloud, "eve@globex.io")
    wait_until(
        lambda: publish.times == 0 and cloud.pump() == 0 and _notified(lead_id),
        what="the retried review request",
    )
    notifications = [n for n in _drain(inbox) if review["review_id"] in n or lead_id in n]
    assert len(notifications) == 1


def test_an_eventbridge_failure_retries_dispatch_without_sending_twice(cloud: LocalCloud) -> None:
    events = _capture("bus", cloud, "routed-events")
    # More failures than the SDK tries: the dispatch task fails once and Step Functions retries it.
    put = cloud.faults.inject(
        Fault("eventbridge", "PutEvents", "InternalException", times=ATTEMPTS_PER_CALL, status=500)
    )
    lead_id = _submit(email="fay@gmail.com", form="newsletter", title=None, company={})
    _settle(cloud, lead_id, {"routed"})  # the route is stored before it is sent
    wait_until(lambda: cloud.executions("SUCCEEDED"), what="the retried dispatch to finish")
    lead = _lead(lead_id)
    assert put.injected == ATTEMPTS_PER_CALL
    assert lead["route"]["sent_to_queue"] and _queued(cloud, RouteAction.NURTURE) == [lead_id]
    announced = [json.loads(e) for e in _drain(events)]
    assert [e["detail"]["lead_id"] for e in announced] == [lead_id]
    assert announced[0]["detail"]["dedupe_id"] == f"{lead_id}-e0"
    assert announced[0]["detail"]["schema_version"] == 2 and announced[0]["detail-type"] == "lead.routed"
    assert "email" not in announced[0]["detail"]  # ids only: a consumer reads the person by the lead's id


def test_a_throttled_send_task_success_answers_503_and_the_same_decision_delivers_it(
    cloud: LocalCloud,
) -> None:
    lead_id, review = _pending_review(cloud, "gus@initech.io")
    cloud.faults.inject(Fault("sfn", "SendTaskSuccess", "ThrottlingException", times=ATTEMPTS_PER_CALL))
    decision = {"decision": "reject", "reviewer": "sam", "note": "student"}
    first = call_api("POST", f"/reviews/{review['review_id']}/decision", decision)
    assert first.status == 503 and "send the same decision again" in first.json()["message"]
    assert call_api("POST", f"/reviews/{review['review_id']}/decision", decision).status == 200
    lead = _settle(cloud, lead_id, {"routed"})
    assert (lead["route"]["action"], lead["route"]["decided_by"], lead["escalated"]) == (
        "nurture",
        "sam",
        False,
    )
    assert _queued(cloud, RouteAction.NURTURE) == [lead_id]


def test_a_decision_never_delivered_is_applied_at_the_deadline_not_escalated(cloud: LocalCloud) -> None:
    lead_id, review = _pending_review(cloud, "hal@umbrella.io")
    cloud.faults.inject(Fault("sfn", "SendTaskSuccess", "ServiceUnavailable", times=FOREVER, status=503))
    decision = {"decision": "reroute", "reviewer": "sam", "route": "sdr_outreach"}
    assert call_api("POST", f"/reviews/{review['review_id']}/decision", decision).status == 503
    # nobody retries; the review's deadline passes
    lead = _settle(cloud, lead_id, {"routed"}, timeout=30)
    assert (lead["route"]["action"], lead["route"]["decided_by"], lead["escalated"]) == (
        "sdr_outreach",
        "sam",
        False,
    )
    assert _queued(cloud, RouteAction.AE_NOTIFY) == []


def test_scoring_that_crashes_for_one_lead_fails_that_lead_alone(cloud: LocalCloud) -> None:
    # Every read of one account's signals fails as a bad request would: no retry can help it.
    cloud.faults.inject(
        Fault(
            "dynamodb", "Query", "ValidationException", times=FOREVER, when=lambda body: b"crashco.io" in body
        )
    )
    broken = _submit(email="ivy@crashco.io")
    fine = [_submit(email=f"lead{i}@gmail.com", form="newsletter", title=None, company={}) for i in range(3)]
    for lead_id in fine:
        assert _settle(cloud, lead_id, {"routed"})["route"]["action"] == "nurture"
    lead = _settle(cloud, broken, {"failed"}, timeout=60)
    assert lead["dead_letter_queue"] == resources.SCORING_DLQ and "ValidationException" in lead["failure"]


def test_a_redelivered_scoring_message_starts_nothing_twice(cloud: LocalCloud) -> None:
    lead_id = _submit(email="jo@gmail.com", form="newsletter", title=None, company={})
    _settle(cloud, lead_id, {"routed"})
    # SQS delivers at least once: the same message again, after the lead was routed
    client("sqs").send_message(
        QueueUrl=cloud.urls[resources.SCORING_QUEUE], MessageBody=json.dumps({"lead_id": lead_id})
    )
    wait_until(
        lambda: cloud.pump() == 0 and cloud.queue_depth(resources.SCORING_QUEUE) == 0, what="the redelivery"
    )
    assert len(cloud.executions()) == 1
    assert _queued(cloud, RouteAction.NURTURE) == [lead_id]
    assert _lead(lead_id)["status"] == "routed"


def _broken_model(tmp_path: Path, damage: str) -> Path:
    """A copy of the shipped model with one file missing, not an ONNX graph, or cut short."""
    shipped = DEFAULT_MODEL_ROOT / (DEFAULT_MODEL_ROOT / "CURRENT").read_text(encoding="utf-8").strip()
    broken = tmp_path / "model"
    shutil.copytree(shipped, broken)
    if damage == "missing":
        graph_path(broken).unlink()
    elif damage == "not_onnx":
        graph_path(broken).write_bytes(b"this is not an ONNX graph")
    else:
        spec = spec_path(broken)
        spec.write_text(spec.read_text(encoding="utf-8")[:200], encoding="utf-8")
    return broken


@pytest.mark.parametrize("damage", ["missing", "not_onnx", "truncated_spec"])
def test_a_missing_or_corrupt_model_dead_letters_every_lead_and_each_says_so(
    tmp_path: Path, damage: str
) -> None:
    model_dir = _broken_model(tmp_path, damage)
    with LocalCloud(review_timeout_seconds=4, visibility_timeout_seconds=1, model_dir=model_dir) as cloud:
        leads = [_submit(email=f"m{i}@northwind.io") for i in range(2)]
        for lead_id in leads:
            lead = _settle(cloud, lead_id, {"failed"}, timeout=60)
            # the scoring function's setup failed, not one message: every lead says why, and where
            assert lead["dead_letter_queue"] == resources.SCORING_DLQ
            assert "after 5 attempts" in lead["failure"], lead["failure"]
        wait_until(lambda: cloud.queue_depth(resources.SCORING_DLQ) == 2 or cloud.pump() < 0, what="the DLQ")
        assert cloud.executions() == []
        assert not cloud.iam.denials, cloud.iam.report()


def test_eventbridge_down_for_a_minute_the_lead_stays_routed_and_is_announced_once(cloud: LocalCloud) -> None:
    events = _capture("bus", cloud, "routed-events-outage")
    put = cloud.faults.inject(
        Fault("eventbridge", "PutEvents", "InternalException", times=FOREVER, status=500)
    )
    lead_id = _submit(email="kim@gmail.com", form="newsletter", title=None, company={})
    wait_until(
        lambda: cloud.pump() >= 0 and put.injected > 0, timeout=30, what="the first failed announcement"
    )
    # The outage lasts a minute from the first failure: the service comes back, nobody intervenes
    outage = threading.Timer(60, cloud.faults.clear)
    outage.start()
    try:
        lead = _lead(lead_id)
        # Handed to its queue: routed throughout, waiting only for its announcement
        assert (
            lead["status"] == "routed" and lead["route"]["sent_to_queue"] and not lead["route"]["announced"]
        )
        lead = _settle(cloud, lead_id, {"routed", "failed"}, timeout=150)
    finally:
        outage.cancel()
    assert lead["status"] == "routed" and lead["failure"] is None
    assert put.injected > 2 * ATTEMPTS_PER_CALL, "the outage outlasted the one retry other errors get"
    assert wait_until(lambda: cloud.executions("SUCCEEDED"), what="the workflow to finish")
    assert _queued(cloud, RouteAction.NURTURE) == [lead_id]
    announced = [json.loads(e)["detail"]["dedupe_id"] for e in _drain(events)]
    assert announced == [f"{lead_id}-e0"]


def test_an_sqs_error_on_the_review_request_is_retried_and_the_lead_waits_for_its_sdr(
    cloud: LocalCloud,
) -> None:
    review_queue = resources.REVIEW_QUEUE.encode()
    send = cloud.faults.inject(
        Fault("sqs", "SendMessage", "ServiceUnavailable", times=1, status=503,
              when=lambda body: review_queue in body)
    )  # fmt: skip
    lead_id, review = _pending_review(cloud, "lia@globex.io")
    assert send.injected == 1
    lead = _lead(lead_id)
    assert lead["status"] == "pending_review" and lead["failure"] is None
    decided = call_api(
        "POST", f"/reviews/{review['review_id']}/decision", {"decision": "approve", "reviewer": "sam"}
    )
    assert decided.status == 200
    assert _settle(cloud, lead_id, {"routed"})["route"]["decided_by"] == "sam"
    assert [r["review_id"] for r in call_api("GET", "/reviews?status=pending").json()["reviews"]] == []


def test_a_retried_escalation_tells_the_ae_once(cloud: LocalCloud) -> None:
    inbox = _capture("sdr-topic", cloud, "escalations-inbox")
    # Saving the escalation on the lead fails past the SDK's retries: the Escalate task fails once
    save = cloud.faults.inject(
        Fault("dynamodb", "UpdateItem", "ProvisionedThroughputExceededException", times=ATTEMPTS_PER_CALL,
              when=lambda body: b"review_escalated" in body)
    )  # fmt: skip
    lead_id, _ = _pending_review(cloud, "max@globex.io")
    # Nobody decides; the deadline (4 s) passes and the retried task escalates
    lead = _settle(cloud, lead_id, {"routed"}, timeout=60)
    assert save.injected == ATTEMPTS_PER_CALL
    assert lead["escalated"] and lead["route"]["decided_by"] == "escalation"
    escalations = [n for n in _drain(inbox) if "past its review deadline" in n]
    assert len(escalations) == 1, escalations
    history = [h["event"] for h in lead["history"]]
    assert history.count("review_escalated") == 1 and history.count("review_expired") == 1
