"""The state machine's definition, read as Step Functions reads it: every task retries and catches."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from leadqual.domain.schemas.messages import (
    DispatchInput,
    EvaluationInput,
    FailureInput,
    ReviewRequest,
    RoutedLead,
    RouteInput,
)
from leadqual.resources import DEFAULT_REVIEW_TIMEOUT_SECONDS
from leadqual.workflow.definition import ANNOUNCEMENT_PENDING, build_definition

STATES = build_definition(DEFAULT_REVIEW_TIMEOUT_SECONDS)["States"]
TASKS = {name: state for name, state in STATES.items() if state["Type"] == "Task"}


def _retried(state: dict[str, Any], error: str) -> dict[str, Any] | None:
    """The retrier Step Functions applies to `error`: the first whose ErrorEquals names it (or a
    wildcard that covers it: States.TaskFailed covers every error but States.Timeout)."""
    for retrier in state.get("Retry", []):
        names = retrier["ErrorEquals"]
        if (
            error in names
            or "States.ALL" in names
            or ("States.TaskFailed" in names and error != "States.Timeout")
        ):
            return retrier
    return None


def test_every_task_has_retry_and_catch() -> None:
    assert set(TASKS) == {"Route", "AwaitReview", "Escalate", "Dispatch", "RecordFailure"}
    for name, state in TASKS.items():
        assert state.get("Retry"), f"{name} has no Retry"
        assert state.get("Catch"), f"{name} has no Catch"
        caught = {error for catcher in state["Catch"] for error in catcher["ErrorEquals"]}
        assert "States.ALL" in caught, f"{name} lets some error end the execution without its lead saying so"


def test_a_review_request_that_fails_to_send_is_retried_but_its_deadline_is_not() -> None:
    await_review = TASKS["AwaitReview"]
    assert _retried(await_review, "SQS.SdkClientException") is not None
    assert _retried(await_review, "SQS.AmazonSQSException") is not None
    # The deadline is caught, never retried: a retry would ask the SDRs again, with a new token
    assert _retried(await_review, "States.Timeout") is None
    assert await_review["Catch"][0] == {
        "ErrorEquals": ["States.Timeout"],
        "ResultPath": "$.timeout",
        "Next": "Escalate",
    }


def test_a_missing_announcement_is_retried_for_about_ten_minutes_before_record_failure() -> None:
    retrier = _retried(TASKS["Dispatch"], ANNOUNCEMENT_PENDING)
    assert retrier is not None and retrier["ErrorEquals"] == [ANNOUNCEMENT_PENDING]
    waits, interval = [], float(retrier["IntervalSeconds"])
    for _ in range(int(retrier["MaxAttempts"])):
        waits.append(min(interval, float(retrier["MaxDelaySeconds"])))
        interval *= float(retrier["BackoffRate"])
    assert 8 * 60 <= sum(waits) <= 15 * 60, waits
    # Other application errors keep their one retry
    other = _retried(TASKS["Dispatch"], "LookupError")
    assert other is not None and other["MaxAttempts"] == 1


def test_recording_a_failure_that_itself_fails_still_fails_the_execution() -> None:
    assert TASKS["RecordFailure"]["Catch"][0]["Next"] == "WorkflowFailed"
    assert STATES["WorkflowFailed"]["Type"] == "Fail"


def test_every_message_the_state_machine_sends_is_the_model_its_consumer_reads() -> None:
    def keys(payload: dict[str, Any]) -> set[str]:
        return {key.removesuffix(".$") for key in payload}

    assert keys(TASKS["AwaitReview"]["Parameters"]["MessageBody"]) == set(ReviewRequest.model_fields)
    consumers: dict[str, type[BaseModel]] = {
        "Route": RouteInput,
        "Escalate": EvaluationInput,
        "Dispatch": DispatchInput,
        "RecordFailure": FailureInput,
    }
    for task, model in consumers.items():
        assert keys(TASKS[task]["Parameters"]["Payload"]) == set(model.model_fields), task
    # and what Route answers is what the Choice reads
    assert STATES["NeedsReview"]["Choices"][0]["Variable"] == "$.routing.value.needs_review"
    assert "needs_review" in RoutedLead.model_fields
