"""The composition root: builds services from settings and adapters, once per cold start.

Handlers call these; tests build services with fakes or moto-backed adapters instead. Each is built
once per execution environment (see `leadqual.settings.ExecutionEnvironment`). Each factory
imports what it needs itself, so a function pays at cold start only for the services it uses (the
scoring function never loads the routing policy, the API never loads numpy or onnxruntime).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from leadqual.adapters.dynamo_leads import DynamoLeadStore
from leadqual.adapters.dynamo_signals import DynamoSignalStore
from leadqual.adapters.messaging import SnsNotifier, StepFunctionsWorkflow
from leadqual.domain.schemas.shared import utc_now
from leadqual.settings import (
    current_settings,
    forget_process_environment,
    once_per_environment,
    resolve_model_dir,
)

if TYPE_CHECKING:
    from leadqual.adapters.dynamo_budget import DynamoApiBudget
    from leadqual.adapters.dynamo_crm_ledger import DynamoCrmLedger
    from leadqual.adapters.messaging import SqsAlertQueue, SqsCrmDeadLetters, SqsCrmSyncQueue
    from leadqual.adapters.scheduler import EventBridgeSlaScheduler
    from leadqual.connections import Connections
    from leadqual.domain.policy import Policy
    from leadqual.domain.ports import CardChannel, ChatGateway, CrmGateway
    from leadqual.services.ack_links import AckLinkService
    from leadqual.services.alerts import AlertService
    from leadqual.services.crm_console import CrmConsoleService
    from leadqual.services.crm_events import CrmEventsService
    from leadqual.services.crm_read import CrmReadService
    from leadqual.services.crm_sync import CrmSyncService
    from leadqual.services.dispatch import DispatchService
    from leadqual.services.distribution import DistributionService
    from leadqual.services.escalation import EscalationService
    from leadqual.services.feedback import FeedbackService
    from leadqual.services.holds import HoldSweeper
    from leadqual.services.leads import LeadService
    from leadqual.services.outcomes import OutcomeService
    from leadqual.services.reviews import ReviewService
    from leadqual.services.routing import RoutingService
    from leadqual.services.scoring import ScoringService
    from leadqual.services.signals import SignalService
    from leadqual.services.slack_interactions import SlackInteractionService


def prepare(*builds: Callable[[], object], clients: tuple[str, ...] = ()) -> None:
    """Builds a function's services and AWS clients now, at import: in Lambda that is the init
    phase, which runs with the full CPU before the first invocation, where a 256 MB function has
    about 0.15 of a vCPU. Each handler module on the automatic path calls it; locally it runs at
    the environment's cold start, under that function's own settings."""
    from leadqual.adapters.aws_clients import client

    try:
        for service in clients:
            client(service)
        for build in builds:
            build()
    except Exception:
        # Whatever it was (a model missing or corrupt, a setting absent), the first invocation
        # builds again and fails, and says why, as it always has: init never fails on it.
        return


@once_per_environment
def lead_service() -> LeadService:
    from leadqual.adapters.messaging import SqsScoringQueue
    from leadqual.services.leads import LeadService

    settings = current_settings()
    return LeadService(DynamoLeadStore(settings.leads_table), SqsScoringQueue(settings.scoring_queue_url))


@once_per_environment
def signal_service() -> SignalService:
    from leadqual.adapters.dynamo_holds import DynamoHoldIndex
    from leadqual.adapters.messaging import SqsScoringQueue
    from leadqual.services.signals import SignalService

    settings = current_settings()
    return SignalService(
        DynamoSignalStore(settings.signals_table),
        DynamoLeadStore(settings.leads_table),
        DynamoHoldIndex(settings.leads_table),
        SqsScoringQueue(settings.scoring_queue_url),
    )


@once_per_environment
def feedback_service() -> FeedbackService:
    from leadqual.services.feedback import FeedbackService

    return FeedbackService(DynamoLeadStore(current_settings().leads_table))


@once_per_environment
def outcome_service() -> OutcomeService:
    from leadqual.adapters.messaging import SqsCrmChangeQueue
    from leadqual.services.outcomes import OutcomeService

    settings = current_settings()
    return OutcomeService(
        DynamoLeadStore(settings.leads_table),
        DynamoSignalStore(settings.signals_table),
        distribution_service(),
        SqsCrmChangeQueue(settings.crm_sync_queue_url),
    )


@once_per_environment
def review_service() -> ReviewService:
    from leadqual.adapters.dynamo_decisions import DynamoDecisionStore
    from leadqual.console.settings import current_console_settings
    from leadqual.services.reviews import ReviewService

    settings = current_settings()
    return ReviewService(
        DynamoLeadStore(settings.leads_table),
        DynamoDecisionStore(settings.leads_table),
        SnsNotifier(settings.sdr_topic_arn),
        StepFunctionsWorkflow(settings.state_machine_arn),
        settings.review_timeout_seconds,
        current_console_settings().console_url,
        alert_queue(),
    )


@once_per_environment
def policy() -> Policy:
    from leadqual.domain.policy import load_policy

    return load_policy(current_settings().policy_file)


@once_per_environment
def hold_sweeper() -> HoldSweeper:
    from leadqual.adapters.dynamo_holds import DynamoHoldIndex
    from leadqual.adapters.messaging import SqsScoringQueue
    from leadqual.services.holds import HoldSweeper

    settings = current_settings()
    return HoldSweeper(
        DynamoHoldIndex(settings.leads_table), SqsScoringQueue(settings.scoring_queue_url), policy()
    )


@once_per_environment
def routing_service() -> RoutingService:
    from leadqual.adapters.dynamo_decisions import DynamoDecisionStore
    from leadqual.services.routing import RoutingService

    settings = current_settings()
    return RoutingService(
        DynamoLeadStore(settings.leads_table),
        DynamoDecisionStore(settings.leads_table),
        DynamoSignalStore(settings.signals_table),
        policy(),
    )


@once_per_environment
def dispatch_service() -> DispatchService:
    from leadqual.adapters.dynamo_decisions import DynamoDecisionStore
    from leadqual.adapters.dynamo_holds import DynamoHoldIndex
    from leadqual.adapters.messaging import QueueDispatcher, SqsCrmChangeQueue
    from leadqual.services.dispatch import DispatchService

    settings = current_settings()
    return DispatchService(
        DynamoLeadStore(settings.leads_table),
        DynamoDecisionStore(settings.leads_table),
        DynamoSignalStore(settings.signals_table),
        policy(),
        QueueDispatcher(settings.action_queue_urls, settings.event_bus_name),
        distribution_service(),
        DynamoHoldIndex(settings.leads_table),
        SqsCrmChangeQueue(settings.crm_sync_queue_url),
        alert_queue(),
    )


@once_per_environment
def distribution_service() -> DistributionService:
    from leadqual.adapters.dynamo_roster import DynamoRoster
    from leadqual.services.distribution import DistributionService

    return DistributionService(DynamoRoster(current_settings().leads_table), policy())


@once_per_environment
def escalation_service() -> EscalationService:
    from leadqual.adapters.dynamo_decisions import DynamoDecisionStore
    from leadqual.services.escalation import EscalationService

    settings = current_settings()
    return EscalationService(
        DynamoLeadStore(settings.leads_table),
        DynamoDecisionStore(settings.leads_table),
        SnsNotifier(settings.sdr_topic_arn),
        review_service(),
    )


@once_per_environment
def scoring_service() -> ScoringService:
    from leadqual.adapters.onnx_model import OnnxModel
    from leadqual.domain.scoring import Scorer
    from leadqual.services.scoring import ScoringService

    settings = current_settings()
    model = OnnxModel(resolve_model_dir(settings))
    return ScoringService(
        DynamoLeadStore(settings.leads_table),
        DynamoSignalStore(settings.signals_table),
        model,
        Scorer(model.spec, model.profile),
        StepFunctionsWorkflow(settings.state_machine_arn),
    )


@once_per_environment
def connections() -> Connections:
    from leadqual.connections import load_connections

    return load_connections(current_settings().connections_file)


@once_per_environment
def crm_budget() -> DynamoApiBudget | None:
    from leadqual.adapters.dynamo_budget import DynamoApiBudget

    connected = connections()
    crm = connected.hubspot or connected.salesforce
    if crm is None or connected.crm_system is None:
        return None
    return DynamoApiBudget(current_settings().leads_table, {connected.crm_system: crm.budget})


def crm_budget_spent() -> tuple[int, int] | None:
    """(requests today, leadqual's share of today's allocation) of the connected CRM, if any."""
    budget, system = crm_budget(), connections().crm_system
    return budget.spent_today(system) if budget is not None and system is not None else None


@once_per_environment
def crm_gateway() -> CrmGateway | None:
    """The connected CRM's adapter; None when the connections file names no CRM."""
    from leadqual.adapters.credentials import Credentials

    connected, budget = connections(), crm_budget()
    if budget is None:
        return None
    credentials = Credentials(current_settings().credentials_from == "secretsmanager")
    if connected.hubspot is not None:
        from leadqual.adapters.hubspot import HubSpotGateway

        hubspot = connected.hubspot
        return HubSpotGateway(
            str(hubspot.base_url),
            hubspot.api_version,
            lambda fresh: credentials.read(hubspot.token_secret, hubspot.token_env, fresh=fresh),
            budget,
        )
    from leadqual.adapters.salesforce import SalesforceGateway

    salesforce = connected.salesforce
    assert salesforce is not None

    def client(fresh: bool) -> tuple[str, str]:
        secret = salesforce.credentials_secret
        return (
            credentials.read(secret, salesforce.client_id_env, key="client_id", fresh=fresh),
            credentials.read(secret, salesforce.client_secret_env, key="client_secret"),
        )

    return SalesforceGateway(str(salesforce.login_url), salesforce.api_version, client, budget)


@once_per_environment
def crm_sync_service() -> CrmSyncService:
    from leadqual.console.settings import current_console_settings
    from leadqual.services.crm_sync import CrmSyncService

    return CrmSyncService(
        DynamoLeadStore(current_settings().leads_table),
        crm_gateway(),
        policy().crm,
        crm_ledger(),
        current_console_settings().console_url,
        distribution_service(),
    )


@once_per_environment
def crm_ledger() -> DynamoCrmLedger:
    from leadqual.adapters.dynamo_crm_ledger import DynamoCrmLedger

    return DynamoCrmLedger(current_settings().leads_table)


@once_per_environment
def crm_console_service() -> CrmConsoleService:
    from leadqual.adapters.messaging import SqsCrmQueueAdmin
    from leadqual.services.crm_console import CrmConsoleService

    settings = current_settings()
    return CrmConsoleService(
        crm_ledger(), SqsCrmQueueAdmin(settings.crm_sync_queue_url, settings.crm_sync_dlq_url)
    )


@once_per_environment
def crm_read_service() -> CrmReadService:
    from leadqual.adapters.dynamo_watermarks import DynamoCrmWatermarks
    from leadqual.services.crm_read import CrmReadService

    settings = current_settings()
    return CrmReadService(
        DynamoLeadStore(settings.leads_table),
        crm_gateway(),
        outcome_service(),
        DynamoCrmWatermarks(settings.leads_table),
        DynamoSignalStore(settings.signals_table),
        distribution_service(),
        policy().crm,
        alert_queue(),
    )


@once_per_environment
def crm_events_service() -> CrmEventsService:
    from leadqual.adapters.credentials import Credentials
    from leadqual.adapters.hubspot import signed_by_hubspot
    from leadqual.adapters.messaging import LambdaCrmReadTrigger
    from leadqual.services.crm_events import CrmEventsService

    settings = current_settings()
    credentials = Credentials(settings.credentials_from == "secretsmanager")
    hubspot = connections().hubspot

    def hubspot_secret() -> str | None:
        if hubspot is None or not hubspot.webhook_secret_secret or not hubspot.webhook_secret_env:
            return None
        return credentials.read(hubspot.webhook_secret_secret, hubspot.webhook_secret_env)

    return CrmEventsService(
        hubspot_secret, signed_by_hubspot, LambdaCrmReadTrigger(settings.crm_read_function_name)
    )


@once_per_environment
def crm_sync_queue() -> SqsCrmSyncQueue:
    from leadqual.adapters.messaging import SqsCrmSyncQueue

    return SqsCrmSyncQueue(current_settings().crm_sync_queue_url)


@once_per_environment
def crm_dead_letters() -> SqsCrmDeadLetters:
    from leadqual.adapters.messaging import SqsCrmDeadLetters

    return SqsCrmDeadLetters(current_settings().crm_sync_dlq_url)


@once_per_environment
def alert_queue() -> SqsAlertQueue | None:
    """None where the stack has no alert queue (a function deployed before it, a test's settings)."""
    from leadqual.adapters.messaging import SqsAlertQueue

    url = current_settings().alert_queue_url
    return SqsAlertQueue(url) if url else None


@once_per_environment
def chat_gateway() -> ChatGateway | None:
    """Slack's adapter for the alert function, which waits out `ratelimited`; None when the
    connections file names no Slack app."""
    return _slack_gateway(rate_limit_retries=5)


def _slack_gateway(rate_limit_retries: int) -> ChatGateway | None:
    from leadqual.adapters.credentials import Credentials
    from leadqual.adapters.slack import SlackGateway

    slack = connections().slack
    if slack is None:
        return None
    credentials = Credentials(current_settings().credentials_from == "secretsmanager")
    return SlackGateway(
        str(slack.base_url),
        lambda fresh: credentials.read(slack.token_secret, slack.token_env, fresh=fresh),
        rate_limit_retries,
    )


@once_per_environment
def sla_scheduler() -> EventBridgeSlaScheduler | None:
    """None where the stack has no SLA schedule group (a function deployed before it)."""
    from leadqual.adapters.scheduler import EventBridgeSlaScheduler

    settings = current_settings()
    if not settings.sla_schedule_group:
        return None
    return EventBridgeSlaScheduler(
        settings.sla_schedule_group, settings.alert_queue_arn, settings.sla_scheduler_role_arn
    )


@once_per_environment
def alert_service() -> AlertService:
    from leadqual.adapters.dynamo_alerts import DynamoAlertStore
    from leadqual.adapters.dynamo_decisions import DynamoDecisionStore
    from leadqual.adapters.messaging import SqsCrmChangeQueue
    from leadqual.adapters.ses import SesMailer
    from leadqual.console.settings import current_console_settings
    from leadqual.services.alerts import AlertService

    settings = current_settings()
    return AlertService(
        DynamoLeadStore(settings.leads_table),
        DynamoDecisionStore(settings.leads_table),
        DynamoAlertStore(settings.leads_table),
        chat_gateway(),
        distribution_service(),
        outcome_service(),
        policy(),
        sla_scheduler(),
        SqsCrmChangeQueue(settings.crm_sync_queue_url),
        SesMailer(settings.alerts_from_email)
        if settings.alerts_from_email and settings.link_key_secret
        else None,
        link_key() if settings.link_key_secret else None,
        current_console_settings().console_url,
        teams=teams_channel(),
    )


@once_per_environment
def teams_channel() -> CardChannel | None:
    """The Teams channel's Workflows webhook; None when the connections file names none."""
    from leadqual.adapters.credentials import Credentials
    from leadqual.adapters.teams import TeamsWorkflow

    teams = connections().teams
    if teams is None:
        return None
    credentials = Credentials(current_settings().credentials_from == "secretsmanager")
    return TeamsWorkflow(lambda: credentials.read(teams.webhook_url_secret, teams.webhook_url_env))


def link_key() -> Callable[[], str]:
    """Reads the key that signs acknowledge links (Secrets Manager; the stack generates it)."""
    from leadqual.adapters.credentials import Credentials

    settings = current_settings()
    credentials = Credentials(settings.credentials_from == "secretsmanager")
    return lambda: credentials.read(settings.link_key_secret, "LEADQUAL_LINK_KEY")


@once_per_environment
def ack_link_service() -> AckLinkService:
    from leadqual.adapters.dynamo_alerts import DynamoAlertStore
    from leadqual.services.ack_links import AckLinkService

    settings = current_settings()
    queue = alert_queue()
    if queue is None or not settings.link_key_secret:
        raise RuntimeError("the stack has no alert queue or link key: links cannot acknowledge here")
    return AckLinkService(
        link_key(),
        DynamoAlertStore(settings.leads_table),
        queue,
        DynamoLeadStore(settings.leads_table),
        utc_now,
    )


@once_per_environment
def slack_interaction_service() -> SlackInteractionService:
    from leadqual.adapters.credentials import Credentials
    from leadqual.adapters.dynamo_alerts import DynamoAlertStore
    from leadqual.adapters.slack import signed_by_slack
    from leadqual.services.slack_interactions import SlackInteractionService

    settings = current_settings()
    credentials = Credentials(settings.credentials_from == "secretsmanager")
    slack = connections().slack
    queue = alert_queue()
    if queue is None:
        raise RuntimeError(
            "the stack has no alert queue (LEADQUAL_ALERT_QUEUE_URL): Slack cannot be answered"
        )

    def signing_secret() -> str | None:
        return credentials.read(slack.signing_secret_secret, slack.signing_secret_env) if slack else None

    return SlackInteractionService(
        # Within Slack's 3 seconds nothing waits out a `ratelimited`: Slack sends the press again.
        signing_secret, signed_by_slack, _slack_gateway(rate_limit_retries=0), DynamoAlertStore(settings.leads_table),
        queue, review_service(), distribution_service(), policy(),
    )  # fmt: skip


def reset() -> None:
    """Forget what the process built (the local mode and tests rebuild against fresh resources)."""
    forget_process_environment()
