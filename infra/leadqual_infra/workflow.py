"""The lead workflow: routing tasks, the human-review wait, dispatch targets, and the state machine.

The definition is `leadqual.workflow.definition.build_definition`, the same one the local mode runs.
"""

from __future__ import annotations

import json

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from leadqual import resources
from leadqual.domain.schemas.vocabulary import RouteAction
from leadqual.workflow.definition import REVIEW_QUEUE_URL, build_definition
from leadqual_infra.functions import LOG_RETENTION, FunctionFactory
from leadqual_infra.naming import name_resource
from leadqual_infra.queues import queue_with_dlq


class DispatchTargets(Construct):
    """One queue per routing action for downstream consumers (CRM, sequencer), and the event bus."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.queues: dict[RouteAction, sqs.Queue] = {}
        self.dead_letter_queues: list[sqs.Queue] = []
        for action in RouteAction:
            queue, dlq = queue_with_dlq(
                self,
                f"{action.value.title().replace('_', '')}Queue",
                name=resources.action_queue_name(action),
                visibility_timeout=Duration.minutes(5),
            )
            self.queues[action] = queue
            self.dead_letter_queues.append(dlq)
        self.bus = events.EventBus(self, "EventBus", event_bus_name=resources.EVENT_BUS)
        name_resource(self.bus, resources.EVENT_BUS)

    def queue_urls_json(self) -> str:
        return json.dumps({action.value: queue.queue_url for action, queue in self.queues.items()})


class LeadWorkflow(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        factory: FunctionFactory,
        review_queue: sqs.IQueue,
        review_timeout_seconds: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.task_functions: dict[str, lambda_.Function] = {
            placeholder: factory.create(self, spec)
            for placeholder, spec in resources.WORKFLOW_FUNCTIONS.items()
        }
        log_group = logs.LogGroup(
            self, "StateMachineLogs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        substitutions = {placeholder: fn.function_arn for placeholder, fn in self.task_functions.items()}
        substitutions[REVIEW_QUEUE_URL] = review_queue.queue_url
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(
                json.dumps(build_definition(review_timeout_seconds))
            ),
            definition_substitutions=substitutions,
            tracing_enabled=True,
            # Errors only, and never execution data: a TaskScheduled event carries the review's task
            # token, and inputs are kept 90 days in the execution history besides.
            logs=sfn.LogOptions(
                destination=log_group, level=sfn.LogLevel.ERROR, include_execution_data=False
            ),
            # Retained: deleting a state machine stops its executions, and a review waiting in one
            # would never be delivered. A definition change updates it in place (waiting executions
            # keep their version); a replacement leaves the old one finishing its waiting reviews.
            removal_policy=RemovalPolicy.RETAIN,
        )
        name_resource(self.state_machine, resources.STATE_MACHINE)
        for function in self.task_functions.values():
            function.grant_invoke(self.state_machine)
        review_queue.grant_send_messages(self.state_machine)

    @property
    def functions(self) -> list[lambda_.Function]:
        return list(self.task_functions.values())
