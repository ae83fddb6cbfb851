"""SDR notifications (reviews to decide, escalations) and the operators' alarm topic."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from leadqual import resources
from leadqual_infra.naming import name_resource


class Notifications(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, sdr_email: str) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(self, "TopicsKey", enable_key_rotation=True, description="leadqual SNS topics")
        self.sdr_topic = sns.Topic(
            self, "SdrTopic", display_name="leadqual SDR reviews", master_key=self.key, enforce_ssl=True
        )
        self.alarm_topic = sns.Topic(
            self, "AlarmTopic", display_name="leadqual alarms", master_key=self.key, enforce_ssl=True
        )
        name_resource(self.sdr_topic, resources.SDR_TOPIC)
        name_resource(self.alarm_topic, resources.ALARM_TOPIC)
        # CloudWatch alarms publish to the encrypted alarm topic: this account's alarms only (a
        # service principal with no source condition is any account's CloudWatch: the confused deputy).
        self.key.grant_encrypt_decrypt(
            iam.ServicePrincipal("cloudwatch.amazonaws.com").with_conditions({
                "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                "ArnLike": {"aws:SourceArn": f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"},
            })
        )  # fmt: skip
        if sdr_email:
            self.sdr_topic.add_subscription(subscriptions.EmailSubscription(sdr_email))
            self.alarm_topic.add_subscription(subscriptions.EmailSubscription(sdr_email))
