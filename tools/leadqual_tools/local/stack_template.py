"""The template `cdk synth` produces for the stack `cdk deploy` ships, and its values resolved locally.

The local mode does not describe leadqual's resources a second time: it synthesizes the real CDK
app (bundling skipped; the code that runs locally is the source tree), reads tables, queues,
functions (handler, environment, memory, timeout), event source mappings, the state machine and
every role's policy statements from the template, and resolves CloudFormation's intrinsic
functions to the physical names and ARNs it creates in moto.

Synthesis runs in a child process (jsii starts Node.js, which a long-running local server should
not carry) and is cached by a hash of everything that shapes the template.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leadqual.resources import LAMBDA_TASK_ROOT, TEMPLATE_NAME_KEY

REPO = Path(__file__).resolve().parents[3]
INFRA = REPO / "infra"
CACHE = REPO / "cdk.out" / "local-templates"
# What the template is made of: the CDK app and the code and configuration it reads at synth time.
TEMPLATE_INPUTS = (
    *sorted(INFRA.rglob("*.py")),
    REPO / "functions" / "leadqual" / "resources.py",
    REPO / "functions" / "leadqual" / "api_routes.py",  # API Gateway's resources and methods
    REPO / "functions" / "leadqual" / "domain" / "schemas" / "shared.py",  # RouteAction: a queue each
    REPO / "functions" / "leadqual" / "workflow" / "definition.py",
    REPO / "functions" / "leadqual" / "connections.py",  # which secrets the CRM writer may read
    REPO / "cdk.json",
    REPO / "model_artifacts" / "CURRENT",
)
ACCOUNT = "123456789012"
REGION = "us-east-1"
PSEUDO_PARAMETERS = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "Leadqual",
    "AWS::NoValue": None,
}


class TemplateError(RuntimeError):
    pass


def _cache_key(context: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(context, sort_keys=True).encode())
    for path in TEMPLATE_INPUTS:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()[:24]


def synthesize(context: dict[str, Any] | None = None) -> dict[str, Any]:
    """The stack's CloudFormation template for these `leadqual:*` context values (cached)."""
    context = {"aws:cdk:bundling-stacks": [], **(context or {})}
    cached = CACHE / f"{_cache_key(context)}.json"
    if cached.exists():
        template: dict[str, Any] = json.loads(cached.read_text(encoding="utf-8"))
        return template
    done = subprocess.run(
        [sys.executable, "-m", "leadqual_tools.local.stack_template", json.dumps(context)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"},
        check=False,
    )
    if done.returncode != 0:
        raise TemplateError(f"cdk synth of the stack failed:\n{done.stderr[-4000:]}")
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".partial")
    partial.write_text(done.stdout, encoding="utf-8")
    partial.replace(cached)  # readers never see half a template
    template = json.loads(done.stdout)
    return template


def _synthesize_here(context: dict[str, Any]) -> dict[str, Any]:
    sys.path.insert(0, str(INFRA))
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from app import build_app

    _, stack = build_app(cdk.App(context=context))
    return dict(Template.from_stack(stack).to_json())


def checkout_path(bundled: str) -> Path:
    """Where a file a function's variable names in its bundle (under LAMBDA_TASK_ROOT) is in this checkout."""
    return REPO / bundled.removeprefix(LAMBDA_TASK_ROOT)


@dataclass(frozen=True)
class Physical:
    """What `Ref` and `Fn::GetAtt` give for one resource once it exists."""

    ref: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class StackTemplate:
    template: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = self.template["Resources"]
        return found

    def of_type(self, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for logical_id, resource in self.resources.items():
            if resource["Type"] == resource_type:
                yield logical_id, resource.get("Properties", {})

    def name_of(self, logical_id: str) -> str:
        """The leadqual name (leadqual.resources) CDK attached, else the logical id itself."""
        metadata = self.resources[logical_id].get("Metadata", {})
        return str(metadata.get(TEMPLATE_NAME_KEY, logical_id))

    def logical_id(self, name: str) -> str:
        for logical_id in self.resources:
            if self.name_of(logical_id) == name:
                return logical_id
        raise TemplateError(f"the template has no resource named {name!r}")


@dataclass
class Resolver:
    """CloudFormation's intrinsic functions over the physical resources the local mode created."""

    physical: dict[str, Physical]
    # The template's parameters as this deploy sets them (each one's default unless given), and
    # its conditions, which Fn::If names.
    parameters: dict[str, str] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, stack: StackTemplate, physical: dict[str, Physical], given: dict[str, str]) -> Resolver:
        declared = stack.template.get("Parameters", {})
        parameters = {name: str(given.get(name, spec.get("Default", ""))) for name, spec in declared.items()}
        return cls(physical, parameters, stack.template.get("Conditions", {}))

    def holds(self, condition: Any) -> bool:
        """A condition of the template (Fn::Equals, Fn::Not, Fn::And, Fn::Or, or a condition's name)."""
        if isinstance(condition, dict) and "Condition" in condition:
            return self.holds(self.conditions[condition["Condition"]])
        (function, argument), *_ = condition.items()
        if function == "Fn::Equals":
            left, right = (self(part) for part in argument)
            return bool(left == right)
        if function == "Fn::Not":
            return not self.holds(argument[0])
        if function == "Fn::And":
            return all(self.holds(part) for part in argument)
        if function == "Fn::Or":
            return any(self.holds(part) for part in argument)
        raise TemplateError(f"the local mode cannot evaluate the condition {function}")

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (function, argument), *_ = value.items()
            if function == "Ref":
                return self.ref(argument)
            if function == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.attribute(logical_id, attribute)
            if function == "Fn::Join":
                separator, parts = argument
                return separator.join(str(self(part)) for part in self(parts))
            if function == "Fn::If":
                # Only the branch taken is resolved: the other may name what the local mode lacks.
                name, when_true, when_false = argument
                return self(when_true if self.holds(self.conditions[name]) else when_false)
            if function == "Fn::Select":
                index, items = argument
                return self(items)[int(self(index))]
            if function == "Fn::Split":
                separator, text = argument
                return str(self(text)).split(separator)
            if function.startswith("Fn::"):
                raise TemplateError(f"the local mode cannot resolve {function}")
        return {key: self(item) for key, item in value.items()}

    def ref(self, logical_id: str) -> Any:
        if logical_id in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[logical_id]
        if logical_id in self.parameters:
            return self.parameters[logical_id]
        if logical_id not in self.physical:
            raise TemplateError(f"Ref to {logical_id}, which the local mode did not create")
        return self.physical[logical_id].ref

    def attribute(self, logical_id: str, attribute: str) -> str:
        found = self.physical.get(logical_id)
        if found is None or attribute not in found.attributes:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute}, which the local mode did not create")
        return found.attributes[attribute]


if __name__ == "__main__":
    json.dump(_synthesize_here(json.loads(sys.argv[1])), sys.stdout)
