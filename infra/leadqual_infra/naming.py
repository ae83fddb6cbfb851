"""Ties each synthesized resource to its name in `leadqual.resources`.

CloudFormation names the resources in AWS; the name travels in the template's metadata, so the
local mode can stand up the very template `cdk deploy` ships and still find "the scoring queue".
"""

from __future__ import annotations

from typing import cast

import aws_cdk as cdk
from constructs import Construct

from leadqual.resources import TEMPLATE_NAME_KEY


def name_resource(construct: Construct, name: str) -> None:
    cast(cdk.CfnResource, construct.node.default_child).add_metadata(TEMPLATE_NAME_KEY, name)
