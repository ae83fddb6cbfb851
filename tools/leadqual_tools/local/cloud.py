"""leadqual's AWS resources inside embedded moto: the same names, definition and handlers as in AWS.

Used by `leadqual serve`, `make demo` and the integration and end-to-end tests.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import threading
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import botocore
from moto import mock_aws
from moto.sqs.models import sqs_backends

from leadqual import resources, wiring
from leadqual.adapters import aws_clients
from leadqual.adapters.aws_clients import client
from leadqual.connections import load_connections
from leadqual.observability import logger
from leadqual.resources import API_FUNCTION, Env
from leadqual_tools.local import faults, invoker, moto_fixes
from leadqual_tools.local.iam import ArnBook, IamEnforcer, Statement
from leadqual_tools.local.sqs_poller import SqsPoller
from leadqual_tools.local.stack_template import (
    ACCOUNT,
    CACHE,
    REGION,
    Physical,
    Resolver,
    StackTemplate,
    checkout_path,
    synthesize,
)

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

# Template property -> SQS attribute name.
QUEUE_ATTRIBUTES = {
    "VisibilityTimeout": "VisibilityTimeout",
    "MessageRetentionPeriod": "MessageRetentionPeriod",
    "FifoQueue": "FifoQueue",
    "ContentBasedDeduplication": "ContentBasedDeduplication",
}


# How often the pollers look for SLA steps now due (EventBridge Scheduler fires to the minute).
SCHEDULES_EVERY_SECONDS = 0.5
# How often a request held by `wait_for_room` looks at the backlog again.
BACKLOG_POLL_SECONDS = 0.02
# How long stopping waits for the workflows still running to notice and end their current step.
WORKFLOW_STOP_SECONDS = 10.0


class Timeout(AssertionError):
    pass


def _arn_for(resource_type: str, name: str) -> str:
    service = resource_type.split("::")[1].lower()
    kind = {"AWS::StepFunctions::StateMachine": "stateMachine:"}.get(resource_type, "")
    service = {"stepfunctions": "states"}.get(service, service)
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{kind}{name}"


@dataclass
class LocalCloud:
    """Start with `start()`; every resource exists once it returns."""

    review_timeout_seconds: int = resources.DEFAULT_REVIEW_TIMEOUT_SECONDS
    # How long a failed message stays invisible before SQS offers it again (None: the template's).
    visibility_timeout_seconds: int | None = None
    model_dir: Path | None = None
    policy_file: Path | None = None
    log_level: str = "WARNING"
    # The stack's ConsoleUrl parameter: where review e-mails link (`leadqual serve` gives its own address).
    console_url: str = "http://127.0.0.1:8000/console/"
    # "none": `leadqual serve` signs no one in. "cognito": the API acts as deployed and reads the
    # person from the claims API Gateway's authorizer passes (tests give them: there is no pool).
    console_sign_in: str = "none"
    # With "cognito": where the page is sent to sign in, and the app client it names (tests give
    # a stand-in hosted UI; the user pool itself is not stood up locally).
    sign_in_url: str = ""
    sign_in_client_id: str = ""
    # The connections file (`leadqual serve --connections`): the CRM the writer talks to. Its
    # credentials are copied from their environment variables into the secrets it names, in moto,
    # so the CRM writer reads them from Secrets Manager as it does in AWS.
    connections_file: Path | None = None
    # Who alert e-mails come from (SES, in moto: `sent_emails()` reads what went out).
    alerts_from_email: str = "leadqual-alerts@team.example"
    # The synthesized template to stand up (default: synthesize the stack as `cdk deploy` would).
    template: dict[str, Any] | None = None
    urls: dict[str, str] = field(default_factory=dict)
    arns: dict[str, str] = field(default_factory=dict)
    logging: dict[str, Any] = field(default_factory=dict)
    stack: StackTemplate | None = None
    _deployment: invoker.Deployment = field(default_factory=lambda: invoker.DEPLOYED)
    _mock: Any = None
    _pollers: list[SqsPoller] = field(default_factory=list)
    _held: set[str] = field(default_factory=set)  # queue URLs whose event source is held
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _pump_lock: threading.Lock = field(default_factory=threading.Lock)
    _admission_lock: threading.Lock = field(default_factory=threading.Lock)
    _schedules: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> as Scheduler holds it
    _schedules_looked_at: float = 0.0

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
        faults.install()
        moto_fixes.install()
        aws_clients.reset_clients()
        # Optional settings of an earlier LocalCloud in this process must not leak into this one.
        for optional in (Env.MODEL_DIR, Env.POLICY_FILE, Env.CONNECTIONS_FILE):
            os.environ.pop(optional, None)
        self._provision()
        aws_clients.CLIENT_HOOKS[:] = [
            ("before-parameter-build", self.iam.before_call),
            # moto reads no signature (the account is its default, ACCOUNT), and SigV4 signing was a
            # tenth of the local process's time under load: requests to moto go unsigned.
            ("choose-signer", _unsigned),
        ]
        aws_clients.reset_clients()
        os.environ.update(self.function_environment())
        wiring.reset()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        faults.uninstall()
        try:
            # Tests stand up many local clouds in one process, one after another: a workflow thread
            # left running would invoke the next cloud's functions, or send to its queues, which
            # have the same names.
            moto_fixes.end_executions(WORKFLOW_STOP_SECONDS)
        finally:  # whatever happens, the next cloud in this process starts from nothing
            invoker.uninstall()
            moto_fixes.uninstall()
            if self._mock:
                self._mock.stop()
        aws_clients.CLIENT_HOOKS.clear()
        aws_clients.reset_clients()
        wiring.reset()

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # ----- resources: the synthesized template, stood up in moto -----
    def _provision(self) -> None:
        stack = StackTemplate(self.template or synthesize(self.synth_context()))
        self.stack = stack
        physical: dict[str, Physical] = {}
        resolve = Resolver.of(stack, physical, {"ConsoleUrl": self.console_url})
        self._create_tables(stack, physical)
        self._create_queues(stack, physical, resolve)
        for logical_id, _ in stack.of_type("AWS::SNS::Topic"):
            arn = client("sns").create_topic(Name=stack.name_of(logical_id))["TopicArn"]
            physical[logical_id] = Physical(arn, {"TopicName": stack.name_of(logical_id), "TopicArn": arn})
            self.arns[stack.name_of(logical_id)] = arn
        for logical_id, _ in stack.of_type("AWS::SecretsManager::Secret"):
            # A secret the stack generates (the link key): generated here, as CloudFormation would.
            arn = client("secretsmanager").create_secret(
                Name=stack.name_of(logical_id), SecretString=secrets.token_urlsafe(48)
            )["ARN"]
            physical[logical_id] = Physical(arn, {"Arn": arn})
        for logical_id, properties in stack.of_type("AWS::SES::EmailIdentity"):
            # SES holds the sender as verified once its owner clicked the mail it sent; moto at once.
            client("ses").verify_email_identity(EmailAddress=properties["EmailIdentity"])
            physical[logical_id] = Physical(properties["EmailIdentity"], {})
        for logical_id, properties in stack.of_type("AWS::Scheduler::ScheduleGroup"):
            arn = client("scheduler").create_schedule_group(Name=properties["Name"])["ScheduleGroupArn"]
            physical[logical_id] = Physical(properties["Name"], {"Arn": arn, "Name": properties["Name"]})
        for logical_id, properties in stack.of_type("AWS::Events::EventBus"):
            name = properties.get("Name") or stack.name_of(logical_id)
            arn = client("events").create_event_bus(Name=name)["EventBusArn"]
            physical[logical_id] = Physical(name, {"Arn": arn, "Name": name})
        for logical_id, properties in stack.of_type("AWS::IAM::Role"):
            role = client("iam").create_role(
                RoleName=logical_id[:64],
                AssumeRolePolicyDocument=json.dumps(properties.get("AssumeRolePolicyDocument", {})),
            )["Role"]
            physical[logical_id] = Physical(role["RoleName"], {"Arn": role["Arn"]})
        # Everything else a policy or an environment may name, with the ARN AWS would give it.
        for logical_id, resource in stack.resources.items():
            if logical_id not in physical:
                name = stack.name_of(logical_id)
                arn = _arn_for(resource["Type"], name)
                physical[logical_id] = Physical(
                    arn if resource["Type"] == "AWS::StepFunctions::StateMachine" else name,
                    {"Arn": arn, "Name": name},
                )
        self._create_functions(stack, physical, resolve)
        self._create_state_machine(stack, physical, resolve)
        self._load_policies(stack, physical, resolve, self._create_secrets())
        self._pollers = [
            SqsPoller(self.urls[queue], self.arns[queue], function, batch_size, self._deployment.iam)
            for queue, function, batch_size in self._event_sources(stack, physical, resolve)
        ]

    def synth_context(self) -> dict[str, Any]:
        context: dict[str, Any] = {
            "leadqual:reviewTimeoutSeconds": self.review_timeout_seconds,
            "leadqual:alertsFromEmail": self.alerts_from_email,
        }
        if self.connections_file:
            context["leadqual:connectionsFile"] = str(_template_connections(self.connections_file))
        return context

    def _create_secrets(self) -> dict[str, str]:
        """The connections file's secrets, from the environment variables that hold them locally;
        a credential not set is not created (the writer then says the secret is missing)."""
        if not self.connections_file:
            return {}
        arns: dict[str, str] = {}
        for name, env in load_connections(self.connections_file).secret_names().items():
            if isinstance(env, str):
                value = os.environ.get(env)
            else:
                parts = {key: os.environ.get(variable) for key, variable in env.items()}
                value = json.dumps(parts) if all(parts.values()) else None
            if value:
                arns[name] = client("secretsmanager").create_secret(Name=name, SecretString=value)["ARN"]
        return arns

    def _create_tables(self, stack: StackTemplate, physical: dict[str, Physical]) -> None:
        ddb = client("dynamodb")
        for logical_id, properties in stack.of_type("AWS::DynamoDB::GlobalTable"):
            name = stack.name_of(logical_id)
            extra: dict[str, Any] = {}
            if properties.get("GlobalSecondaryIndexes"):
                extra["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
            arn = ddb.create_table(
                TableName=name,
                KeySchema=properties["KeySchema"],
                AttributeDefinitions=properties["AttributeDefinitions"],
                BillingMode=properties.get("BillingMode", "PAY_PER_REQUEST"),
                **extra,
            )["TableDescription"]["TableArn"]
            if ttl := properties.get("TimeToLiveSpecification"):
                ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
            physical[logical_id] = Physical(name, {"Arn": arn})
            self.arns[name] = arn

    def _create_queues(self, stack: StackTemplate, physical: dict[str, Physical], resolve: Resolver) -> None:
        sqs = client("sqs")
        queues = list(stack.of_type("AWS::SQS::Queue"))
        # Dead-letter queues first: the others name them in their redrive policy.
        for logical_id, properties in sorted(queues, key=lambda q: "RedrivePolicy" in q[1]):
            name = stack.name_of(logical_id)
            attributes = {
                key: str(properties[template_key])
                for key, template_key in QUEUE_ATTRIBUTES.items()
                if template_key in properties
            }
            if "RedrivePolicy" in properties:
                attributes["RedrivePolicy"] = json.dumps(resolve(properties["RedrivePolicy"]))
                if self.visibility_timeout_seconds is not None:
                    attributes["VisibilityTimeout"] = str(self.visibility_timeout_seconds)
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            physical[logical_id] = Physical(url, {"Arn": arn, "QueueName": name, "QueueUrl": url})
            self.urls[name], self.arns[name] = url, arn

    def _create_functions(
        self, stack: StackTemplate, physical: dict[str, Physical], resolve: Resolver
    ) -> None:
        functions: dict[str, invoker.LocalFunction] = {}
        for logical_id, properties in stack.of_type("AWS::Lambda::Function"):
            name = stack.name_of(logical_id)
            variables = {
                k: str(resolve(v))
                for k, v in properties["Environment"]["Variables"].items()
                if k not in NOT_CREATED_LOCALLY
            }
            variables.update(self._local_overrides(variables, properties["Handler"]))
            role = physical[properties["Role"]["Fn::GetAtt"][0]]
            arn = client("lambda").create_function(
                FunctionName=name,
                Runtime=properties["Runtime"],
                Role=role.attributes["Arn"],
                Handler=properties["Handler"],
                Code={"ZipFile": _placeholder_zip()},
                Timeout=properties["Timeout"],
                MemorySize=properties["MemorySize"],
                Environment={"Variables": variables},
            )["FunctionArn"]
            physical[logical_id] = Physical(name, {"Arn": arn})
            self.arns[name] = arn
            functions[name] = invoker.LocalFunction(
                name=name,
                arn=arn,
                handler=properties["Handler"],
                memory_mb=properties["MemorySize"],
                timeout_seconds=properties["Timeout"],
                variables={**os.environ, **variables},
            )
        self._deployment.functions = functions

    def _local_overrides(self, variables: dict[str, str], handler: str) -> dict[str, str]:
        """The few settings that must differ locally: where the bundle's files are in the checkout,
        and, for the API, that `leadqual serve` signs no one in (the console asks for a name)."""
        overrides = {"POWERTOOLS_LOG_LEVEL": self.log_level}
        if handler == API_FUNCTION.handler:
            overrides |= {Env.CONSOLE_SIGN_IN: self.console_sign_in, Env.CONSOLE_REFRESH_SECONDS: "2"}
            if self.sign_in_url:
                overrides |= {
                    Env.SIGN_IN_URL: self.sign_in_url,
                    Env.SIGN_IN_CLIENT_ID: self.sign_in_client_id,
                }
        bundled_model = variables.get(Env.MODEL_DIR)
        if self.model_dir:
            overrides[Env.MODEL_DIR] = str(self.model_dir)
        elif bundled_model:
            overrides[Env.MODEL_DIR] = str(checkout_path(bundled_model))
        if self.policy_file:
            overrides[Env.POLICY_FILE] = str(self.policy_file)
        if self.connections_file:
            overrides[Env.CONNECTIONS_FILE] = str(self.connections_file)
        return overrides

    def _create_state_machine(
        self, stack: StackTemplate, physical: dict[str, Physical], resolve: Resolver
    ) -> None:
        (logical_id, properties), *others = stack.of_type("AWS::StepFunctions::StateMachine")
        assert not others, "one state machine"
        definition = str(resolve(properties["DefinitionString"]))
        for placeholder, value in resolve(properties.get("DefinitionSubstitutions", {})).items():
            definition = definition.replace(f"${{{placeholder}}}", str(value))
        role = physical[properties["RoleArn"]["Fn::GetAtt"][0]]
        name = stack.name_of(logical_id)
        arn = client("stepfunctions").create_state_machine(
            name=name, definition=definition, roleArn=role.attributes["Arn"]
        )["stateMachineArn"]
        physical[logical_id] = Physical(arn, {"Arn": arn, "Name": name})
        self.arns[name] = arn
        self.logging = properties.get("LoggingConfiguration", {})

    def _load_policies(
        self,
        stack: StackTemplate,
        physical: dict[str, Physical],
        resolve: Resolver,
        secret_arns: dict[str, str],
    ) -> None:
        """Each function's (and the state machine's) statements, by the role it runs as."""
        principals: dict[str, str] = {}
        for logical_id, properties in [
            *stack.of_type("AWS::Lambda::Function"),
            *stack.of_type("AWS::StepFunctions::StateMachine"),
        ]:
            role = properties.get("Role") or properties["RoleArn"]
            principals[role["Fn::GetAtt"][0]] = stack.name_of(logical_id)
        policies: dict[str, list[Statement]] = {name: [] for name in principals.values()}
        for _, properties in stack.of_type("AWS::IAM::Policy"):
            for role in properties["Roles"]:
                if role["Ref"] in principals:
                    policies[principals[role["Ref"]]] += [
                        Statement.of(resolve(statement))
                        for statement in properties["PolicyDocument"]["Statement"]
                    ]
        book = ArnBook(
            table_arns={name: arn for name, arn in self.arns.items() if ":dynamodb:" in arn},
            state_machine_arns=[self.arns[resources.STATE_MACHINE]],
            secret_arns=secret_arns,
        )
        self._deployment.iam = IamEnforcer(book, policies)
        self._deployment.state_machine_principal = resources.STATE_MACHINE

    def _event_sources(
        self, stack: StackTemplate, physical: dict[str, Physical], resolve: Resolver
    ) -> list[tuple[str, str, int]]:
        by_arn = {arn: name for name, arn in self.arns.items()}
        return [
            (by_arn[resolve(properties["EventSourceArn"])], resolve(properties["FunctionName"]),
             int(properties.get("BatchSize", 10)))
            for _, properties in stack.of_type("AWS::Lambda::EventSourceMapping")
        ]  # fmt: skip

    @contextmanager
    def inside(self, function: str) -> Iterator[None]:
        """Runs the block in `function`'s execution environment (its settings and what it has built)."""
        with self._deployment.functions[function].environment():
            yield

    @property
    def faults(self) -> faults.FaultInjector:
        """AWS errors on demand, answered where moto answers botocore (see leadqual_tools.local.faults)."""
        return faults.INJECTOR

    @property
    def iam(self) -> IamEnforcer:
        assert self._deployment.iam is not None, "start() first"
        return self._deployment.iam

    def function_environment(self) -> dict[str, str]:
        """Every function's settings together: the operator's own view (tests, demo, CLI in-process)."""
        merged: dict[str, str] = {}
        for function in self._deployment.functions.values():
            merged.update({k: v for k, v in function.variables.items() if k.startswith("LEADQUAL_")})
        return merged

    # ----- running -----
    def backlog(self) -> int:
        """Work the pipeline has not done yet: messages waiting in (or being handled from) the
        queues Lambda polls, and invocations of the pipeline's functions running now."""
        queues = sqs_backends[ACCOUNT][REGION].queues
        waiting = sum(len(queues[poller.queue_url.rsplit("/", 1)[1]]._messages) for poller in self._pollers)
        api = resources.function_name(resources.API_FUNCTION.name)
        return waiting + sum(f.running for name, f in self._deployment.functions.items() if name != api)

    def wait_for_room(self, backlog_limit: int, longest_wait_seconds: float = 30.0) -> None:
        """Returns once the backlog is under `backlog_limit` (or after `longest_wait_seconds`).

        In AWS, each stage of the pipeline scales out with its load; here one process does all of
        them, so a stage that takes work faster than the next can do it only grows a queue. The
        local server calls this before it takes a new lead: a client then waits for room, and a lead
        accepted is one the pipeline gets to at once.
        """
        deadline = time.monotonic() + longest_wait_seconds
        # One held request looks at the backlog at a time; the others queue behind it, in turn.
        with self._admission_lock:
            while self.backlog() >= backlog_limit and time.monotonic() < deadline:
                self._stop.wait(BACKLOG_POLL_SECONDS)

    def pump(self) -> int:
        """One pass of every queue poller (after sending the SLA steps now due); returns how many
        messages were handled."""
        with self._pump_lock:
            self.fire_due_schedules()
            return sum(poller.poll_once() for poller in self._pollers if poller.queue_url not in self._held)

    def fire_due_schedules(self, now: datetime | None = None) -> int:
        """What EventBridge Scheduler does in AWS and moto does not: each one-time schedule now due
        sends its input to its SQS target, then deletes itself (ActionAfterCompletion DELETE).
        Returns how many fired."""
        scheduler, sqs = client("scheduler"), client("sqs")
        at = now or datetime.now(UTC)
        if now is None and time.monotonic() < self._schedules_looked_at + SCHEDULES_EVERY_SECONDS:
            return 0  # Scheduler's own granularity is coarser still: no need to look on every pump
        self._schedules_looked_at = time.monotonic()
        fired = 0
        listing = scheduler.list_schedules(GroupName=resources.SLA_SCHEDULE_GROUP).get("Schedules", [])
        held = {listed["Name"] for listed in listing}
        self._schedules = {
            name: known for name, known in self._schedules.items() if name in held
        }  # deleted: gone
        for listed in listing:
            name = listed["Name"]
            if name not in self._schedules:  # a one-time schedule's time and target never change
                self._schedules[name] = scheduler.get_schedule(
                    Name=name, GroupName=resources.SLA_SCHEDULE_GROUP
                )
            schedule = self._schedules[name]
            expression = schedule["ScheduleExpression"]  # at(yyyy-mm-ddThh:mm:ss), in UTC
            if datetime.fromisoformat(expression[3:-1]).replace(tzinfo=UTC) > at:
                continue
            del self._schedules[name]
            target = schedule["Target"]
            queue = target["Arn"].rsplit(":", 1)[-1]
            sqs.send_message(
                QueueUrl=self.urls[queue], MessageBody=target["Input"],
                MessageGroupId=target["SqsParameters"]["MessageGroupId"],
                # As content-based deduplication would: the same step sent twice is dropped.
                MessageDeduplicationId=hashlib.sha256(target["Input"].encode()).hexdigest(),
            )  # fmt: skip
            scheduler.delete_schedule(Name=listed["Name"], GroupName=resources.SLA_SCHEDULE_GROUP)
            fired += 1
        return fired

    def hold_event_source(self, queue: str) -> None:
        """Stops polling `queue`, as disabling its event source mapping does in AWS (`make
        bench-crm` lets a backlog build, then releases it at once)."""
        self._held.add(self.urls[queue])

    def release_event_source(self, queue: str) -> None:
        self._held.discard(self.urls[queue])

    def sweep_holds(self) -> list[str]:
        """Runs the hold-sweep function once, as its EventBridge schedule does in AWS."""
        result, errored = invoker.invoke_in_process(
            resources.function_name(resources.HOLD_SWEEP_FUNCTION.name), {"source": "leadqual_tools.local"}
        )
        if errored:
            raise RuntimeError(f"hold sweep failed: {result}")
        expired: list[str] = json.loads(result)["expired"]
        return expired

    def read_crm(self, reconcile: bool = False) -> dict[str, int]:
        """Runs the CRM reader once, as its EventBridge schedules do in AWS (every few minutes, and
        nightly with `reconcile`); what it read and recorded."""
        result, errored = invoker.invoke_in_process(
            resources.function_name(resources.CRM_READ_FUNCTION.name), {"reconcile": reconcile}
        )
        if errored:
            raise RuntimeError(f"CRM read failed: {result}")
        read: dict[str, int] = json.loads(result)
        return read

    def run_pollers(
        self,
        idle_wait_seconds: float = 0.05,
        sweep_every_seconds: float | None = None,
        crm_read_every_seconds: float | None = None,
    ) -> None:
        """Polls in a background thread until `stop()`, like Lambda's event source mappings; sweeps
        holds and reads the CRM on the same schedules as in AWS (or every `*_every_seconds`)."""
        every = sweep_every_seconds or resources.HOLD_SWEEP_EVERY_MINUTES * 60.0
        read_every = crm_read_every_seconds or resources.CRM_READ_EVERY_MINUTES * 60.0

        def loop() -> None:
            next_sweep = time.monotonic() + every
            next_read = time.monotonic() + read_every
            while not self._stop.is_set():
                if time.monotonic() >= next_sweep:
                    self.sweep_holds()
                    next_sweep = time.monotonic() + every
                if time.monotonic() >= next_read:
                    try:
                        self.read_crm()
                    except RuntimeError as failed:  # as in AWS: the next run reads from the same watermark
                        logger.warning(
                            "CRM read failed; the next one reads from the same watermark", error=str(failed)
                        )
                    next_read = time.monotonic() + read_every
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

    def inventory(self) -> dict[str, Any]:
        """What the local cloud holds: every queue's depth and the executions by status."""
        statuses: dict[str, int] = {}
        for execution in self.executions():
            statuses[execution["status"]] = statuses.get(execution["status"], 0) + 1
        return {
            "queues": {name: self.queue_depth(name) for name in sorted(self.urls)},
            "executions": statuses,
            "cold_starts": {name: f.cold_starts for name, f in self._deployment.functions.items()},
        }

    @property
    def stopping(self) -> threading.Event:
        """Set once `stop()` begins: what background watchers wait on."""
        return self._stop

    def sent_emails(self) -> list[dict[str, Any]]:
        """What SES sent (moto keeps it): each with `destinations`, `subject` and `body`."""
        from moto.ses.models import ses_backends

        backend = ses_backends[ACCOUNT][REGION]
        return [
            {"destinations": m.destinations, "subject": m.subject, "body": m.body}
            for m in backend.sent_messages
        ]

    def sdr_emails(self) -> list[tuple[str, str]]:
        """(subject, message) of every notification the SDR topic sent: what the SDRs' inboxes got.
        Locally the topic has no subscriber; moto keeps what was published to it."""
        from moto.sns.models import sns_backends

        topic = sns_backends[ACCOUNT][REGION].topics[self.arns[resources.SDR_TOPIC]]
        return [(subject or "", message) for _, message, subject, _, _ in topic.sent_notifications]

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


def _template_connections(connections_file: Path) -> Path:
    """What of the connections file shapes the template: the systems and the secrets it names (the
    grants). Synthesized from a copy with those alone, so that a stand-in's port, which differs on
    every run, does not make a new template (the functions read the file itself, Env.CONNECTIONS_FILE)."""
    connections = load_connections(connections_file)
    shape = {
        system: {key: value for key, value in block.items() if key.endswith("_secret")}
        for system, block in connections.model_dump(mode="json", exclude_none=True).items()
    }
    text = json.dumps(shape, sort_keys=True)
    copy = CACHE / f"connections-{hashlib.sha256(text.encode()).hexdigest()[:16]}.yaml"
    if not copy.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        copy.write_text(text, encoding="utf-8")  # JSON is YAML
    return copy


def _unsigned(**_: Any) -> Any:
    return botocore.UNSIGNED


# Settings that name what the local mode does not stand up (the console's user pool: `leadqual
# serve` signs no one in, and says so).
NOT_CREATED_LOCALLY = frozenset({Env.SIGN_IN_URL, Env.SIGN_IN_CLIENT_ID})


def _placeholder_zip() -> bytes:
    # moto requires a code package; the code that runs is the installed package (see invoker).
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "leadqual local mode runs the installed leadqual package in-process")
    return buffer.getvalue()
