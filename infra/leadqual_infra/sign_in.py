"""How SDRs and RevOps sign in to the console (docs/console.md): a Cognito user pool with the
console's groups (`api_routes.Group`), its hosted sign-in pages, and one app client for the console's code flow
with PKCE. API Gateway checks the pool's tokens on the console's routes (`LeadApi`)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from leadqual.api_routes import Group


class ConsoleSignIn(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, domain_prefix: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "People",
            # RevOps invites people; nobody signs up on their own.
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
                temp_password_validity=cdk.Duration.days(3),
            ),  # fmt: skip
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # Threat protection (compromised credentials, adaptive authentication) needs the Plus plan.
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.groups = {
            group: cognito.CfnUserPoolGroup(
                self,
                f"{group.value.title()}Group",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=group.value,
                description={
                    Group.SDR: "SDRs: read reviews and leads, decide their own queue's reviews",
                    Group.REVOPS: "RevOps: read reviews, leads, the reports and the routing policy",
                    Group.LEAD: "SDR team leads: decide any review; read the reports and the policy",
                    Group.MANAGER: "Sales managers: decide any review; read the reports and the policy",
                }[group],
            )
            for group in Group
        }
        self.domain = self.user_pool.add_domain(
            "HostedUi", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=domain_prefix)
        )

    def add_console_client(self, console_address: str) -> cognito.UserPoolClient:
        """The console's app client: code flow with PKCE (no secret, as a page cannot keep one),
        back to the console's own address; tokens last an hour, the session a working day."""
        self.client = self.user_pool.add_client(
            "Console",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
                callback_urls=[console_address],
                logout_urls=[console_address],
            ),
            prevent_user_existence_errors=True,
            id_token_validity=cdk.Duration.hours(1),
            access_token_validity=cdk.Duration.hours(1),
            refresh_token_validity=cdk.Duration.hours(10),
        )
        return self.client

    @property
    def hosted_ui(self) -> str:
        return self.domain.base_url()
