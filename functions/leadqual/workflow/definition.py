"""The lead workflow, written once: CDK deploys it and the local mode runs it in moto.

`build_definition` returns Amazon States Language with `${Name}` placeholders for resource
ARNs and URLs; CDK fills them with `definition_substitutions`, the local mode with `render`.
"""

from __future__ import annotations

import json
from typing import Any

from leadqual.resources import WORKFLOW_FUNCTIONS

REVIEW_QUEUE_URL = "ReviewQueueUrl"
PLACEHOLDERS = (*WORKFLOW_FUNCTIONS, REVIEW_QUEUE_URL)

# Transient Lambda faults are retried with backoff; an application error gets one more try.
_LAMBDA_RETRY = [
    {
        "ErrorEquals": [
            "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException",
        ],
        "IntervalSeconds": 1, "MaxAttempts": 4, "BackoffRate": 2.0,
    },
    {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 1, "BackoffRate": 2.0},
]  # fmt: skip
# Raised by Dispatch when the lead is handed to its action queue but `lead.routed` could not be
# published: the lead is routed, and only the announcement is retried, for long enough to ride out
# a regional EventBridge blip (waits of 2, 4, ... 120 s: about 10 minutes in all). Named here and
# raised by the dispatch service (`services.dispatch.AnnouncementPending`).
ANNOUNCEMENT_PENDING = "AnnouncementPending"
_ANNOUNCEMENT_RETRY = {
    "ErrorEquals": [ANNOUNCEMENT_PENDING],
    "IntervalSeconds": 2, "MaxAttempts": 10, "BackoffRate": 2.0, "MaxDelaySeconds": 120,
}  # fmt: skip
# The review request is one SQS send: a throttle or a 5xx is retried like any transient fault.
# States.TaskFailed matches every error but States.Timeout, which is the review's deadline (Catch).
_SEND_RETRY = [
    {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 4, "BackoffRate": 2.0}
]
# Which decision a task is about: the lead and its evaluation (the decision is stored with the lead).
_EVALUATION = {"lead_id.$": "$.lead_id", "evaluation.$": "$.routing.value.evaluation"}
_TO_FAILURE = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordFailure"}]


def _invoke(
    function: str,
    payload: dict[str, Any],
    result_key: str,
    next_state: str | None,
    retry: list[dict[str, Any]] = _LAMBDA_RETRY,
) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": f"${{{function}}}", "Payload": payload},
        "ResultSelector": {"value.$": "$.Payload"},
        "ResultPath": f"$.{result_key}",
        "Retry": retry,
        "Catch": _TO_FAILURE,
    }
    if next_state:
        state["Next"] = next_state
    else:
        state["End"] = True
    return state


def build_definition(review_timeout_seconds: int) -> dict[str, Any]:
    if review_timeout_seconds < 1:
        raise ValueError("review_timeout_seconds must be at least 1")
    return {
        "Comment": "leadqual: route a scored lead, wait for an SDR where a human must decide, then dispatch",
        "StartAt": "Route",
        "States": {
            "Route": _invoke("RouteFunctionArn", {"lead_id.$": "$.lead_id"}, "routing", "NeedsReview"),
            "NeedsReview": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.routing.value.needs_review", "BooleanEquals": True, "Next": "AwaitReview"}
                ],
                "Default": "NoReview",
            },
            "NoReview": {
                "Type": "Pass",
                "Parameters": {"lead_id.$": "$.lead_id", "routing.$": "$.routing", "review": None},
                "Next": "Dispatch",
            },
            # The SDR's decision arrives through SendTaskSuccess; nothing is dispatched before it.
            "AwaitReview": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": f"${{{REVIEW_QUEUE_URL}}}",
                    "MessageBody": {
                        "task_token.$": "$$.Task.Token",
                        "lead_id.$": "$.lead_id",
                        "evaluation.$": "$.routing.value.evaluation",
                    },
                },
                "TimeoutSeconds": review_timeout_seconds,
                "ResultPath": "$.review",
                "Retry": _SEND_RETRY,
                "Catch": [
                    {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timeout", "Next": "Escalate"},
                    *_TO_FAILURE,
                ],
                "Next": "Dispatch",
            },
            "Escalate": _invoke("EscalateFunctionArn", _EVALUATION, "escalation", "UseEscalation"),
            "UseEscalation": {
                "Type": "Pass",
                "Parameters": {
                    "lead_id.$": "$.lead_id",
                    "routing.$": "$.routing",
                    "review.$": "$.escalation.value",
                },
                "Next": "Dispatch",
            },
            "Dispatch": _invoke(
                "DispatchFunctionArn",
                {**_EVALUATION, "review.$": "$.review"},
                "route",
                None,
                # The announcement's retrier first: the first retrier that matches an error decides.
                retry=[_ANNOUNCEMENT_RETRY, *_LAMBDA_RETRY],
            ),
            "RecordFailure": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {
                    "FunctionName": "${RecordFailureFunctionArn}",
                    "Payload": {"lead_id.$": "$.lead_id", "error.$": "$.error"},
                },
                "Retry": _LAMBDA_RETRY,
                # The execution fails (alarmed) even when the reason could not be stored on the lead.
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "ResultPath": "$.recording_failed",
                        "Next": "WorkflowFailed",
                    }
                ],
                "ResultPath": "$.failure_recorded",
                "Next": "WorkflowFailed",
            },
            "WorkflowFailed": {
                "Type": "Fail",
                "Error": "LeadWorkflowFailed",
                "Cause": "A task failed after retries; the lead records why (status failed)",
            },
        },
    }


def render(definition: dict[str, Any], substitutions: dict[str, str]) -> str:
    """ASL text with every `${Name}` replaced, as CloudFormation's substitution would do."""
    text = json.dumps(definition)
    missing = [name for name in PLACEHOLDERS if name not in substitutions]
    if missing:
        raise ValueError(f"no value for placeholders {missing}")
    for name, value in substitutions.items():
        text = text.replace(f"${{{name}}}", value)
    return text
