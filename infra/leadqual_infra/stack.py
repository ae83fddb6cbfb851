"""The leadqual stack: composes one construct per domain and wires least-privilege grants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from leadqual import resources
from leadqual.connections import NO_CONNECTIONS, load_connections
from leadqual.domain.policy import DEFAULT_POLICY_FILE, load_policy
from leadqual.resources import Env
from leadqual_infra.alerts import AlertQueue, Alerts
from leadqual_infra.api import STAGE, ApiRates, LeadApi
from leadqual_infra.bundling import model_directory
from leadqual_infra.crm import CrmSync, CrmSyncQueue
from leadqual_infra.functions import FunctionFactory
from leadqual_infra.holds import HoldSweep
from leadqual_infra.monitoring import Monitoring
from leadqual_infra.nag import acknowledge_findings
from leadqual_infra.notifications import Notifications
from leadqual_infra.pipeline import ScoringPipeline, ScoringQueues
from leadqual_infra.sign_in import ConsoleSignIn
from leadqual_infra.storage import LeadStorage
from leadqual_infra.workflow import DispatchTargets, LeadWorkflow


def _context(scope: Construct, key: str, default: Any) -> Any:
    value = scope.node.try_get_context(f"leadqual:{key}")
    return default if value is None or value == "" else value


class LeadqualStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        review_timeout = int(_context(self, "reviewTimeoutSeconds", resources.DEFAULT_REVIEW_TIMEOUT_SECONDS))
        architecture = str(_context(self, "lambdaArchitecture", "x86_64"))
        model_dir = model_directory(_context(self, "modelVersion", None))
        # RevOps' policy (default: the shipped one). A bad file fails the synth here, naming the rule
        # and field, before anything deploys; the validated file is the one bundled.
        policy_file = Path(_context(self, "policyFile", DEFAULT_POLICY_FILE)).resolve()
        load_policy(policy_file)
        # The CRM (and Slack) the stack talks to: validated here, bundled with the CRM functions.
        # Without it nothing is written to any CRM, and each lead's timeline says so.
        connections_given = str(_context(self, "connectionsFile", ""))
        connections_file = Path(connections_given).resolve() if connections_given else None
        connections = load_connections(connections_file) if connections_file else NO_CONNECTIONS

        storage = LeadStorage(self, "Storage")
        notifications = Notifications(
            self, "Notifications", sdr_email=str(_context(self, "sdrNotificationEmail", ""))
        )
        queues = ScoringQueues(self, "Queues")
        targets = DispatchTargets(self, "DispatchTargets")
        crm_queue = CrmSyncQueue(self, "CrmSyncQueue")
        alert_queue = AlertQueue(self, "AlertQueue")
        factory = FunctionFactory(
            architecture=architecture,
            model_dir=model_dir,
            policy_file=policy_file,
            connections_file=connections_file,
            environment={
                Env.CRM_SYNC_QUEUE_URL: crm_queue.queue.queue_url,
                Env.CRM_SYNC_DLQ_URL: crm_queue.dead_letter_queue.queue_url,
                Env.ALERT_QUEUE_URL: alert_queue.queue.queue_url,
                Env.LEADS_TABLE: storage.leads.table_name,
                Env.SIGNALS_TABLE: storage.signals.table_name,
                Env.SCORING_QUEUE_URL: queues.scoring.queue_url,
                Env.REVIEW_QUEUE_URL: queues.review_requests.queue_url,
                Env.ACTION_QUEUE_URLS: targets.queue_urls_json(),
                Env.SDR_TOPIC_ARN: notifications.sdr_topic.topic_arn,
                Env.EVENT_BUS_NAME: targets.bus.event_bus_name,
                Env.REVIEW_TIMEOUT_SECONDS: str(review_timeout),
                Env.MODEL_DIR: f"{resources.LAMBDA_TASK_ROOT}model_artifacts/{model_dir.name}",
            },
        )
        workflow = LeadWorkflow(
            self,
            "Workflow",
            factory=factory,
            review_queue=queues.review_requests,
            review_timeout_seconds=review_timeout,
        )
        state_machine_env: dict[str, str] = {Env.STATE_MACHINE_ARN: workflow.state_machine.state_machine_arn}
        pipeline = ScoringPipeline(self, "Pipeline", queues=queues, factory=factory)
        pipeline.score_function.add_environment(
            Env.STATE_MACHINE_ARN, workflow.state_machine.state_machine_arn
        )
        api_function = factory.create(self, resources.API_FUNCTION, state_machine_env)
        hold_sweep = HoldSweep(self, "HoldSweep", factory=factory)
        crm_sync = CrmSync(self, "CrmSync", factory=factory, queue=crm_queue, connections=connections)
        alerts = Alerts(
            self, "Alerts", factory=factory, queue=alert_queue, connections=connections,
            # Who alert e-mails come from (SES verifies it on deploy); empty: no e-mail is sent.
            alerts_from_email=str(_context(self, "alertsFromEmail", "")),
        )  # fmt: skip
        sign_in = ConsoleSignIn(
            self, "ConsoleSignIn",
            domain_prefix=str(_context(self, "signInDomainPrefix", cdk.Fn.join("-", ["leadqual", cdk.Aws.ACCOUNT_ID]))),
        )  # fmt: skip
        rates = ApiRates(
            stage_rate=int(_context(self, "apiRateLimit", ApiRates.stage_rate)),
            stage_burst=int(_context(self, "apiBurstLimit", ApiRates.stage_burst)),
            forms_rate=int(_context(self, "formsRateLimit", ApiRates.forms_rate)),
            forms_burst=int(_context(self, "formsBurstLimit", ApiRates.forms_burst)),
        )
        api = LeadApi(self, "Api", handler=api_function, people=sign_in.user_pool, rates=rates)

        # Least privilege, by grant: each function gets exactly the resources and actions it uses
        # (the local mode checks every call a function makes against these statements).
        storage.leads.grant_read_write_data(api_function)
        storage.signals.grant_read_write_data(api_function)
        queues.scoring.grant_send_messages(api_function)
        # An SDR's decision resumes the workflow; nothing fails or heartbeats a task from the API.
        workflow.state_machine.grant(api_function, "states:SendTaskSuccess")
        # Scoring reads a lead and saves it (UpdateItem, conditional on its version); it deletes nothing.
        storage.leads.grant_read_data(pipeline.score_function)
        storage.leads.grant(pipeline.score_function, "dynamodb:UpdateItem")
        storage.signals.grant_read_data(pipeline.score_function)
        workflow.state_machine.grant_start_execution(pipeline.score_function)
        storage.leads.grant_read_write_data(pipeline.review_request_function)
        notifications.sdr_topic.grant_publish(pipeline.review_request_function)
        task = workflow.task_functions
        route, dispatch = task["RouteFunctionArn"], task["DispatchFunctionArn"]
        for function in workflow.functions:
            storage.leads.grant_read_write_data(function)
        # Route reads what is known of the lead; Route and Dispatch record its touch on its person
        # and account (reactivation reads it).
        for function in (route, dispatch):
            storage.signals.grant_read_write_data(function)
        # Only Escalate notifies (an AE, of a review past its deadline).
        notifications.sdr_topic.grant_publish(task["EscalateFunctionArn"])
        for queue in targets.queues.values():
            queue.grant_send_messages(dispatch)
        targets.bus.grant_put_events_to(dispatch)
        # Each routed lead's CRM write (Dispatch), and each outcome's (the API), wait in one queue;
        # the writer reads the lead itself, and records its writes on it.
        crm_queue.queue.grant_send_messages(dispatch)
        crm_queue.queue.grant_send_messages(api_function)
        # A CRM's webhook (POST /crm/hubspot/events, signed) runs the reader at once; the API reads
        # only the webhook's secret, and only when the connections file names one.
        # The function itself, no version or alias (grant_invoke would add `<arn>:*`).
        api_function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[crm_sync.read_function.function_arn]
            )
        )
        api_function.add_environment(Env.CRM_READ_FUNCTION_NAME, crm_sync.read_function.function_name)
        api_function.add_environment(Env.CREDENTIALS_FROM, "secretsmanager")
        hubspot = connections.hubspot
        if hubspot is not None and hubspot.webhook_secret_secret:
            secretsmanager.Secret.from_secret_name_v2(
                self, "HubSpotWebhookSecret", hubspot.webhook_secret_secret
            ).grant_read(api_function)
        # The console's CRM sync page: the backlog, and the retry that moves refused changes back.
        crm_queue.queue.grant(api_function, "sqs:GetQueueAttributes")
        crm_queue.dead_letter_queue.grant_consume_messages(api_function)
        # The writer reads leads and saves its writes on them (conditional updates), keeps the API
        # budget's counters beside them, and reads the roster (one query) for the reps' CRM user
        # ids; it deletes and scans nothing.
        storage.leads.grant(
            crm_sync.function,
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:UpdateItem",
            "dynamodb:PutItem",
            "dynamodb:Query",
        )
        # The reader records outcomes as POST /leads/{id}/outcome does (the lead, its person's and
        # account's touch, the SDR's freed slot) and hands the CRM writer the change.
        storage.leads.grant_read_write_data(crm_sync.read_function)
        storage.signals.grant_read_write_data(crm_sync.read_function)
        crm_queue.queue.grant_send_messages(crm_sync.read_function)
        storage.leads.grant_read_data(hold_sweep.function)
        queues.scoring.grant_send_messages(hold_sweep.function)
        # Alerts: Dispatch tells the rep, the review request and escalation the reviewers, the API
        # (a decision in the console or Slack) what follows, and the CRM reader that the rep worked
        # the record (activity acknowledges). The alert function reads the roster and
        # records what people did: the timeline, the ledger's credits, a not-a-fit as an outcome
        # (the person's and account's touch, the CRM's change).
        for sender in (dispatch, pipeline.review_request_function, task["EscalateFunctionArn"], api_function,
                       crm_sync.read_function):  # fmt: skip
            alert_queue.queue.grant_send_messages(sender)
        storage.leads.grant_read_write_data(alerts.function)
        storage.signals.grant_read_write_data(alerts.function)
        crm_queue.queue.grant_send_messages(alerts.function)
        # An e-mail's acknowledge link lands on the API, which checks it with the same key.
        alerts.link_key.grant_read(api_function)
        api_function.add_environment(Env.LINK_KEY_SECRET, alerts.link_key.secret_arn)
        if alerts.slack is not None:
            # Slack's interactions land on the API: it checks their signature, opens a modal, tells
            # a person something only they see.
            alerts.slack.bot_token.grant_read(api_function)
            alerts.slack.signing_secret.grant_read(api_function)

        monitoring_dlqs = [
            *queues.dead_letter_queues,
            *targets.dead_letter_queues,
            hold_sweep.dead_letter_queue,
            crm_queue.dead_letter_queue,
            crm_sync.read_dead_letter_queue,
            alert_queue.dead_letter_queue,
        ]
        all_functions = [
            api_function, hold_sweep.function, *crm_sync.functions, alerts.function, *pipeline.functions,
            *workflow.functions,
        ]  # fmt: skip
        Monitoring(
            self,
            "Monitoring",
            dead_letter_queues=monitoring_dlqs,
            scoring_queue=queues.scoring,
            functions=all_functions,
            rest_api=api.rest_api,
            state_machine=workflow.state_machine,
            sdr_topic=notifications.sdr_topic,
            alarm_topic=notifications.alarm_topic,
            crm_budget_alarm_percent=100 * connections.crm_budget().alarm_at,
        )
        # Where review e-mails link (the console, `?review=`): the API's own /console/ unless the
        # console is put behind a domain of the team's; a deploy-time parameter, not a rebuild.
        # HTTPS only: it is also the sign-in client's callback, which Cognito refuses over HTTP, and
        # a refused parameter stops the deploy before anything is created.
        console_url = cdk.CfnParameter(
            self, "ConsoleUrl", type="String", default="", allowed_pattern=r"^(https://\S+/)?$",
            constraint_description="an https:// address ending in /, or empty for the API's own /console/",
            description="The console's https:// address for review e-mail links and sign-in, ending in /; empty: the API's /console/",
        )  # fmt: skip
        console_url_given = cdk.CfnCondition(
            self, "ConsoleUrlGiven",
            expression=cdk.Fn.condition_not(cdk.Fn.condition_equals(console_url.value_as_string, "")),
        )  # fmt: skip
        # Built from the API's id and its stage's name, not from the stage: the API function's
        # sign-in settings name the client that names this address, and the stage depends on
        # that function (through its methods).
        api_console = cdk.Fn.join("", [
            "https://", api.rest_api.rest_api_id, ".execute-api.", cdk.Aws.REGION, ".", cdk.Aws.URL_SUFFIX,
            f"/{STAGE}/console/",
        ])  # fmt: skip
        console_link = cdk.Token.as_string(
            cdk.Fn.condition_if(console_url_given.logical_id, console_url.value_as_string, api_console)
        )
        pipeline.review_request_function.add_environment(Env.CONSOLE_URL, console_link)
        crm_sync.function.add_environment(Env.CONSOLE_URL, console_link)  # each record links its lead
        alerts.function.add_environment(Env.CONSOLE_URL, console_link)  # each DM links its lead
        console_client = sign_in.add_console_client(console_link)
        api_function.add_environment(Env.SIGN_IN_URL, sign_in.hosted_ui)
        api_function.add_environment(Env.SIGN_IN_CLIENT_ID, console_client.user_pool_client_id)
        acknowledge_findings(
            self,
            api=api,
            functions=all_functions,
            workflow=workflow,
            leads_table=storage.leads,
            dead_letter_queues=monitoring_dlqs,
            console_client=console_client,
            alert_function=alerts.function,
            link_key=alerts.link_key,
        )
        cdk.CfnOutput(self, "ConsoleLink", value=console_link, description="Where SDRs decide reviews")
        cdk.CfnOutput(self, "SignInUserPoolId", value=sign_in.user_pool.user_pool_id,
                      description="Invite SDRs and RevOps here; add each to the sdr or revops group")  # fmt: skip
        cdk.CfnOutput(self, "ApiUrl", value=api.rest_api.url)
        cdk.CfnOutput(self, "FormHandlerApiKeyId", value=api.api_key.key_id)
        cdk.CfnOutput(self, "StateMachineArn", value=workflow.state_machine.state_machine_arn)
        cdk.CfnOutput(self, "SdrTopicArn", value=notifications.sdr_topic.topic_arn)
        # `leadqual feedback export --table` reads reported outcomes from here for retraining.
        cdk.CfnOutput(self, "LeadsTableName", value=storage.leads.table_name)
