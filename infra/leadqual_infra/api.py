"""The HTTP API (docs/api.md): its routes from the one table in `leadqual.api_routes`, each with its
auth: API keys for form handlers, IAM for RevOps, SDR tools and CRM sync, and the user pool's
tokens for people in the console."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from leadqual.api_routes import ROUTES, Auth
from leadqual_infra.functions import LOG_RETENTION

# The API's version is its stage: https://<id>.execute-api.<region>.amazonaws.com/v1/...
STAGE = "v1"
AUTHORIZATION = {
    Auth.API_KEY: apigw.AuthorizationType.NONE,  # the key is checked by the usage plan
    Auth.IAM: apigw.AuthorizationType.IAM,
    Auth.PUBLIC: apigw.AuthorizationType.NONE,
    Auth.COGNITO: apigw.AuthorizationType.COGNITO,
    Auth.VENDOR_SIGNED: apigw.AuthorizationType.NONE,  # the function checks the vendor's signature
    Auth.SIGNED_LINK: apigw.AuthorizationType.NONE,  # the function checks leadqual's own signature
}


@dataclass(frozen=True)
class ApiRates:
    """Requests a second API Gateway lets through, steady and in a burst: the whole stage's, and the
    form handlers' usage plan's (`POST /leads` and `POST /events` share it). Stack settings
    (`-c leadqual:apiRateLimit=...`, docs/deploy.md), not constants: a team whose forms post faster
    raises them."""

    stage_rate: int = 200
    stage_burst: int = 400
    forms_rate: int = 50
    forms_burst: int = 100


class LeadApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: lambda_.IFunction,
        people: cognito.IUserPool,
        rates: ApiRates = ApiRates(),
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            description="leadqual HTTP API, version 1",
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                tracing_enabled=True,
                logging_level=apigw.MethodLoggingLevel.INFO,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True, http_method=True, ip=True, protocol=True, request_time=True,
                    resource_path=True, response_length=True, status=True, user=True,
                ),
                throttling_rate_limit=rates.stage_rate,
                throttling_burst_limit=rates.stage_burst,
            ),
        )  # fmt: skip
        validator = self.rest_api.add_request_validator(
            "BodyValidator", validate_request_body=False, validate_request_parameters=True
        )
        integration = apigw.LambdaIntegration(handler)
        # The console's routes for people: API Gateway checks the user pool's ID token.
        signed_in = apigw.CognitoUserPoolsAuthorizer(self, "SignedIn", cognito_user_pools=[people])
        for route in ROUTES:
            resource = self.rest_api.root.resource_for_path(route.path.lstrip("/"))
            resource.add_method(
                route.method,
                integration,
                api_key_required=route.auth is Auth.API_KEY,
                authorization_type=AUTHORIZATION[route.auth],
                authorizer=signed_in if route.auth is Auth.COGNITO else None,
                request_validator=validator,
            )
        plan = self.rest_api.add_usage_plan(
            "FormHandlers",
            throttle=apigw.ThrottleSettings(rate_limit=rates.forms_rate, burst_limit=rates.forms_burst),
            api_stages=[apigw.UsagePlanPerApiStage(api=self.rest_api, stage=self.rest_api.deployment_stage)],
        )
        self.api_key = self.rest_api.add_api_key("FormHandlerKey")
        plan.add_api_key(self.api_key)
