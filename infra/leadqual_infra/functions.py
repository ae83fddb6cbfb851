"""One way to make a leadqual Lambda function: tracing, explicit log retention, validated settings."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from leadqual.resources import RUNTIME_ENVIRONMENT, Bundle, FunctionSpec, function_name
from leadqual_infra.bundling import RUNTIME, function_code
from leadqual_infra.naming import name_resource

LOG_RETENTION = logs.RetentionDays.ONE_MONTH


class FunctionFactory:
    """Shares the two code bundles between functions so each is built once per synth."""

    def __init__(
        self,
        *,
        architecture: str,
        model_dir: Path,
        policy_file: Path,
        connections_file: Path | None,
        environment: dict[str, str],
    ):
        self.policy_file = policy_file
        self.connections_file = connections_file
        self.architecture = architecture
        self.model_dir = model_dir
        self.environment = environment
        self._code: dict[Bundle, lambda_.Code] = {}

    def code(self, bundle: Bundle) -> lambda_.Code:
        if bundle not in self._code:
            self._code[bundle] = function_code(
                bundle=bundle,
                architecture=self.architecture,
                model_dir=self.model_dir,
                policy_file=self.policy_file,
                connections_file=self.connections_file,
            )
        return self._code[bundle]

    def create(
        self,
        scope: Construct,
        spec: FunctionSpec,
        extra_environment: Mapping[str, str] | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
    ) -> lambda_.Function:
        """`dead_letter_queue`: for a function invoked asynchronously (a schedule), where an event
        lands after Lambda's own retries of a failed invocation."""
        construct_id = "".join(part.title() for part in spec.name.split("-")) + "Function"
        log_group = logs.LogGroup(
            scope, f"{construct_id}Logs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        function = lambda_.Function(
            scope,
            construct_id,
            description=spec.description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64
            if self.architecture == "arm64"
            else lambda_.Architecture.X86_64,
            handler=spec.handler,
            code=self.code(spec.bundle),
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_seconds),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            dead_letter_queue=dead_letter_queue,
            environment={
                **RUNTIME_ENVIRONMENT,
                "POWERTOOLS_LOG_LEVEL": "INFO",
                **self.environment,
                **(extra_environment or {}),
            },
        )
        name_resource(function, function_name(spec.name))
        return function
