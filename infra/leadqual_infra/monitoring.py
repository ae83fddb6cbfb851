"""Alarms for the promise that no lead is lost and none waits unseen.

Every alarm notifies the alarm topic: a message in a DLQ, a lead waiting too long to be scored, a
function failing or throttled, the API answering 5xx, a workflow failing, timing out, aborted or
throttled, an SDR notification SNS could not deliver, a review escalated for lack of a decision, and
a routed lead whose announcement (`lead.routed`) could not be published, and a CRM API share 80 %
spent (the CRM-sync DLQ is among the DLQs).
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from leadqual import resources

# Leads lose value by the minute: a lead unscored for this long means scoring has stalled.
OLDEST_UNSCORED_LEAD_SECONDS = 300
PERIOD = Duration.minutes(1)


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dead_letter_queues: list[sqs.Queue],
        scoring_queue: sqs.Queue,
        functions: list[lambda_.Function],
        rest_api: apigw.RestApi,
        state_machine: sfn.StateMachine,
        sdr_topic: sns.Topic,
        alarm_topic: sns.ITopic,
        crm_budget_alarm_percent: float,
    ) -> None:
        super().__init__(scope, construct_id)
        self._action = actions.SnsAction(alarm_topic)
        self.alarms: list[cloudwatch.Alarm] = []
        for index, dlq in enumerate(dead_letter_queues):
            self._alarm(
                f"DlqNotEmpty{index}",
                dlq.metric_approximate_number_of_messages_visible(period=PERIOD),
                "A message reached a dead-letter queue: a lead or review request needs attention",
            )
        self._alarm(
            "ScoringBacklog",
            scoring_queue.metric_approximate_age_of_oldest_message(period=PERIOD),
            f"A lead has waited over {OLDEST_UNSCORED_LEAD_SECONDS} s to be scored",
            threshold=OLDEST_UNSCORED_LEAD_SECONDS,
        )
        for index, function in enumerate(functions):
            self._alarm(f"FunctionErrors{index}", function.metric_errors(period=PERIOD), "A function failed")
            self._alarm(
                f"FunctionThrottles{index}",
                function.metric_throttles(period=PERIOD),
                "A function was throttled",
            )
        self._alarm("Api5xx", rest_api.metric_server_error(period=PERIOD), "The API answered 5xx")
        for name, metric in (
            ("WorkflowFailed", state_machine.metric_failed(period=PERIOD)),
            ("WorkflowTimedOut", state_machine.metric_timed_out(period=PERIOD)),
            ("WorkflowAborted", state_machine.metric_aborted(period=PERIOD)),
            ("WorkflowThrottled", state_machine.metric_throttled(period=PERIOD)),
        ):
            self._alarm(name, metric, "A lead workflow ended without routing the lead, or was throttled")
        self._alarm(
            "SdrNotificationsFailed",
            sdr_topic.metric_number_of_notifications_failed(period=PERIOD),
            "SNS could not deliver an SDR notification",
        )
        for metric_name, description in (
            ("ReviewsEscalated", "A review waited past its deadline and was escalated to an AE"),
            (
                "AnnouncementsMissed",
                "A lead was routed and handed to its action queue, but its lead.routed event could not "
                "be published after 10 minutes of retries: its consumers have not heard of it",
            ),
        ):
            self._alarm(metric_name, _leadqual_metric(metric_name), description)
        # The CRM writer reports how much of leadqual's daily API share it has spent, after each batch.
        self._alarm(
            "CrmBudget",
            _leadqual_metric(resources.CRM_BUDGET_METRIC, statistic="Maximum"),
            f"leadqual has spent over {crm_budget_alarm_percent:.0f}% of its daily share of the CRM's API "
            "allocation; when it is all spent, CRM writes wait in their queue until the next day",
            threshold=crm_budget_alarm_percent,
        )

    def _alarm(
        self, construct_id: str, metric: cloudwatch.Metric, description: str, threshold: float = 0
    ) -> None:
        alarm = metric.create_alarm(
            self,
            construct_id,
            alarm_description=description,
            threshold=threshold,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
        self.alarms.append(alarm)


def _leadqual_metric(name: str, statistic: str = "Sum") -> cloudwatch.Metric:
    """A figure the functions emit through Powertools (`leadqual.observability.metrics`)."""
    return cloudwatch.Metric(
        namespace=resources.METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": resources.POWERTOOLS_SERVICE},
        statistic=statistic,
        period=Duration.minutes(5),
    )
