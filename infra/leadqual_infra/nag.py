"""cdk-nag findings acknowledged on purpose, each with the reason it does not apply here.

Everything not listed fails the synth (cdk-nag 3 treats unacknowledged warnings as failures too).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from leadqual_infra.api import LeadApi
from leadqual_infra.workflow import LeadWorkflow


def _ack(scope: object, finding: str, reason: str) -> None:
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=finding, reason=reason))  # type: ignore[arg-type]


def _logical_id(stack: cdk.Stack, construct: Construct) -> str:
    return stack.get_logical_id(construct.node.default_child)  # type: ignore[arg-type]


def acknowledge_findings(
    stack: cdk.Stack,
    *,
    api: LeadApi,
    functions: list[lambda_.Function],
    workflow: LeadWorkflow,
    leads_table: Construct,
    dead_letter_queues: list[sqs.Queue],
) -> None:
    basic_role = "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"
    leads_index = f"AwsSolutions-IAM5[Resource::<{_logical_id(stack, leads_table)}.Arn>/index/*]"
    for function in functions:
        _ack(
            function,
            leads_index,
            "The table grant covers its own indexes (the pending-reviews index); no other table",
        )
        _ack(
            function,
            "Serverless-LambdaEventSourceMappingDestination",
            "Failed SQS messages go to the source queue's DLQ (redrive policy), which is alarmed",
        )
        _ack(
            function,
            basic_role,
            "The AWS managed basic execution role only lets the function write its own CloudWatch logs",
        )
        _ack(
            function,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions",
        )
        _ack(
            function,
            "AwsSolutions-L1",
            "Python 3.13 is pinned: the onnxruntime/numpy wheels the scoring bundle needs are verified for it",
        )
        _ack(
            function,
            "Serverless-LambdaLatestVersion",
            "Python 3.13 is pinned: the onnxruntime/numpy wheels are verified for it",
        )
        _ack(
            function,
            "Serverless-LambdaDLQ",
            "Never invoked asynchronously: API Gateway and Step Functions call it synchronously, SQS mappings use the queues' alarmed DLQs",
        )
        _ack(
            function,
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "grant_publish on the KMS-encrypted SNS topic; scoped to that one key",
        )
    leads_index = "AwsSolutions-IAM5[Resource::<StorageLeadsTableDF8DD650.Arn>/index/*]"
    for function in functions:
        _ack(
            function,
            leads_index,
            "The table grant covers its own indexes (the pending-reviews index); no other table",
        )
        _ack(
            function,
            "Serverless-LambdaEventSourceMappingDestination",
            "Failed SQS messages go to the source queue's DLQ (redrive policy), which is alarmed",
        )
    for task in workflow.functions:
        arn = stack.get_logical_id(task.node.default_child)  # type: ignore[arg-type]
        _ack(
            workflow.state_machine,
            f"AwsSolutions-IAM5[Resource::<{arn}.Arn>:*]",
            "Invoke on the task function's versions and aliases only",
        )
    _ack(
        workflow.state_machine,
        "AwsSolutions-IAM5[Resource::*]",
        "X-Ray tracing actions support no resource-level permissions",
    )
    for dlq in dead_letter_queues:
        _ack(
            dlq,
            "Serverless-SQSRedrivePolicy",
            "This queue is itself a dead-letter queue; it is alarmed instead",
        )
        _ack(dlq, "AwsSolutions-SQS3", "This queue is itself a dead-letter queue")
    rest_api = api.rest_api
    _ack(
        rest_api,
        "AwsSolutions-APIG2",
        "Bodies are validated by the handler's pydantic models, which name each bad field in the api.md error shape",
    )
    _ack(
        rest_api,
        "AwsSolutions-APIG3",
        "WAF rules are organisation-specific: attach your web ACL to the v1 stage (README, Deploy)",
    )
    _ack(
        rest_api,
        "AwsSolutions-APIG4",
        "Form handlers authenticate with an API key and a throttled usage plan, as api.md specifies",
    )
    _ack(
        rest_api,
        "AwsSolutions-COG4",
        "api.md authorises with API keys (forms) and IAM (RevOps, SDR tools, CRM sync), not a Cognito pool",
    )
    _ack(
        rest_api,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
        "API Gateway's account-level logging role, needed for execution logs",
    )
