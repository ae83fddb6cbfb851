"""cdk-nag and CloudFormation template findings acknowledged on purpose, each with the reason it
does not apply here.

Everything not listed fails the synth (cdk-nag 3 treats unacknowledged warnings as failures too, and
cdk.json's `@aws-cdk/core:validateAgainstDefaultRules` does the same for CloudFormation's checks).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from leadqual import resources
from leadqual_infra.api import LeadApi
from leadqual_infra.workflow import LeadWorkflow

PINNED_RUNTIME = (
    "Python 3.13 is pinned: the onnxruntime/numpy wheels the scoring bundle needs are verified for it"
)
XRAY = "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions"

FUNCTION_FINDINGS: dict[str, str] = {
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]": (
        "The AWS managed basic execution role only lets the function write its own CloudWatch logs"
    ),
    "AwsSolutions-IAM5[Resource::*]": XRAY,
    "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]": "grant_publish on the KMS-encrypted SNS topic; scoped to that one key",
    "AwsSolutions-L1": PINNED_RUNTIME,
    "Serverless-LambdaLatestVersion": PINNED_RUNTIME,
    "Serverless-LambdaEventSourceMappingDestination": (
        "Failed SQS messages go to the source queue's DLQ (redrive policy), which is alarmed"
    ),
}
# Only for the functions without a dead-letter queue of their own: the hold sweep, which its
# schedule invokes asynchronously, has one.
SYNCHRONOUS_ONLY = {
    "Serverless-LambdaDLQ": (
        "Never invoked asynchronously: API Gateway and Step Functions call it synchronously, "
        "SQS mappings use the queues' alarmed DLQs"
    ),
}
DLQ_FINDINGS: dict[str, str] = {
    "Serverless-SQSRedrivePolicy": "This queue is itself a dead-letter queue; it is alarmed instead",
    "AwsSolutions-SQS3": "This queue is itself a dead-letter queue",
}
API_FINDINGS: dict[str, str] = {
    "AwsSolutions-APIG2": "Bodies are validated by the handler's pydantic models, which name each bad field in the error shape of docs/api.md",
    "AwsSolutions-APIG3": "WAF rules are organisation-specific: attach your web ACL to the v1 stage (README, Deploy)",
    "AwsSolutions-APIG4": (
        "Form handlers authenticate with an API key and a throttled usage plan, as docs/api.md says; the "
        "console's files (/console/...) hold no data, and the calls they make for data are authorised; "
        "HubSpot's webhook (/crm/hubspot/events) is checked by its signature (X-HubSpot-Signature-v3) "
        "before anything is done"
    ),
    "AwsSolutions-COG4": (
        "docs/api.md: people in the console call /console/api/... through the user pool's authorizer; "
        "form handlers use API keys and machine callers (intent feed, SDR tools, CRM sync) IAM, which a "
        "Cognito authorizer would not admit"
    ),
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]": (
        "API Gateway's account-level logging role, needed for execution logs"
    ),
}

# CloudFormation's validator reads the console's address with the ConsoleUrl parameter's empty
# default; but the address is that parameter only when it is given (ConsoleUrlGiven), and the API's
# own /console/ otherwise, so it is never empty.
CONSOLE_ADDRESS = "The callback and logout address is ConsoleUrl only when that is not empty"
CONSOLE_CLIENT_FINDINGS: dict[str, str] = {
    "CloudFormation-Validate::F3031": CONSOLE_ADDRESS,  # the address's pattern
    "CloudFormation-Validate::F3033": CONSOLE_ADDRESS,  # and its length
}


def _acknowledge(scope: Construct, findings: dict[str, str]) -> None:
    for finding, reason in findings.items():
        cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=finding, reason=reason))


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
    console_client: cognito.UserPoolClient,
    alert_function: lambda_.Function,
    link_key: Construct,
) -> None:
    leads_index = f"AwsSolutions-IAM5[Resource::<{_logical_id(stack, leads_table)}.Arn>/index/*]"
    for function in functions:
        _acknowledge(
            function,
            {
                **FUNCTION_FINDINGS,
                **(SYNCHRONOUS_ONLY if function.dead_letter_queue is None else {}),
                leads_index: "The table grant covers its own indexes (pending reviews); no other table",
            },
        )
    _acknowledge(
        workflow.state_machine,
        {
            "AwsSolutions-IAM5[Resource::*]": XRAY,
            "AwsSolutions-SF1": (
                "Logs errors only, without execution data: a TaskScheduled event carries the review's task "
                "token and the lead's data, which must not reach CloudWatch Logs (failures are also alarmed)"
            ),
            **{
                f"AwsSolutions-IAM5[Resource::<{_logical_id(stack, task)}.Arn>:*]": "Invoke on the task function's versions and aliases only"
                for task in workflow.functions
            },
        },
    )
    _acknowledge(
        link_key,
        {
            "AwsSolutions-SMG4": (
                "A signing key for acknowledge links that live 24 hours: rotating it would void the links "
                "in reps' inboxes; redeploying with a new key is the rotation"
            ),
        },
    )
    _acknowledge(
        alert_function,
        {
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/"
            f"{resources.SLA_SCHEDULE_GROUP}/*]": (
                "Each lead's SLA steps are one-time schedules named by the lead, made and deleted as leads "
                "are routed and acknowledged: the grant covers leadqual's own schedule group only"
            ),
        },
    )
    for dlq in dead_letter_queues:
        _acknowledge(dlq, DLQ_FINDINGS)
    _acknowledge(api.rest_api, API_FINDINGS)
    _acknowledge(console_client, CONSOLE_CLIENT_FINDINGS)
