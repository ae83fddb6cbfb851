"""The one place that names leadqual's resources.

CDK (infra/), the local mode (leadqual_tools.local) and the tests read these names instead of
repeating strings, so a renamed queue cannot leave one of them behind.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from leadqual.domain.schemas.vocabulary import RouteAction


class Env(StrEnum):
    """Environment variable names the functions read (see leadqual.settings)."""

    LEADS_TABLE = "LEADQUAL_LEADS_TABLE"
    SIGNALS_TABLE = "LEADQUAL_SIGNALS_TABLE"
    SCORING_QUEUE_URL = "LEADQUAL_SCORING_QUEUE_URL"
    REVIEW_QUEUE_URL = "LEADQUAL_REVIEW_QUEUE_URL"
    ACTION_QUEUE_URLS = "LEADQUAL_ACTION_QUEUE_URLS"
    STATE_MACHINE_ARN = "LEADQUAL_STATE_MACHINE_ARN"
    SDR_TOPIC_ARN = "LEADQUAL_SDR_TOPIC_ARN"
    EVENT_BUS_NAME = "LEADQUAL_EVENT_BUS_NAME"
    MODEL_DIR = "LEADQUAL_MODEL_DIR"
    REVIEW_TIMEOUT_SECONDS = "LEADQUAL_REVIEW_TIMEOUT_SECONDS"
    POLICY_FILE = "LEADQUAL_POLICY_FILE"
    # How people sign in to the console: "cognito" in AWS; "none" under `leadqual serve`.
    CONSOLE_SIGN_IN = "LEADQUAL_CONSOLE_SIGN_IN"
    CONSOLE_REFRESH_SECONDS = "LEADQUAL_CONSOLE_REFRESH_SECONDS"
    # The console's address, for the links in review e-mails (the stack's ConsoleUrl parameter).
    CONSOLE_URL = "LEADQUAL_CONSOLE_URL"
    # The CRM-sync queue (Dispatch and outcomes send to it), and the connections file (the CRM and
    # Slack blocks; default: the one bundled at synth, if any).
    CRM_SYNC_QUEUE_URL = "LEADQUAL_CRM_SYNC_QUEUE_URL"
    # Where the CRM writer puts a change the CRM refused (never retried), with its reason.
    CRM_SYNC_DLQ_URL = "LEADQUAL_CRM_SYNC_DLQ_URL"
    CONNECTIONS_FILE = "LEADQUAL_CONNECTIONS_FILE"
    # The alert queue: a rep's lead and a review's reviewers told in Slack, and what follows.
    ALERT_QUEUE_URL = "LEADQUAL_ALERT_QUEUE_URL"
    # The SLA chain's one-time schedules: their group, where they send, and the role they send as.
    SLA_SCHEDULE_GROUP = "LEADQUAL_SLA_SCHEDULE_GROUP"
    ALERT_QUEUE_ARN = "LEADQUAL_ALERT_QUEUE_ARN"
    SLA_SCHEDULER_ROLE_ARN = "LEADQUAL_SLA_SCHEDULER_ROLE_ARN"
    # E-mail alerts: who they come from (SES), and the secret that signs their acknowledge links.
    ALERTS_FROM_EMAIL = "LEADQUAL_ALERTS_FROM_EMAIL"
    LINK_KEY_SECRET = "LEADQUAL_LINK_KEY_SECRET"
    # "secretsmanager": credentials are read from the secrets the connections file names (in AWS,
    # and in the local mode, which stands them up in moto); "environment": from its env vars.
    CREDENTIALS_FROM = "LEADQUAL_CREDENTIALS_FROM"
    # The CRM reader, which a vendor's webhook runs at once (the API invokes it).
    CRM_READ_FUNCTION_NAME = "LEADQUAL_CRM_READ_FUNCTION_NAME"
    # The user pool's hosted sign-in pages and the console's app client (the API function's).
    SIGN_IN_URL = "LEADQUAL_SIGN_IN_URL"
    SIGN_IN_CLIENT_ID = "LEADQUAL_SIGN_IN_CLIENT_ID"


# Logical names; CDK lets CloudFormation add a suffix, the local mode uses them as they are.
LEADS_TABLE = "leadqual-leads"
SIGNALS_TABLE = "leadqual-signals"
SCORING_QUEUE = "leadqual-scoring"
SCORING_DLQ = "leadqual-scoring-dlq"
REVIEW_QUEUE = "leadqual-review-requests"
REVIEW_DLQ = "leadqual-review-requests-dlq"
SDR_TOPIC = "leadqual-sdr-notifications"
ALARM_TOPIC = "leadqual-alarms"
HOLD_SWEEP_DLQ = "leadqual-hold-sweep-dlq"
# FIFO: one lead's changes are written in order (its message group), and a resend within five
# minutes is dropped by its change id (the deduplication id).
CRM_SYNC_QUEUE = "leadqual-crm-sync.fifo"
# FIFO, by lead: an alert's work in order, a resend within five minutes dropped by its work id.
ALERT_QUEUE = "leadqual-alerts.fifo"
SLA_SCHEDULE_GROUP = "leadqual-sla"
EVENT_BUS = "leadqual-events"
STATE_MACHINE = "leadqual-lead-workflow"
POWERTOOLS_SERVICE = "leadqual"
# Set on every function. leadqual uses no pydantic plugins, and looking for them scans every
# installed package's metadata at the first model class: ~15 ms of each cold start (make bench).
# numpy's OpenBLAS starts a thread per core on import, which spins for ~80 ms of CPU that Lambda
# counts against the function's share; the scoring function multiplies no matrices large enough to
# want more than one (ONNX Runtime has threads of its own, set in adapters/onnx_session.py).
RUNTIME_ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": POWERTOOLS_SERVICE,
    "PYDANTIC_DISABLE_PLUGINS": "__all__",
    "OPENBLAS_NUM_THREADS": "1",
}
# Where Lambda unpacks a function's bundle: the stack names bundled files from here (the model),
# and the local mode maps such names back to the checkout.
LAMBDA_TASK_ROOT = "/var/task/"
METRICS_NAMESPACE = "Leadqual"
LEADS_PENDING_REVIEW_INDEX = "pending-reviews"
# Its key: a review carries these attributes only while it waits on an SDR (adapters/dynamo_decisions.py).
REVIEW_QUEUE_ATTRIBUTE, REVIEW_CREATED_ATTRIBUTE = "review_queue", "review_created"
# Each lead's report row, by the month it was submitted in (see adapters/dynamo_leads.py).
LEADS_REPORTS_INDEX = "reports-by-month"
# Template metadata key that carries a resource's name above (see infra/leadqual_infra/naming.py).
TEMPLATE_NAME_KEY = "leadqual:name"

# A message that fails this many receives goes to its DLQ (which has an alarm). AWS advises at least
# 5 for a queue feeding Lambda, so throttled or briefly failing batches are not dead-lettered.
MAX_RECEIVES = 5
SCORING_BATCH_SIZE = 10
REVIEW_BATCH_SIZE = 10
DEFAULT_REVIEW_TIMEOUT_SECONDS = 24 * 3600


FIFO_SUFFIX = ".fifo"


def action_queue_name(action: RouteAction) -> str:
    # FIFO: SQS drops a resend of a routed lead (same deduplication id) within five minutes.
    return f"leadqual-route-{action.value.replace('_', '-')}{FIFO_SUFFIX}"


def dlq_name(queue_name: str) -> str:
    if queue_name.endswith(FIFO_SUFFIX):  # a FIFO queue's DLQ is FIFO too, and named so
        return f"{queue_name.removesuffix(FIFO_SUFFIX)}-dlq{FIFO_SUFFIX}"
    return f"{queue_name}-dlq"


def action_dlq_name(action: RouteAction) -> str:
    return dlq_name(action_queue_name(action))


def function_name(spec_name: str) -> str:
    return f"leadqual-{spec_name}"


class Bundle(StrEnum):
    """Which code bundle a function ships: each adds its own requirements to the light one."""

    LIGHT = "light"  # leadqual, Powertools, pydantic
    SCORING = "scoring"  # + numpy, onnxruntime and the model
    CRM = "crm"  # + the CRM clients (httpx) and the connections file


class FunctionSpec(NamedTuple):
    """One Lambda function: its entry point and what its bundle needs."""

    name: str
    handler: str
    description: str
    bundle: Bundle = Bundle.LIGHT
    memory_mb: int = 256
    timeout_seconds: int = 15


API_FUNCTION = FunctionSpec(
    "api", "leadqual.handlers.api.handler", "REST API: ingest, reads, review decisions"
)
SCORE_FUNCTION = FunctionSpec(
    "score",
    "leadqual.handlers.score.handler",
    "Scores leads from the scoring queue with the ONNX model and starts their workflow",
    bundle=Bundle.SCORING,
    memory_mb=1024,
    timeout_seconds=60,
)
ROUTE_FUNCTION = FunctionSpec(
    "route", "leadqual.handlers.route.handler", "Decides tier, route and whether a human reviews"
)
REVIEW_REQUEST_FUNCTION = FunctionSpec(
    "review-request",
    "leadqual.handlers.review_request.handler",
    "Records a review with its task token and notifies SDRs",
)
ESCALATE_FUNCTION = FunctionSpec(
    "escalate", "leadqual.handlers.escalate.handler", "Escalates a review that timed out"
)
DISPATCH_FUNCTION = FunctionSpec(
    "dispatch", "leadqual.handlers.dispatch.handler", "Sends a decided lead to its action queue"
)
RECORD_FAILURE_FUNCTION = FunctionSpec(
    "record-failure",
    "leadqual.handlers.record_failure.handler",
    "Records on the lead why its workflow failed",
)

HOLD_SWEEP_FUNCTION = FunctionSpec(
    "hold-sweep",
    "leadqual.handlers.hold_sweep.handler",
    "Hourly: re-evaluates leads held longer than the policy's max_days",
    timeout_seconds=60,
)
HOLD_SWEEP_EVERY_MINUTES = 60

CRM_SYNC_FUNCTION = FunctionSpec(
    "crm-sync",
    "leadqual.handlers.crm_sync.handler",
    "Writes routed leads' scores, route and owner to the CRM, within the API budget",
    bundle=Bundle.CRM,
    # Long enough to wait out a 429's Retry-After and the budget's next second, a few times over.
    timeout_seconds=120,
)
CRM_SYNC_BATCH_SIZE = 10  # Lambda's most for a FIFO queue
CRM_READ_FUNCTION = FunctionSpec(
    "crm-read",
    "leadqual.handlers.crm_read.handler",
    "Every few minutes, and nightly over the last week: sales' outcomes read back from the CRM",
    bundle=Bundle.CRM,
    timeout_seconds=300,
)
CRM_READ_EVERY_MINUTES = 5
CRM_READ_DLQ = "leadqual-crm-read-dlq"
# The share of leadqual's daily CRM API share spent (the CRM writer reports it; an alarm watches it).
CRM_BUDGET_METRIC = "CrmBudgetUsedPercent"

ALERT_FUNCTION = FunctionSpec(
    "alerts",
    "leadqual.handlers.alerts.handler",
    "Tells reps and reviewers in Slack, and carries out what they pressed there",
    # Long enough to wait out Slack's ratelimited Retry-After a few times.
    timeout_seconds=60,
)
ALERT_BATCH_SIZE = 10  # Lambda's most for a FIFO queue

ALL_FUNCTIONS: tuple[FunctionSpec, ...] = (
    API_FUNCTION,
    SCORE_FUNCTION,
    ROUTE_FUNCTION,
    REVIEW_REQUEST_FUNCTION,
    ESCALATE_FUNCTION,
    DISPATCH_FUNCTION,
    RECORD_FAILURE_FUNCTION,
    HOLD_SWEEP_FUNCTION,
    CRM_SYNC_FUNCTION,
    CRM_READ_FUNCTION,
    ALERT_FUNCTION,
)

# Functions the state machine calls; the key is the ASL substitution variable.
WORKFLOW_FUNCTIONS: dict[str, FunctionSpec] = {
    "RouteFunctionArn": ROUTE_FUNCTION,
    "EscalateFunctionArn": ESCALATE_FUNCTION,
    "DispatchFunctionArn": DISPATCH_FUNCTION,
    "RecordFailureFunctionArn": RECORD_FAILURE_FUNCTION,
}
