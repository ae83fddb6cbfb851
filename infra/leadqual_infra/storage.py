"""Lead state: the leads table (leads, reviews, de-duplication, idempotency) and the signals table."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from leadqual import resources
from leadqual_infra.naming import name_resource


class LeadStorage(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.leads = self._table("LeadsTable", resources.LEADS_TABLE)
        self.leads.add_global_secondary_index(
            index_name=resources.LEADS_PENDING_REVIEW_INDEX,
            partition_key=dynamodb.Attribute(
                name=resources.REVIEW_QUEUE_ATTRIBUTE, type=dynamodb.AttributeType.STRING
            ),
            sort_key=dynamodb.Attribute(
                name=resources.REVIEW_CREATED_ATTRIBUTE, type=dynamodb.AttributeType.STRING
            ),
        )
        # The reports read each lead's small report row, a month of leads a query (see dynamo_leads.py).
        self.leads.add_global_secondary_index(
            index_name=resources.LEADS_REPORTS_INDEX,
            partition_key=dynamodb.Attribute(name="report_month", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="report_at", type=dynamodb.AttributeType.STRING),
            projection_type=dynamodb.ProjectionType.INCLUDE,
            non_key_attributes=["report"],
        )
        self.signals = self._table("SignalsTable", resources.SIGNALS_TABLE)

    def _table(self, construct_id: str, name: str) -> dynamodb.TableV2:
        table = dynamodb.TableV2(
            self,
            construct_id,
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing=dynamodb.Billing.on_demand(),
            encryption=dynamodb.TableEncryptionV2.aws_managed_key(),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute="expires_at",
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        name_resource(table, name)
        return table
