"""What local mode does so that it holds load: each fix to moto keeps AWS's behaviour, and the
server holds new leads while its one process is busy (measured by `make loadtest`, not here)."""

from __future__ import annotations

import copy
import json
import logging
import threading
from typing import Any

import pytest
from moto.stepfunctions.parser.models import stepfunctions_parser_backends

from leadqual import resources
from leadqual.adapters.aws_clients import client
from leadqual.domain.schemas.vocabulary import RouteAction
from leadqual_tools.local import moto_fixes
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import LocalCloud, wait_until
from leadqual_tools.local.server import serve
from leadqual_tools.local.stack_template import ACCOUNT, REGION
from tests.conftest import lead_body
from tests.e2e.test_faults import _pending_review
from tests.e2e.test_flow import _settle
from tests.e2e.test_local_server import _raw_post


def test_a_decision_is_delivered_while_another_workflow_is_just_starting(cloud: LocalCloud) -> None:
    lead_id, review = _pending_review(cloud, "kim@northwind.io")
    # An execution moto has listed as running but whose thread has not built its environment yet,
    # as happens under load between StartExecution and the execution's first step.
    (machine,) = stepfunctions_parser_backends[ACCOUNT][REGION].state_machines
    starting = copy.copy(machine.executions[0])
    starting.exec_worker, starting.exec_status = None, None  # type: ignore[attr-defined]  # set by moto at run time
    machine.executions.insert(0, starting)
    try:
        decision = {"decision": "approve", "reviewer": "sam"}
        answer = call_api("POST", f"/reviews/{review['review_id']}/decision", decision)
    finally:
        machine.executions.remove(starting)
    assert answer.status == 200, answer.body
    lead = _settle(cloud, lead_id, {"routed"})
    assert (lead["route"]["decided_by"], lead["escalated"]) == ("sam", False)


def test_a_queue_still_counts_its_messages_though_sending_no_longer_counts_them(cloud: LocalCloud) -> None:
    queue = cloud.urls[resources.action_queue_name(RouteAction.NURTURE)]
    sqs = client("sqs")
    for number in range(30):
        sqs.send_message(
            QueueUrl=queue,
            MessageBody="{}",
            MessageGroupId=f"g{number % 3}",
            MessageDeduplicationId=f"d{number}",
        )
    # A resend with the same deduplication id is still dropped, as SQS does within five minutes.
    sqs.send_message(QueueUrl=queue, MessageBody="{}", MessageGroupId="g0", MessageDeduplicationId="d0")
    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert int(attributes["ApproximateNumberOfMessagesNotVisible"]) == len(received) > 0
    assert int(attributes["ApproximateNumberOfMessages"]) == 30 - len(received)


def test_a_new_lead_waits_for_room_while_the_pipeline_is_busy(cloud: LocalCloud) -> None:
    for number in range(3):
        assert call_api("POST", "/leads", lead_body(email=f"p{number}@initech.io")).status == 202
    assert cloud.backlog() == 3  # three scoring messages, nothing polled yet
    admitted = threading.Event()

    def wait_then_say_so() -> None:
        cloud.wait_for_room(3)
        admitted.set()

    waiting = threading.Thread(target=wait_then_say_so)
    waiting.start()
    assert not admitted.wait(0.3), "admitted while the backlog was at its limit"

    # Each is an enterprise demo request: its workflow, on moto's threads, sends a review request,
    # which the review-request function takes on a later pass. Only then is the backlog down for
    # good; in between it dips only while a workflow is between steps, which a wait could miss.
    def admitted_while_pumped() -> bool:
        cloud.pump()
        return admitted.is_set()

    wait_until(
        admitted_while_pumped, timeout=10, what="the held lead to be admitted once the backlog went down"
    )
    waiting.join()
    # A backlog that never drains holds a request for at most the longest wait, never for ever.
    cloud.wait_for_room(0, longest_wait_seconds=0.1)


def test_a_stopped_local_cloud_leaves_no_workflow_to_act_in_the_next_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a workflow waiting for an SDR's decision; timed out, it would escalate: invoke a
    # function of whichever cloud the process has by then (tests stand up one after another)
    before = set(threading.enumerate())
    with LocalCloud(review_timeout_seconds=60, visibility_timeout_seconds=1) as cloud:
        _pending_review(cloud, "ada@northwind.io")
        caplog.clear()
    # WHEN the cloud stops, THEN the execution is stopped and its thread has ended with it, not
    # left to wait out its review (stopping waits 10 s at most for it)
    left = [t.name for t in set(threading.enumerate()) - before if t.name.endswith("(_execution_logic)")]
    assert left == [], "an execution's thread outlived its cloud"
    # AND stopping logs nothing: the woken wait is no review timing out (moto's interpreter logged
    # an error for each review still waiting, with the state's whole definition, as the cloud stopped)
    said = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert said == [], caplog.text[:2000]


def test_leadqual_serve_asks_for_room_before_it_takes_a_new_lead_and_only_then(cloud: LocalCloud) -> None:
    asked: list[int] = []
    server = serve("127.0.0.1", 0, admit_lead=lambda: asked.append(cloud.backlog()))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        api_url = f"http://127.0.0.1:{server.server_address[1]}"
        assert _raw_post(api_url, "/leads", json.dumps(lead_body(email="lee@initech.io")).encode())[0] == 202
        assert (
            _raw_post(
                api_url, "/events", json.dumps({"email": "lee@initech.io", "type": "page_view"}).encode()
            )[0]
            == 202
        )
    finally:
        server.shutdown()
        server.server_close()
    assert asked == [0]  # once, for the lead, with nothing in the pipeline yet


def test_a_finished_execution_keeps_its_history_and_answers_as_before(cloud: LocalCloud) -> None:
    from leadqual_tools.local import moto_fixes

    answer = call_api("POST", "/leads", lead_body(email="ola@initech.io"))
    assert answer.status == 202, answer.body
    lead_id = answer.json()["lead_id"]
    _settle(cloud, lead_id, {"routed", "hold"})
    sfn = client("stepfunctions")
    (machine,) = stepfunctions_parser_backends[ACCOUNT][REGION].state_machines

    def finished() -> list[Any]:
        executions: list[Any] = list(machine.executions)  # the parser's, which mypy does not know
        return [e for e in executions if e.exec_status is not None and e.status != "RUNNING"]

    wait_until(lambda: bool(finished()), timeout=30, what="an execution to finish")
    for execution in finished():
        # What is left of the environment is the history; every answer about the execution stands.
        assert isinstance(execution.exec_worker, moto_fixes._FinishedWorker)
        events = sfn.get_execution_history(executionArn=execution.exec_arn, maxResults=1000)["events"]
        assert events[0]["type"] == "ExecutionStarted" and events[-1]["type"].startswith("Execution")
        described = sfn.describe_execution(executionArn=execution.exec_arn)
        assert described["status"] == execution.status and "stopDate" in described
    # A token no running execution holds is refused as AWS refuses it, finished ones passed over.
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_success(taskToken="not-a-token", output="{}")


def test_a_scan_in_pages_returns_every_item_once_in_key_order_as_dynamodb_pages_it(cloud: LocalCloud) -> None:
    # GIVEN 1,200 lead items of 2 KB beside other items of the same partitions, more than 1 MB in all
    ddb, table = client("dynamodb"), resources.LEADS_TABLE
    for index in range(1200):
        for sort_key in ("LEAD", "DECISION#00000"):
            item = {"pk": {"S": f"LEAD#scan{index:05d}"}, "sk": {"S": sort_key}, "doc": {"S": "x" * 2000}}
            ddb.put_item(TableName=table, Item=item)
    # WHEN they are scanned page by page, filtered to the leads, as the reports read them
    params: dict[str, Any] = {
        "TableName": table, "FilterExpression": "sk = :lead", "ProjectionExpression": "pk",
        "ExpressionAttributeValues": {":lead": {"S": "LEAD"}},
    }  # fmt: skip
    seen, pages = [], 0
    while True:
        page = ddb.scan(**params)
        pages += 1
        seen += [item["pk"]["S"] for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    # THEN every lead comes once, in key order, over several 1 MB pages
    ours = [key for key in seen if key.startswith("LEAD#scan")]
    assert ours == [f"LEAD#scan{index:05d}" for index in range(1200)]
    assert pages >= 4


def _unordered_sets(value: Any) -> Any:
    """An answer with its sets sorted: DynamoDB keeps no order in a set (moto's own shuffles them)."""
    if isinstance(value, dict):
        return {k: sorted(v) if k in ("SS", "NS", "BS") else _unordered_sets(v) for k, v in value.items()}
    return [_unordered_sets(v) for v in value] if isinstance(value, list) else value


def _read_all(call: Any, params: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    items, pages = [], 0
    while True:
        page = call(**params)
        if "Item" in page:
            return [page["Item"]], 1
        items += page["Items"]
        pages += 1
        if "LastEvaluatedKey" not in page:
            return items, pages
        params = {**params, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def test_an_index_answers_as_moto_does_unfixed_in_pages_the_size_dynamodb_makes(cloud: LocalCloud) -> None:
    # GIVEN 1,500 leads with a report row beside a 3 KB document, over three months, and items
    # outside the index (no report month), in the leads table's reports index
    ddb, table, index = client("dynamodb"), resources.LEADS_TABLE, resources.LEADS_REPORTS_INDEX
    for n in range(1500):
        month = f"2017-0{1 + n % 3}"
        ddb.put_item(TableName=table, Item={
            "pk": {"S": f"LEAD#ix{n:05d}"}, "sk": {"S": "LEAD"}, "doc": {"S": "x" * 3000},
            "report_month": {"S": month}, "report_at": {"S": f"{month}-0{1 + n % 9}T00:00:00.000000Z#ix{n:05d}"},
            "report": {"S": json.dumps({"n": n, "sizes": [1, 2.5], "ok": True})},
        })  # fmt: skip
        ddb.put_item(
            TableName=table, Item={"pk": {"S": f"LEAD#ix{n:05d}"}, "sk": {"S": "TOUCH#1"}, "doc": {"S": "y"}}
        )
    # AND an item holding every kind of value, binary ones too
    every_kind = {
        "pk": {"S": "KINDS"}, "sk": {"S": "ALL"}, "n": {"N": "1.50"}, "b": {"B": b"\x00\xff"}, "t": {"BOOL": True},
        "z": {"NULL": True}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": [b"\x01"]},
        "m": {"M": {"deep": {"L": [{"N": "3"}, {"S": "x"}, {"M": {"b": {"B": b"\x02"}}}]}}},
    }  # fmt: skip
    ddb.put_item(TableName=table, Item=every_kind)
    reads: dict[str, tuple[Any, dict[str, Any]]] = {
        "get, every kind": (
            ddb.get_item,
            {"TableName": table, "Key": {"pk": {"S": "KINDS"}, "sk": {"S": "ALL"}}},
        ),
        "get, projected": (
            ddb.get_item,
            {
                "TableName": table,
                "Key": {"pk": {"S": "KINDS"}, "sk": {"S": "ALL"}},
                "ProjectionExpression": "n, m, bs, ss",
            },
        ),  # fmt: skip
        "scan": (ddb.scan, {"TableName": table, "IndexName": index}),
        "scan, row only": (
            ddb.scan,
            {"TableName": table, "IndexName": index, "ProjectionExpression": "report"},
        ),
        "query, a range": (
            ddb.query,
            {
                "TableName": table,
                "IndexName": index,
                "ProjectionExpression": "report",
                "KeyConditionExpression": "report_month = :m AND report_at BETWEEN :a AND :b",
                "ExpressionAttributeValues": {
                    ":m": {"S": "2017-02"},
                    ":a": {"S": "2017-02-03"},
                    ":b": {"S": "2017-02-07"},
                },
            },
        ),  # fmt: skip
    }
    # WHEN each read is made page by page with the fixes, and again with moto as it comes
    fixed = {name: _read_all(call, params) for name, (call, params) in reads.items()}
    moto_fixes.uninstall()
    try:
        unfixed = {name: _read_all(call, params) for name, (call, params) in reads.items()}
    finally:
        moto_fixes.install()
    # THEN every read answers the same items in the same order, documents left out as projected
    for name in reads:
        assert _unordered_sets(fixed[name][0]) == _unordered_sets(unfixed[name][0]), name
    assert fixed["get, every kind"][0] == [every_kind]
    assert len(fixed["scan"][0]) == 1500 and "doc" not in fixed["scan"][0][0]
    assert list(fixed["scan, row only"][0][0]) == ["report"]
    assert len(fixed["query, a range"][0]) == len([n for n in range(1500) if n % 3 == 1 and 2 <= n % 9 <= 6])
    # AND a page holds what DynamoDB's would: 1 MB of index items, not of whole leads
    assert fixed["scan"][1] == 1 and unfixed["scan"][1] >= 4
