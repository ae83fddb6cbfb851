"""Each function's AWS calls checked against the policy statements its synthesized role grants.

moto enforces no IAM that fits CDK's resource-scoped grants (it evaluates every request against
the resource `*`). So every call leadqual's adapters make is mapped to the IAM actions and
resources AWS would authorize it by, and evaluated against the invoking function's statements, as
resolved from the template `cdk deploy` ships. A call the role does not allow fails as it would in
AWS (AccessDenied) and is recorded, so a test fails naming the function and the call even where
the code under test catches the error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from botocore.exceptions import ClientError

from leadqual_tools.local.stack_template import ACCOUNT, REGION

# boto3 service name -> IAM service prefix
IAM_PREFIX = {"stepfunctions": "states"}
# Batch operations AWS authorizes as the single-item action.
SQS_ACTIONS = {
    "SendMessageBatch": "SendMessage",
    "DeleteMessageBatch": "DeleteMessage",
    "ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
}
TRANSACT_WRITE_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}

# The function whose code is running in this thread (set by the local invoker).
calling_function: ContextVar[str | None] = ContextVar("leadqual_calling_function", default=None)


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Statement:
        def listed(value: Any) -> tuple[str, ...]:
            return tuple(value) if isinstance(value, list) else (value,)

        return cls(raw.get("Effect", "Allow"), listed(raw.get("Action", [])), listed(raw.get("Resource", [])))

    def matches(self, action: str, resource: str) -> bool:
        # IAM action names are case-insensitive; ARNs are not.
        return any(fnmatchcase(action.lower(), a.lower()) for a in self.actions) and any(
            fnmatchcase(resource, r) for r in self.resources
        )


@dataclass(frozen=True)
class Permission:
    action: str
    resource: str


@dataclass(frozen=True)
class Denial:
    principal: str
    operation: str
    permission: Permission

    def __str__(self) -> str:
        return (
            f"{self.principal} called {self.operation}, which needs {self.permission.action} on "
            f"{self.permission.resource}: its synthesized role does not allow it"
        )


def allowed(statements: Iterable[Statement], permission: Permission) -> bool:
    """IAM's rule for one identity policy set: an explicit deny wins, else some allow is needed."""
    matching = [s for s in statements if s.matches(permission.action, permission.resource)]
    return bool(matching) and all(s.effect == "Allow" for s in matching)


@dataclass
class ArnBook:
    """Physical names to ARNs, for the resources a call names by name or URL."""

    table_arns: dict[str, str] = field(default_factory=dict)
    state_machine_arns: list[str] = field(default_factory=list)
    secret_arns: dict[str, str] = field(default_factory=dict)  # name -> ARN (AWS adds 6 characters)

    def secret(self, name_or_arn: str) -> str:
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        return self.secret_arns.get(
            name_or_arn, f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name_or_arn}-000000"
        )

    def table(self, name: str) -> str:
        return self.table_arns.get(name, f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}")

    @staticmethod
    def queue(url: str) -> str:
        return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{url.rstrip('/').rsplit('/', 1)[-1]}"

    @staticmethod
    def event_bus(name: str) -> str:
        return name if name.startswith("arn:") else f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}"

    @staticmethod
    def function(name: str) -> str:
        return name if name.startswith("arn:") else f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def required_permissions(
    service: str, operation: str, params: dict[str, Any], arns: ArnBook
) -> Iterator[Permission]:
    """The (action, resource) pairs AWS authorizes this API call by."""
    prefix = IAM_PREFIX.get(service, service)
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            for item in params.get("TransactItems", []):
                for kind, body in item.items():
                    yield Permission(
                        f"dynamodb:{TRANSACT_WRITE_ACTIONS[kind]}", arns.table(body["TableName"])
                    )
        elif operation == "TransactGetItems":
            for item in params.get("TransactItems", []):
                yield Permission("dynamodb:GetItem", arns.table(item["Get"]["TableName"]))
        elif operation in ("BatchWriteItem", "BatchGetItem"):
            for table in params.get("RequestItems", {}):
                yield Permission(f"dynamodb:{operation}", arns.table(table))
        else:
            resource = arns.table(params["TableName"])
            if params.get("IndexName"):
                resource += f"/index/{params['IndexName']}"
            yield Permission(f"dynamodb:{operation}", resource)
    elif service == "sqs":
        yield Permission(
            f"sqs:{SQS_ACTIONS.get(operation, operation)}", arns.queue(params.get("QueueUrl", "*"))
        )
    elif service == "sns":
        yield Permission(f"sns:{operation}", params.get("TopicArn") or params.get("TargetArn") or "*")
    elif service == "events" and operation == "PutEvents":
        for entry in params.get("Entries", []):
            yield Permission("events:PutEvents", arns.event_bus(entry.get("EventBusName", "default")))
    elif service == "stepfunctions":
        if "stateMachineArn" in params:
            resource = params["stateMachineArn"]
        elif "executionArn" in params:
            resource = params["executionArn"]
        else:
            # A task token belongs to an execution of the stack's state machine; CDK's
            # grant_task_response scopes SendTask* to that state machine's ARN.
            resource = arns.state_machine_arns[0] if arns.state_machine_arns else "*"
        yield Permission(f"states:{operation}", resource)
    elif service == "secretsmanager" and "SecretId" in params:
        yield Permission(f"secretsmanager:{operation}", arns.secret(params["SecretId"]))
    elif service == "sesv2" and operation == "SendEmail":
        yield Permission(
            "ses:SendEmail", f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/{params['FromEmailAddress']}"
        )
    elif service == "scheduler" and "Name" in params:
        group = params.get("GroupName", "default")
        yield Permission(
            f"scheduler:{operation}",
            f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{group}/{params['Name']}",
        )
        if "Target" in params:  # the schedule sends as its target's role: the caller must pass it
            yield Permission("iam:PassRole", params["Target"]["RoleArn"])
    elif service == "lambda" and "FunctionName" in params:
        action = "InvokeFunction" if operation == "Invoke" else operation
        yield Permission(f"lambda:{action}", arns.function(params["FunctionName"]))
    else:
        yield Permission(f"{prefix}:{operation}", "*")


@dataclass
class IamEnforcer:
    """Holds each principal's statements, checks calls, and keeps every call and every denial."""

    arns: ArnBook
    policies: dict[str, list[Statement]] = field(default_factory=dict)
    calls: dict[str, set[Permission]] = field(default_factory=dict)
    denials: list[Denial] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def authorize(self, principal: str, operation: str, permissions: Iterable[Permission]) -> None:
        for permission in permissions:
            with self._lock:
                self.calls.setdefault(principal, set()).add(permission)
            if not allowed(self.policies.get(principal, []), permission):
                denial = Denial(principal, operation, permission)
                with self._lock:
                    self.denials.append(denial)
                raise ClientError(
                    {
                        "Error": {
                            "Code": "AccessDeniedException",
                            "Message": f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{principal}-role/{principal} "
                            f"is not authorized to perform: {permission.action} on resource: "
                            f"{permission.resource} because no identity-based policy allows the "
                            f"{permission.action} action",
                        },
                        "ResponseMetadata": {"HTTPStatusCode": 400},
                    },
                    operation,
                )

    def before_call(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        """botocore's before-parameter-build hook, on every client leadqual's adapters use."""
        principal = calling_function.get()
        if principal is None:
            return  # the test or the operator's own call, outside any function
        service = model.service_model.service_name
        self.authorize(
            principal, f"{service}.{model.name}", required_permissions(service, model.name, params, self.arns)
        )

    def report(self) -> str:
        return "\n".join(str(d) for d in dict.fromkeys(self.denials))
