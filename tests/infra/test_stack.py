"""Synthesises the stack once (bundling skipped), with cdk-nag: any unacknowledged finding fails here."""

import json
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "infra"))

from app import build_app


@pytest.fixture(scope="module")
def template() -> Template:
    _, stack = build_app(
        cdk.App(context={"aws:cdk:bundling-stacks": [], "leadqual:reviewTimeoutSeconds": 600})
    )
    return Template.from_stack(stack)


def test_state_machine_waits_for_the_sdr_with_the_configured_timeout(template: Template) -> None:
    machines = template.find_resources("AWS::StepFunctions::StateMachine")
    (machine,) = machines.values()
    body = machine["Properties"]["DefinitionString"]
    text = json.dumps(body)
    assert "sqs:sendMessage.waitForTaskToken" in text and '\\"TimeoutSeconds\\": 600' in text
    assert "States.Timeout" in text and "Escalate" in text
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {
            "TracingConfiguration": {"Enabled": True},
            "LoggingConfiguration": Match.object_like({"Level": "ALL"}),
        },
    )


def test_every_queue_is_encrypted_and_work_queues_have_a_dlq(template: Template) -> None:
    queues = template.find_resources("AWS::SQS::Queue")
    assert all(q["Properties"].get("SqsManagedSseEnabled") for q in queues.values())
    with_dlq = [q for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    assert len(with_dlq) == 6  # scoring, review requests, four action queues


def test_tables_have_point_in_time_recovery_and_functions_are_traced(template: Template) -> None:
    template.resource_count_is("AWS::DynamoDB::GlobalTable", 2)
    template.all_resources_properties(
        "AWS::DynamoDB::GlobalTable",
        {
            "Replicas": Match.array_with(
                [
                    Match.object_like(
                        {"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}
                    )
                ]
            )
        },
    )
    template.all_resources_properties("AWS::Lambda::Function", {"TracingConfig": {"Mode": "Active"}})


def test_dlqs_and_failed_workflows_are_alarmed(template: Template) -> None:
    # 2 pipeline DLQs + 4 action DLQs + the hold-sweep schedule's DLQ, and failed / timed-out workflows
    template.resource_count_is("AWS::CloudWatch::Alarm", 7 + 2)


def test_holds_are_swept_on_a_schedule_with_a_dlq(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(1 hour)",
            "Targets": [Match.object_like({"DeadLetterConfig": Match.any_value()})],
        },
    )


def test_a_bad_policy_file_fails_the_synth_naming_the_rule_and_field(tmp_path: Path) -> None:
    # GIVEN RevOps' policy with a rule that names a score band that does not exist
    from leadqual.domain.policy import DEFAULT_POLICY_FILE, PolicyError

    bad = tmp_path / "policy.yaml"
    policy = DEFAULT_POLICY_FILE.read_text()
    assert "when: {bands: [high]}" in policy
    bad.write_text(policy.replace("when: {bands: [high]}", "when: {bands: [sky]}"))
    # WHEN the stack is synthesised with it THEN nothing is built and the message says where
    app = cdk.App(context={"aws:cdk:bundling-stacks": [], "leadqual:policyFile": str(bad)})
    with pytest.raises(PolicyError, match=r"rules\[6\] \(id 'high-band-sdr'\)\.when\.bands"):
        build_app(app)
