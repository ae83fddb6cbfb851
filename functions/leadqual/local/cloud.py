"""leadqual's AWS resources inside embedded moto: the same names, definition and handlers as in AWS.

Used by `leadqual serve`, `make demo` and the integration and end-to-end tests.
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from moto import mock_aws

from leadqual import resources, wiring
from leadqual.adapters import aws_clients
from leadqual.adapters.aws_clients import client
from leadqual.local import invoker
from leadqual.local.sqs_poller import REGION, SqsPoller
from leadqual.observability import logger
from leadqual.resources import Env, RouteAction
from leadqual.settings import current_settings
from leadqual.workflow.definition import REVIEW_QUEUE_URL, build_definition, render

T = TypeVar("T")
LOCAL_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
}


class Timeout(AssertionError):
    pass


@dataclass
class LocalCloud:
    """Start with `start()`; every resource exists once it returns."""

    review_timeout_seconds: int = resources.DEFAULT_REVIEW_TIMEOUT_SECONDS
    # How long a failed message stays invisible before SQS offers it again.
    visibility_timeout_seconds: int = 30
    model_dir: Path | None = None
    policy_file: Path | None = None
    log_level: str = "WARNING"
    urls: dict[str, str] = field(default_factory=dict)
    arns: dict[str, str] = field(default_factory=dict)
    _mock: Any = None
    _pollers: list[SqsPoller] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _pump_lock: threading.Lock = field(default_factory=threading.Lock)

    # ----- lifecycle -----
    def start(self) -> LocalCloud:
        os.environ.update(LOCAL_ENVIRONMENT)
        os.environ["POWERTOOLS_LOG_LEVEL"] = self.log_level
        # The shared Logger may exist already (imported before start); the env var alone is read only at creation.
        logger.setLevel(self.log_level)
        # Handlers that add no metric make Powertools warn on every flush; locally that is only noise.
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        invoker.install()
        aws_clients.reset_clients()
        self._provision()
        # Optional settings of an earlier LocalCloud in this process must not leak into this one.
        for optional in (Env.MODEL_DIR, Env.POLICY_FILE):
            os.environ.pop(optional, None)
        os.environ.update(self.function_environment())
        current_settings.cache_clear()
        wiring.reset()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        invoker.uninstall()
        if self._mock:
            self._mock.stop()
        aws_clients.reset_clients()
        current_settings.cache_clear()
        wiring.reset()

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # ----- resources -----
    def _provision(self) -> None:
        ddb, sqs = client("dynamodb"), client("sqs")
        for table in (resources.LEADS_TABLE, resources.SIGNALS_TABLE):
            extra: dict[str, Any] = {}
            attributes = [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ]
            if table == resources.LEADS_TABLE:
                attributes += [
                    {"AttributeName": "review_queue", "AttributeType": "S"},
                    {"AttributeName": "review_created", "AttributeType": "S"},
                ]
                extra["GlobalSecondaryIndexes"] = [
                    {
                        "IndexName": resources.LEADS_PENDING_REVIEW_INDEX,
                        "KeySchema": [
                            {"AttributeName": "review_queue", "KeyType": "HASH"},
                            {"AttributeName": "review_created", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                ]
            ddb.create_table(
                TableName=table,
                KeySchema=[
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                AttributeDefinitions=attributes,
                BillingMode="PAY_PER_REQUEST",
                **extra,
            )
        queues = [
            (resources.SCORING_QUEUE, resources.SCORING_DLQ),
            (resources.REVIEW_QUEUE, resources.REVIEW_DLQ),
        ]
        queues += [(resources.action_queue_name(a), resources.action_dlq_name(a)) for a in RouteAction]
        for name, dlq in queues:
            dlq_url = sqs.create_queue(QueueName=dlq)["QueueUrl"]
            dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            url = sqs.create_queue(
                QueueName=name,
                Attributes={
                    "VisibilityTimeout": str(self.visibility_timeout_seconds),
                    "RedrivePolicy": json.dumps(
                        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": resources.MAX_RECEIVES}
                    ),
                },
            )["QueueUrl"]
            self.urls[name], self.urls[dlq] = url, dlq_url
            self.arns[name] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
        self.arns[resources.SDR_TOPIC] = client("sns").create_topic(Name=resources.SDR_TOPIC)["TopicArn"]
        client("events").create_event_bus(Name=resources.EVENT_BUS)
        role = client("iam").create_role(
            RoleName="leadqual-local",
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )["Role"]["Arn"]
        for spec in resources.ALL_FUNCTIONS:
            name = invoker.function_name(spec.name)
            self.arns[name] = client("lambda").create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role,
                Handler=spec.handler,
                Code={"ZipFile": _placeholder_zip()},
                Timeout=spec.timeout_seconds,
                MemorySize=spec.memory_mb,
            )["FunctionArn"]
        substitutions = {
            key: self.arns[invoker.function_name(spec.name)]
            for key, spec in resources.WORKFLOW_FUNCTIONS.items()
        }
        substitutions[REVIEW_QUEUE_URL] = self.urls[resources.REVIEW_QUEUE]
        self.arns[resources.STATE_MACHINE] = client("stepfunctions").create_state_machine(
            name=resources.STATE_MACHINE,
            definition=render(build_definition(self.review_timeout_seconds), substitutions),
            roleArn=role,
        )["stateMachineArn"]
        self._pollers = [
            SqsPoller(self.urls[resources.SCORING_QUEUE], self.arns[resources.SCORING_QUEUE],
                      invoker.function_name(resources.SCORE_FUNCTION.name), resources.SCORING_BATCH_SIZE),
            SqsPoller(self.urls[resources.REVIEW_QUEUE], self.arns[resources.REVIEW_QUEUE],
                      invoker.function_name(resources.REVIEW_REQUEST_FUNCTION.name), resources.REVIEW_BATCH_SIZE),
        ]  # fmt: skip

    def function_environment(self) -> dict[str, str]:
        environment = {
            Env.LEADS_TABLE: resources.LEADS_TABLE,
            Env.SIGNALS_TABLE: resources.SIGNALS_TABLE,
            Env.SCORING_QUEUE_URL: self.urls[resources.SCORING_QUEUE],
            Env.REVIEW_QUEUE_URL: self.urls[resources.REVIEW_QUEUE],
            Env.ACTION_QUEUE_URLS: json.dumps(
                {a.value: self.urls[resources.action_queue_name(a)] for a in RouteAction}
            ),
            Env.STATE_MACHINE_ARN: self.arns[resources.STATE_MACHINE],
            Env.SDR_TOPIC_ARN: self.arns[resources.SDR_TOPIC],
            Env.EVENT_BUS_NAME: resources.EVENT_BUS,
            Env.REVIEW_TIMEOUT_SECONDS: str(self.review_timeout_seconds),
        }
        if self.model_dir:
            environment[Env.MODEL_DIR] = str(self.model_dir)
        if self.policy_file:
            environment[Env.POLICY_FILE] = str(self.policy_file)
        return {str(k): v for k, v in environment.items()}

    # ----- running -----
    def pump(self) -> int:
        """One pass of every queue poller; returns how many messages were handled."""
        with self._pump_lock:
            return sum(poller.poll_once() for poller in self._pollers)

    def sweep_holds(self) -> list[str]:
        """Runs the hold-sweep function once, as its EventBridge schedule does in AWS."""
        result, errored = invoker.invoke_in_process(
            invoker.function_name(resources.HOLD_SWEEP_FUNCTION.name), {"source": "leadqual.local"}
        )
        if errored:
            raise RuntimeError(f"hold sweep failed: {result}")
        expired: list[str] = json.loads(result)["expired"]
        return expired

    def run_pollers(self, idle_wait_seconds: float = 0.05, sweep_every_seconds: float | None = None) -> None:
        """Polls in a background thread until `stop()`, like Lambda's event source mappings, and
        sweeps holds on the same schedule as in AWS (or `sweep_every_seconds`)."""
        every = sweep_every_seconds or resources.HOLD_SWEEP_EVERY_MINUTES * 60.0

        def loop() -> None:
            next_sweep = time.monotonic() + every
            while not self._stop.is_set():
                if time.monotonic() >= next_sweep:
                    self.sweep_holds()
                    next_sweep = time.monotonic() + every
                if self.pump() == 0:
                    self._stop.wait(idle_wait_seconds)

        self._thread = threading.Thread(target=loop, name="leadqual-sqs-pollers", daemon=True)
        self._thread.start()

    def executions(self, status: str | None = None) -> list[dict[str, Any]]:
        sfn = client("stepfunctions")
        params: dict[str, Any] = {"stateMachineArn": self.arns[resources.STATE_MACHINE], "maxResults": 1000}
        if status:
            params["statusFilter"] = status
        found: list[dict[str, Any]] = []
        while True:
            page = sfn.list_executions(**params)
            found.extend(page["executions"])
            if not page.get("nextToken"):
                return found
            params["nextToken"] = page["nextToken"]

    def queue_depth(self, name: str) -> int:
        attributes = client("sqs").get_queue_attributes(
            QueueUrl=self.urls[name],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def drain_queue(self, name: str) -> list[dict[str, Any]]:
        """Receives and deletes every message of a queue (the action queues have no consumer locally)."""
        sqs = client("sqs")
        bodies: list[dict[str, Any]] = []
        while True:
            messages = sqs.receive_message(QueueUrl=self.urls[name], MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                return bodies
            for message in messages:
                bodies.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.urls[name], ReceiptHandle=message["ReceiptHandle"])


def wait_until(
    condition: Callable[[], T | None], timeout: float = 30.0, interval: float = 0.05, what: str = "condition"
) -> T:
    """Polls `condition` until it returns something truthy; raises Timeout naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Timeout(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def _placeholder_zip() -> bytes:
    # moto requires a code package; the code that runs is the installed package (see invoker).
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "leadqual local mode runs the installed leadqual package in-process")
    return buffer.getvalue()
