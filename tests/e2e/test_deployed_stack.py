"""The local mode runs what `cdk deploy` ships: the synthesized template's resources, settings and IAM."""

from __future__ import annotations

import copy
import json
from typing import Any

from leadqual import resources
from leadqual.adapters.aws_clients import client
from leadqual_tools.local.api_gateway import call_api
from leadqual_tools.local.cloud import NOT_CREATED_LOCALLY, LocalCloud, wait_until
from leadqual_tools.local.stack_template import Resolver, StackTemplate, synthesize
from tests.conftest import lead_body

LOCAL_OVERRIDES = {
    "POWERTOOLS_LOG_LEVEL", "LEADQUAL_MODEL_DIR", "LEADQUAL_POLICY_FILE",
    # the API's only: `leadqual serve` signs no one in, and its inbox refreshes faster
    "LEADQUAL_CONSOLE_SIGN_IN", "LEADQUAL_CONSOLE_REFRESH_SECONDS",
    # the user pool the local mode does not stand up (NOT_CREATED_LOCALLY)
    *NOT_CREATED_LOCALLY,
}  # fmt: skip


def _stack(cloud: LocalCloud) -> tuple[StackTemplate, Resolver]:
    assert cloud.stack is not None
    physical = {}
    from leadqual_tools.local.stack_template import Physical

    # Resolve the template again, from what moto now holds, independently of how it was provisioned.
    for logical_id, resource in cloud.stack.resources.items():
        name = cloud.stack.name_of(logical_id)
        kind = resource["Type"]
        if kind == "AWS::SQS::Queue":
            physical[logical_id] = Physical(cloud.urls[name], {"Arn": cloud.arns[name]})
        elif kind in ("AWS::DynamoDB::GlobalTable", "AWS::Lambda::Function"):
            physical[logical_id] = Physical(name, {"Arn": cloud.arns[name]})
        elif kind in ("AWS::SNS::Topic", "AWS::StepFunctions::StateMachine"):
            physical[logical_id] = Physical(cloud.arns[name], {"Arn": cloud.arns[name]})
        elif kind == "AWS::Events::EventBus":
            physical[logical_id] = Physical(resource["Properties"]["Name"], {})
        elif kind == "AWS::SecretsManager::Secret":  # a secret the stack generates (the link key)
            arn = client("secretsmanager").describe_secret(SecretId=name)["ARN"]
            physical[logical_id] = Physical(arn, {"Arn": arn})
        elif kind == "AWS::IAM::Role":  # the local mode names a role by its logical id
            role = client("iam").get_role(RoleName=logical_id[:64])["Role"]
            physical[logical_id] = Physical(role["RoleName"], {"Arn": role["Arn"]})
    return cloud.stack, Resolver.of(cloud.stack, physical, {"ConsoleUrl": cloud.console_url})


def test_every_function_runs_with_the_synthesized_handler_environment_memory_and_timeout(
    cloud: LocalCloud,
) -> None:
    stack, resolve = _stack(cloud)
    functions = list(stack.of_type("AWS::Lambda::Function"))
    assert len(functions) == len(resources.ALL_FUNCTIONS)
    for logical_id, properties in functions:
        local = client("lambda").get_function_configuration(FunctionName=stack.name_of(logical_id))
        assert local["Handler"] == properties["Handler"]
        assert local["MemorySize"] == properties["MemorySize"] and local["Timeout"] == properties["Timeout"]
        deployed = {
            k: str(resolve(v))
            for k, v in properties["Environment"]["Variables"].items()
            if k not in LOCAL_OVERRIDES
        }
        running = local["Environment"]["Variables"]
        assert {k: v for k, v in running.items() if k not in LOCAL_OVERRIDES} == {
            k: v for k, v in deployed.items() if k not in LOCAL_OVERRIDES
        }, stack.name_of(logical_id)


def test_queues_tables_event_sources_and_the_state_machine_are_the_synthesized_ones(
    cloud: LocalCloud,
) -> None:
    stack, resolve = _stack(cloud)
    sqs = client("sqs")
    for logical_id, properties in stack.of_type("AWS::SQS::Queue"):
        attributes = sqs.get_queue_attributes(
            QueueUrl=cloud.urls[stack.name_of(logical_id)], AttributeNames=["All"]
        )["Attributes"]
        assert attributes["MessageRetentionPeriod"] == str(properties["MessageRetentionPeriod"])
        if "RedrivePolicy" in properties:
            assert json.loads(attributes["RedrivePolicy"]) == resolve(properties["RedrivePolicy"])
    for logical_id, properties in stack.of_type("AWS::DynamoDB::GlobalTable"):
        table = client("dynamodb").describe_table(TableName=stack.name_of(logical_id))["Table"]
        assert table["KeySchema"] == properties["KeySchema"]
        assert [i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])] == [
            i["IndexName"] for i in properties.get("GlobalSecondaryIndexes", [])
        ]
    pollers = {(p.queue_arn, p.function, p.batch_size) for p in cloud._pollers}
    assert pollers == {
        (resolve(p["EventSourceArn"]), resolve(p["FunctionName"]), p["BatchSize"])
        for _, p in stack.of_type("AWS::Lambda::EventSourceMapping")
    }
    ((_, machine),) = stack.of_type("AWS::StepFunctions::StateMachine")
    deployed = str(resolve(machine["DefinitionString"]))
    for placeholder, value in resolve(machine["DefinitionSubstitutions"]).items():
        deployed = deployed.replace(f"${{{placeholder}}}", value)
    local = client("stepfunctions").describe_state_machine(
        stateMachineArn=cloud.arns[resources.STATE_MACHINE]
    )
    assert json.loads(local["definition"]) == json.loads(deployed)


def _without_signal_writes_for(template: dict[str, Any], function: str) -> dict[str, Any]:
    """The template with the action that lets `function` batch-write the signals table taken out."""
    changed = copy.deepcopy(template)
    stack = StackTemplate(changed)
    role = stack.resources[stack.logical_id(function)]["Properties"]["Role"]["Fn::GetAtt"][0]
    signals = stack.logical_id(resources.SIGNALS_TABLE)
    removed = 0
    for _, policy in stack.of_type("AWS::IAM::Policy"):
        if {"Ref": role} not in policy["Roles"]:
            continue
        for statement in policy["PolicyDocument"]["Statement"]:
            if "dynamodb:BatchWriteItem" in statement["Action"] and signals in json.dumps(
                statement["Resource"]
            ):
                statement["Action"] = [a for a in statement["Action"] if a != "dynamodb:BatchWriteItem"]
                removed += 1
    assert removed == 1
    return changed


def test_a_grant_missing_from_the_stack_fails_the_call_and_names_the_function() -> None:
    # GIVEN the stack as synthesized, but without the grant that lets Route record a touch
    route = resources.function_name(resources.ROUTE_FUNCTION.name)
    probe = LocalCloud(review_timeout_seconds=4, visibility_timeout_seconds=1)
    template = _without_signal_writes_for(synthesize(probe.synth_context()), route)
    with LocalCloud(review_timeout_seconds=4, visibility_timeout_seconds=1, template=template) as cloud:
        # WHEN a lead goes through the flow
        lead_id = call_api("POST", "/leads", lead_body(email="ana@gmail.com", form="newsletter")).json()[
            "lead_id"
        ]

        def failed() -> dict[str, Any] | None:
            cloud.pump()
            lead: dict[str, Any] = call_api("GET", f"/leads/{lead_id}").json()
            return lead if lead["status"] == "failed" else None

        lead = wait_until(failed, what="the lead to fail")
        # THEN the call failed as AccessDenied would in AWS, and the denial names the function and the call
        assert "AccessDenied" in (lead["failure"] or "")
        denied = {(d.principal, d.permission.action) for d in cloud.iam.denials}
        assert (route, "dynamodb:BatchWriteItem") in denied
        assert f"{route} called dynamodb.BatchWriteItem" in cloud.iam.report()
