"""Synthesises the stack once (bundling skipped), with cdk-nag: any unacknowledged finding fails here."""

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "infra"))

from app import build_app
from leadqual import api_routes, resources
from leadqual_infra import monitoring
from leadqual_tools.local.stack_template import Physical, Resolver, StackTemplate, checkout_path


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
            # a TaskScheduled event carries the review's task token and the lead: never logged
            "LoggingConfiguration": Match.object_like({"Level": "ERROR", "IncludeExecutionData": False}),
        },
    )


def test_every_queue_is_encrypted_and_work_queues_have_a_dlq(template: Template) -> None:
    queues = template.find_resources("AWS::SQS::Queue")
    assert all(q["Properties"].get("SqsManagedSseEnabled") for q in queues.values())
    with_dlq = [q for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    assert len(with_dlq) == 8  # scoring, review requests, four action queues, CRM sync, alerts


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


def test_every_queue_that_feeds_lambda_retries_at_least_five_times_before_its_dlq(template: Template) -> None:
    queues = template.find_resources("AWS::SQS::Queue")
    sources = template.find_resources("AWS::Lambda::EventSourceMapping")
    assert len(sources) == 4  # scoring, review requests, CRM sync, alerts
    # No mapping holds a lead back for a batching window (issue 33: a lead at 3 a.m. waits for nothing)
    assert all(not s["Properties"].get("MaximumBatchingWindowInSeconds") for s in sources.values())
    for source in sources.values():
        queue_id = source["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
        assert queues[queue_id]["Properties"]["RedrivePolicy"]["maxReceiveCount"] >= 5
    assert all(
        q["Properties"]["RedrivePolicy"]["maxReceiveCount"] >= 5
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    )


def _role_actions(template: Template, function_name: str) -> dict[str, set[str]]:
    """Actions the function's role allows, by the logical id of the resource they are on."""
    functions = template.find_resources("AWS::Lambda::Function")
    (role,) = [
        f["Properties"]["Role"]["Fn::GetAtt"][0]
        for f in functions.values()
        if f.get("Metadata", {}).get(resources.TEMPLATE_NAME_KEY) == function_name
    ]
    allowed: dict[str, set[str]] = {}
    for policy in template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role} not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            targets = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            for target in targets:
                for logical_id in re.findall(r"'(?:Ref|Fn::GetAtt)': \[?'(\w+)'", str(target)):
                    allowed.setdefault(logical_id, set()).update(actions)
    return allowed


def _table_id(template: Template, name: str) -> str:
    tables = template.find_resources("AWS::DynamoDB::GlobalTable")
    (found,) = [k for k, t in tables.items() if t["Metadata"][resources.TEMPLATE_NAME_KEY] == name]
    return found


def test_route_and_dispatch_may_write_the_touches_they_record(template: Template) -> None:
    signals = _table_id(template, resources.SIGNALS_TABLE)
    for spec in (resources.ROUTE_FUNCTION, resources.DISPATCH_FUNCTION):
        allowed = _role_actions(template, resources.function_name(spec.name))
        assert {"dynamodb:BatchWriteItem", "dynamodb:PutItem"} <= allowed[signals], spec.name
    # and the workflow's other tasks cannot touch them at all
    for spec in (resources.ESCALATE_FUNCTION, resources.RECORD_FAILURE_FUNCTION):
        assert signals not in _role_actions(template, resources.function_name(spec.name)), spec.name


def test_no_function_may_do_what_its_code_never_does(template: Template) -> None:
    def actions(spec: resources.FunctionSpec) -> set[str]:
        return set().union(*_role_actions(template, resources.function_name(spec.name)).values())

    # Only the review request and Escalate notify people; no other workflow task may publish or use the key
    for spec in (resources.ROUTE_FUNCTION, resources.DISPATCH_FUNCTION, resources.RECORD_FAILURE_FUNCTION):
        assert not {a for a in actions(spec) if a.startswith(("sns:", "kms:"))}, spec.name
    assert "sns:Publish" in actions(resources.ESCALATE_FUNCTION)
    # The API resumes a waiting workflow with a decision; it never fails one or heartbeats it
    api = actions(resources.API_FUNCTION)
    assert (
        "states:SendTaskSuccess" in api and not {"states:SendTaskFailure", "states:SendTaskHeartbeat"} & api
    )
    # Scoring saves leads; it never deletes or batch-writes them
    score = _role_actions(template, resources.function_name(resources.SCORE_FUNCTION.name))
    leads = score[_table_id(template, resources.LEADS_TABLE)]
    assert "dynamodb:UpdateItem" in leads and not {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} & leads


def _alarmed_metrics(template: Template) -> list[tuple[str, str]]:
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"], "every alarm notifies"
        assert "AlarmTopic" in json.dumps(alarm["Properties"]["AlarmActions"])
    return [(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms.values()]


def test_each_way_a_lead_can_stall_or_fail_is_alarmed_and_notifies(template: Template) -> None:
    watched = _alarmed_metrics(template)
    count = {metric: watched.count(metric) for metric in set(watched)}
    # 2 pipeline DLQs + 4 action DLQs + the hold-sweep and CRM-read schedules' DLQs + the CRM-sync
    # and alert DLQs
    assert count[("AWS/SQS", "ApproximateNumberOfMessagesVisible")] == 10
    assert count[("AWS/SQS", "ApproximateAgeOfOldestMessage")] == 1
    # errors and throttles of every function
    assert (
        count[("AWS/Lambda", "Errors")] == count[("AWS/Lambda", "Throttles")] == len(resources.ALL_FUNCTIONS)
    )
    assert count[("AWS/ApiGateway", "5XXError")] == 1
    for metric in ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted", "ExecutionThrottled"):
        assert count[("AWS/States", metric)] == 1, metric
    assert count[("AWS/SNS", "NumberOfNotificationsFailed")] == 1
    assert count[(resources.METRICS_NAMESPACE, "ReviewsEscalated")] == 1
    assert count[(resources.METRICS_NAMESPACE, "AnnouncementsMissed")] == 1
    # leadqual's daily share of the CRM's API allocation, 80 % spent (the connections file's alarm_at)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": resources.CRM_BUDGET_METRIC, "Statistic": "Maximum", "Threshold": 80},
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "ApproximateAgeOfOldestMessage", "Threshold": monitoring.OLDEST_UNSCORED_LEAD_SECONDS},
    )


def test_holds_are_swept_on_a_schedule_with_a_dlq(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(1 hour)",
            "Targets": [Match.object_like({"DeadLetterConfig": Match.any_value()})],
        },
    )
    # A sweep that fails after Lambda's retries of its asynchronous invocation lands in a DLQ too
    (sweep,) = [
        f for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Metadata"][resources.TEMPLATE_NAME_KEY] == resources.function_name(resources.HOLD_SWEEP_FUNCTION.name)
    ]  # fmt: skip
    assert "TargetArn" in sweep["Properties"]["DeadLetterConfig"]


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


def _api_methods(template: Template) -> dict[tuple[str, str], dict[str, object]]:
    """(method, path) -> the Method's properties, with each path rebuilt from its Resource chain."""
    resources_by_id = template.find_resources("AWS::ApiGateway::Resource")

    def path_of(reference: dict[str, object]) -> str:
        if "Ref" not in reference:
            return ""  # GetAtt RestApi.RootResourceId: the root
        properties = resources_by_id[str(reference["Ref"])]["Properties"]
        return f"{path_of(properties['ParentId'])}/{properties['PathPart']}"

    return {
        (m["Properties"]["HttpMethod"], path_of(m["Properties"]["ResourceId"])): m["Properties"]
        for m in template.find_resources("AWS::ApiGateway::Method").values()
    }


def test_every_route_is_in_api_gateway_with_the_auth_the_contract_says(template: Template) -> None:
    # docs/api.md: form handlers post leads and events with an API key; the console's files are
    # public (they hold no data); people in the console call /console/api/... with the user pool's
    # token; everything else is IAM.
    with_api_key = {("POST", "/leads"), ("POST", "/events")}
    # a vendor's webhook: open at API Gateway, its signature checked by the function
    vendor_signed = {("POST", "/crm/hubspot/events"), ("POST", "/slack/interactions"),
                     ("GET", "/ack/{token}"), ("POST", "/ack/{token}")}  # fmt: skip
    console_files = {(r.method, r.path) for r in api_routes.ROUTES
                     if r.path.startswith("/console") and not r.path.startswith(api_routes.PEOPLE_PREFIX)}  # fmt: skip
    assert console_files == {
        ("GET", "/console"), ("GET", "/console/leads/{lead_id}"), ("GET", "/console/assets/{name}"),
        ("GET", "/console/settings"), ("GET", "/console/reports"), ("GET", "/console/policy"), ("GET", "/console/crm"),
        ("GET", "/console/roster"), ("GET", "/console/ack/{token}"),
    }  # fmt: skip
    signed_in = {
        ("GET", "/console/api/reviews"), ("GET", "/console/api/reviews/{review_id}"),
        ("POST", "/console/api/reviews/{review_id}/decision"), ("GET", "/console/api/leads/{lead_id}"),
        ("GET", "/console/api/leads/{lead_id}/rules"), ("GET", "/console/api/reports"),
        ("GET", "/console/api/policy"), ("GET", "/console/api/crm"), ("POST", "/console/api/crm/refused/retry"),
        ("GET", "/console/api/roster"), ("POST", "/console/api/roster"), ("PUT", "/console/api/roster/{rep}"),
        ("PUT", "/console/api/roster/{rep}/away"),
    }  # fmt: skip
    (authorizer_id, authorizer), *others = template.find_resources("AWS::ApiGateway::Authorizer").items()
    (pool_id,) = template.find_resources("AWS::Cognito::UserPool")
    assert not others and authorizer["Properties"]["Type"] == "COGNITO_USER_POOLS"
    assert authorizer["Properties"]["ProviderARNs"] == [{"Fn::GetAtt": [pool_id, "Arn"]}]
    methods = _api_methods(template)
    assert set(methods) == {(r.method, r.path) for r in api_routes.ROUTES}
    for route, properties in methods.items():
        found = (properties["AuthorizationType"], properties.get("ApiKeyRequired", False))
        if route in console_files or route in vendor_signed:
            assert found == ("NONE", False), route
        elif route in with_api_key:
            assert found == ("NONE", True), route
        elif route in signed_in:
            assert found == ("COGNITO_USER_POOLS", False), route
            assert properties["AuthorizerId"] == {"Ref": authorizer_id}, route
        else:
            assert found == ("AWS_IAM", False), route


def test_people_sign_in_to_a_user_pool_with_mfa_threat_protection_and_the_consoles_groups(
    template: Template,
) -> None:
    (pool,) = template.find_resources("AWS::Cognito::UserPool").values()
    properties = pool["Properties"]
    # Invited only; MFA by app, a strong password; threat protection enforced (the Plus plan)
    assert properties["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert properties["MfaConfiguration"] == "ON" and properties["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    policy = properties["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12 and all(
        policy[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    assert properties["UserPoolTier"] == "PLUS"
    assert properties["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert pool["DeletionPolicy"] == "Retain"
    groups = {
        g["Properties"]["GroupName"] for g in template.find_resources("AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == {g.value for g in api_routes.Group}
    # The console's client: the code flow (PKCE; no secret a page would have to hold), back to the console
    (client_id, client), *others = template.find_resources("AWS::Cognito::UserPoolClient").items()
    assert not others
    settings = client["Properties"]
    assert settings["AllowedOAuthFlows"] == ["code"] and settings.get("GenerateSecret", False) is False
    assert set(settings["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    (callback,) = settings["CallbackURLs"]
    condition, given, own = callback["Fn::If"]
    assert condition == "ConsoleUrlGiven" and given == {"Ref": "ConsoleUrl"}
    assert own["Fn::Join"][1][-1] == "/v1/console/"
    # ... and the API function tells the page which client and where to sign in
    api = next(
        f for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == resources.API_FUNCTION.handler
    )  # fmt: skip
    variables = api["Properties"]["Environment"]["Variables"]
    assert variables[resources.Env.SIGN_IN_CLIENT_ID] == {"Ref": client_id}
    assert resources.Env.SIGN_IN_URL in variables


GC_AFTER_IMPORT = (
    "import gc, importlib, json, sys\n"
    "importlib.import_module(sys.argv[1])\n"
    "print(json.dumps([gc.isenabled(), gc.get_freeze_count()]))"
)


def _collector_after_importing(module: str, in_lambda: bool) -> tuple[bool, int]:
    environment = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_RUNTIME_API"}
    if in_lambda:
        environment["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:9001"  # what Lambda's runtime sets
    result = subprocess.run(
        [sys.executable, "-c", GC_AFTER_IMPORT, module], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    enabled, frozen = json.loads(result.stdout)
    return enabled, frozen


def test_every_deployed_entry_point_resumes_the_garbage_collector_once_loaded(template: Template) -> None:
    # GIVEN each function's handler as the stack deploys it
    modules = sorted(
        {
            str(f["Properties"]["Handler"]).rsplit(".", 1)[0]
            for f in template.find_resources("AWS::Lambda::Function").values()
            if str(f["Properties"].get("Handler", "")).startswith("leadqual.")
        }
    )
    assert len(modules) == len(resources.ALL_FUNCTIONS)
    # WHEN Lambda's runtime loads it (a fresh process each, as each is a cold start)
    with ThreadPoolExecutor(max_workers=4) as pool:
        in_lambda = dict(
            zip(modules, pool.map(lambda m: _collector_after_importing(m, True), modules), strict=True)
        )
    # THEN the collector, paused for the imports, runs again, with what loaded frozen
    for module, (enabled, frozen) in in_lambda.items():
        assert enabled and frozen > 10_000, (module, enabled, frozen)
    # AND outside Lambda (tests, leadqual serve, the tools) importing a handler leaves it alone
    assert _collector_after_importing(modules[0], in_lambda=False) == (True, 0)


MODEL_SESSION_AT_COLD_START = (
    "import json, os, threading\n"
    "threads = len(os.listdir('/proc/self/task'))\n"
    "import numpy as np\n"
    "numpy_threads = len(os.listdir('/proc/self/task')) - threads\n"
    "from leadqual.adapters import onnx_session\n"
    "started, built_on = [], []\n"
    "start, build = onnx_session.start_building, onnx_session.build_session\n"
    "def recorded_start(path):\n"
    "    started.append(path.name)\n"
    "    start(path)\n"
    "def recorded_build(path):\n"
    "    built_on.append(threading.current_thread().name)\n"
    "    return build(path)\n"
    "onnx_session.start_building, onnx_session.build_session = recorded_start, recorded_build\n"
    "import leadqual.handlers.score\n"
    "during_import = list(started)\n"
    "from leadqual import wiring\n"
    "try:\n"
    "    model = wiring.scoring_service().model\n"
    "except Exception as error:\n"
    "    first_batch = type(error).__name__\n"
    "else:\n"
    "    first_batch = f'{len(model.predict(np.zeros((2, model.width))).probability)} scored'\n"
    "print(json.dumps({'started_during_import': during_import, 'built_on': built_on,"
    " 'numpy_threads': numpy_threads, 'first_batch': first_batch}))"
)


def _deployed_variables(template: Template, function: Mapping[str, Any]) -> dict[str, str]:
    """A function's variables as the template sets them, each resource's Ref its logical id (no AWS
    call is made), and the model's directory in the bundle this checkout's."""
    stack = StackTemplate(dict(template.to_json()))
    resolve = Resolver.of(stack, {logical_id: Physical(logical_id) for logical_id in stack.resources}, {})
    variables = {
        name: str(resolve(value))
        for name, value in function["Properties"]["Environment"]["Variables"].items()
    }
    return variables | {resources.Env.MODEL_DIR: str(checkout_path(variables[resources.Env.MODEL_DIR]))}


def _model_session_builds(variables: dict[str, str], in_lambda: bool) -> dict[str, object]:
    # The function's own variables come from the template alone: earlier tests set some in this process.
    inherited = {"AWS_LAMBDA_RUNTIME_API", *resources.Env, *resources.RUNTIME_ENVIRONMENT}
    environment = {k: v for k, v in os.environ.items() if k not in inherited}
    environment |= variables
    environment |= {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    if in_lambda:
        environment["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:9001"
    result = subprocess.run(
        [sys.executable, "-c", MODEL_SESSION_AT_COLD_START], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    builds: dict[str, object] = json.loads(result.stdout)
    return builds


def test_the_scoring_function_builds_its_model_session_while_its_modules_load(template: Template) -> None:
    # GIVEN the scoring function's environment as the stack deploys it
    (scoring,) = [
        f for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == resources.SCORE_FUNCTION.handler
    ]  # fmt: skip
    variables = _deployed_variables(template, scoring)
    # WHEN Lambda's runtime imports its handler and the first batch builds the scoring service
    builds = _model_session_builds(variables, in_lambda=True)
    # THEN the model's one session was started during the import, on a thread of its own, and the
    # first batch's model took it (and predicts) instead of building another; and numpy started no
    # thread of its own (OpenBLAS's spin on import would take CPU from the cold start)
    assert builds == {
        "started_during_import": ["model.onnx"], "built_on": ["leadqual-onnx-session"], "numpy_threads": 0,
        "first_batch": "2 scored",
    }  # fmt: skip
    # AND outside Lambda (tests, leadqual serve), the first batch builds it, under its own settings
    outside = _model_session_builds(variables, in_lambda=False)
    assert outside["started_during_import"] == [] and outside["built_on"] == ["MainThread"]
    # AND a function whose settings are wrong still loads, starts nothing, and its first batch fails
    # saying why (the batch's messages go back to the queue, and on to the DLQ and its alarm)
    misconfigured = {k: v for k, v in variables.items() if k != resources.Env.LEADS_TABLE}
    broken = _model_session_builds(misconfigured, in_lambda=True)
    assert broken["started_during_import"] == [] and broken["first_batch"] == "SettingsError"


def test_review_emails_link_to_the_console_the_console_url_parameter_names(template: Template) -> None:
    # The parameter: empty by default, so the link is the API's own /console/ ...
    parameter = template.to_json()["Parameters"]["ConsoleUrl"]
    assert parameter["Default"] == "" and re.fullmatch(
        parameter["AllowedPattern"], "https://leads.example.com/"
    )
    # ... and HTTPS only: the address is also the sign-in client's callback, which Cognito refuses
    # over HTTP, so CloudFormation refuses it as a parameter before the deploy creates anything
    assert not re.fullmatch(parameter["AllowedPattern"], "http://leads.example.com/")
    functions = template.find_resources("AWS::Lambda::Function")
    with_link = {
        f["Properties"]["Handler"]: f["Properties"]["Environment"]["Variables"][resources.Env.CONSOLE_URL]
        for f in functions.values()
        if resources.Env.CONSOLE_URL in f["Properties"]["Environment"]["Variables"]
    }
    # ... set on the function that sends review e-mails, the one that links CRM records to leads,
    # and the one whose Slack messages link to the console
    assert sorted(with_link) == sorted(
        [resources.REVIEW_REQUEST_FUNCTION.handler, resources.CRM_SYNC_FUNCTION.handler,
         resources.ALERT_FUNCTION.handler]
    )  # fmt: skip
    assert (
        with_link[resources.CRM_SYNC_FUNCTION.handler] == with_link[resources.REVIEW_REQUEST_FUNCTION.handler]
    )
    condition, given, fallback = with_link[resources.REVIEW_REQUEST_FUNCTION.handler]["Fn::If"]
    assert given == {"Ref": "ConsoleUrl"}
    assert template.to_json()["Conditions"][condition] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ConsoleUrl"}, ""]}]
    }
    rest_api = next(iter(template.find_resources("AWS::ApiGateway::RestApi")))
    assert {"Ref": rest_api} in fallback["Fn::Join"][1] and fallback["Fn::Join"][1][-1].endswith("/console/")


def test_the_reports_read_a_month_of_report_rows_from_an_index_that_holds_only_them(
    template: Template,
) -> None:
    from leadqual.adapters.dynamo_leads import REPORT_AT, REPORT_MONTH, REPORT_ROW

    leads = template.find_resources("AWS::DynamoDB::GlobalTable")[_table_id(template, resources.LEADS_TABLE)]
    indexes = {i["IndexName"]: i for i in leads["Properties"]["GlobalSecondaryIndexes"]}
    reports = indexes[resources.LEADS_REPORTS_INDEX]
    assert reports["KeySchema"] == [
        {"AttributeName": REPORT_MONTH, "KeyType": "HASH"}, {"AttributeName": REPORT_AT, "KeyType": "RANGE"},
    ]  # fmt: skip
    # The row alone is projected: a month of reports reads rows, never the leads' documents.
    assert reports["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": [REPORT_ROW]}


def test_only_this_accounts_alarms_may_use_the_topics_key(template: Template) -> None:
    (key,) = template.find_resources("AWS::KMS::Key").values()
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    (cloudwatch,) = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert ":alarm:*" in json.dumps(cloudwatch["Condition"]["ArnLike"]["aws:SourceArn"])


def test_the_state_machine_outlives_a_replacement_so_waiting_reviews_are_not_stopped(
    template: Template,
) -> None:
    (machine,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    assert machine["DeletionPolicy"] == machine["UpdateReplacePolicy"] == "Retain"


def test_the_crm_writer_drains_a_fifo_queue_and_reads_only_the_secret_the_connections_file_names(
    tmp_path: Path,
) -> None:
    connections = tmp_path / "connections.yaml"
    connections.write_text("hubspot:\n  token_secret: acme/leadqual-hubspot\n")
    _, stack = build_app(
        cdk.App(context={"aws:cdk:bundling-stacks": [], "leadqual:connectionsFile": str(connections)})
    )
    template = Template.from_stack(stack)
    queues = template.find_resources("AWS::SQS::Queue")
    crm_queues = {k: q for k, q in queues.items() if k.startswith("CrmSyncQueue")}
    # the queue and its DLQ are both FIFO: one lead's changes in order, a resend dropped by its id
    assert len(crm_queues) == 2 and all(q["Properties"]["FifoQueue"] for q in crm_queues.values())
    writer = _role_actions(template, resources.function_name(resources.CRM_SYNC_FUNCTION.name))
    secret_statements = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "secretsmanager" in json.dumps(statement["Action"])
        and "hubspot" in json.dumps(statement["Resource"])
    ]
    assert len(secret_statements) == 2  # the writer's and the reader's, and no other function's
    # (leadqual's own link key is read by the alert function and the API: no CRM function)
    link_key = [
        policy
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if "LinkKey" in json.dumps(policy["Properties"]["PolicyDocument"])
    ]
    assert len(link_key) == 2
    secret = secret_statements[0]
    assert ":secret:acme/leadqual-hubspot-??????" in json.dumps(secret["Resource"])
    assert set(secret["Action"]) == {"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}
    # it reads and saves leads (and its budget's counters), queries the roster for the reps' CRM
    # users; it deletes and scans nothing
    leads = writer[_table_id(template, resources.LEADS_TABLE)]
    assert leads == {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem", "dynamodb:PutItem",
                     "dynamodb:Query"}  # fmt: skip
    # Dispatch, the API, the CRM reader and the alerts (outcomes: a rep's "not a fit") hand it
    # changes; no other function may
    (queue_id,) = [k for k, q in crm_queues.items() if "RedrivePolicy" in q["Properties"]]
    senders = {
        spec.name for spec in resources.ALL_FUNCTIONS
        if "sqs:SendMessage" in _role_actions(template, resources.function_name(spec.name)).get(queue_id, set())
    }  # fmt: skip
    assert senders == {
        resources.DISPATCH_FUNCTION.name,
        resources.API_FUNCTION.name,
        resources.CRM_READ_FUNCTION.name,
        resources.ALERT_FUNCTION.name,
    }


def test_the_api_rates_are_stack_settings(template: Template) -> None:
    # As shipped: the stage 200/s (burst 400), the form handlers' plan 50/s (burst 100)
    template.has_resource_properties(
        "AWS::ApiGateway::UsagePlan", {"Throttle": {"RateLimit": 50, "BurstLimit": 100}}
    )
    # A team whose forms post faster raises them with -c leadqual:formsRateLimit=... (docs/deploy.md)
    _, stack = build_app(cdk.App(context={
        "aws:cdk:bundling-stacks": [], "leadqual:formsRateLimit": "500", "leadqual:formsBurstLimit": "1000",
        "leadqual:apiRateLimit": "2000", "leadqual:apiBurstLimit": "4000",
    }))  # fmt: skip
    raised = Template.from_stack(stack)
    raised.has_resource_properties(
        "AWS::ApiGateway::UsagePlan", {"Throttle": {"RateLimit": 500, "BurstLimit": 1000}}
    )
    raised.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {"MethodSettings": [{"ThrottlingRateLimit": 2000, "ThrottlingBurstLimit": 4000, "HttpMethod": "*",
                             "ResourcePath": "/*", "LoggingLevel": "INFO", "DataTraceEnabled": False}]},
    )  # fmt: skip
