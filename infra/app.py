"""CDK app: `npx cdk synth` / `cdk deploy`. cdk-nag (AwsSolutions + Serverless) checks every synth."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from leadqual_infra.stack import LeadqualStack


def build_app(app: cdk.App | None = None) -> tuple[cdk.App, LeadqualStack]:
    app = app or cdk.App()
    stack = LeadqualStack(app, "Leadqual", description="leadqual: hybrid AI + human lead qualification")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    return app, stack


if __name__ == "__main__":
    built, _ = build_app()
    built.synth()
