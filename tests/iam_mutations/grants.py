"""The grants the deployed stacks give, as the local cloud holds them after the deploy, read through its AWS
endpoint as an operator would: every statement of every role's inline and attached policies, each of its
actions, and every statement of every function's resource policy (`AWS::Lambda::Permission`).

`read(aws)` reads them (`aws(service)` gives a boto3 client on the endpoint); `Grants.to_json` /
`Grants.from_json` carry them into the usage file (`localcloud.iam.usage`), so the granted-but-unused report
(`tests.iam_mutations.unused`) needs no running cloud. A grant `covers` a recorded use when its action and
one of its resources match the use's (IAM's wildcards; conditions are not considered: the templates' identity
policies have none); a Lambda permission covers an invocation its statement id allowed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import unquote

from localcloud.iam.patterns import wildcard
from localcloud.iam.usage import ActionUse, PermissionUse

Aws = Callable[[str], Any]

# Actions the local cloud never requests: the functions' logs go to a file, not CloudWatch Logs, and there is
# no X-Ray daemon. Listed apart: never used locally says nothing about whether AWS needs them.
NOT_EMULATED_PREFIXES: Final = ("logs:", "xray:")


def not_emulated(action: str) -> bool:
    return action.lower().startswith(NOT_EMULATED_PREFIXES)


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(item) for item in (value if isinstance(value, list) else [value]))


def _document(value: Any) -> dict[str, Any]:
    return dict(json.loads(value) if isinstance(value, str) else value)


@dataclass(frozen=True)
class Statement:
    """One statement of one of a role's policies."""

    role_name: str
    role_arn: str
    policy: str  # the inline policy's name, or the managed policy's ARN
    managed: bool
    index: int  # its position in the policy's Statement list
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    negated: bool  # NotAction or NotResource: not enumerated action by action

    def covers(self, action: str, use: ActionUse) -> bool:
        return (
            use.role_arn == self.role_arn
            and wildcard(action, ignore_case=True)(use.action)
            and any(wildcard(resource)(use.resource) for resource in self.resources)
        )

    @property
    def where(self) -> str:
        return f"{self.policy} statement {self.index}"


@dataclass(frozen=True)
class GrantAction:
    """One action of one Allow statement."""

    statement: Statement
    action: str

    @property
    def key(self) -> str:
        return f"{self.statement.role_name}/{self.statement.policy}/{self.statement.index}/{self.action}"

    def covers(self, use: ActionUse) -> bool:
        return self.statement.covers(self.action, use)


@dataclass(frozen=True)
class Permission:
    """One statement of a function's resource policy: a service principal may invoke it for a source."""

    function_name: str
    function_arn: str
    sid: str
    principal: str
    source_arn: str | None
    source_account: str | None

    @property
    def key(self) -> str:
        return f"{self.function_name}/{self.sid}"

    def covers(self, use: PermissionUse) -> bool:
        return use.function_arn == self.function_arn and self.sid in use.statement_ids


@dataclass
class Grants:
    statements: list[Statement] = field(default_factory=list)
    permissions: list[Permission] = field(default_factory=list)
    users: dict[str, list[str]] = field(default_factory=dict)  # role ARN → what assumes it (function, ...)

    def actions(self) -> list[GrantAction]:
        return [
            GrantAction(statement, action)
            for statement in self.statements
            if statement.effect == "Allow" and not statement.negated
            for action in statement.actions
        ]

    def role_statements(self, role_arn: str) -> list[Statement]:
        return [statement for statement in self.statements if statement.role_arn == role_arn]

    def used_by(self, role_arn: str) -> str:
        return ", ".join(self.users.get(role_arn, [])) or "-"

    def to_json(self) -> dict[str, Any]:
        return {
            "statements": [vars(statement) | {"actions": list(statement.actions)} for statement in self.statements],
            "permissions": [vars(permission) for permission in self.permissions],
            "users": self.users,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Grants:
        statements = [
            Statement(**{**raw, "actions": tuple(raw["actions"]), "resources": tuple(raw["resources"])})
            for raw in data.get("statements", [])
        ]
        permissions = [Permission(**raw) for raw in data.get("permissions", [])]
        return cls(statements, permissions, {role: list(users) for role, users in data.get("users", {}).items()})


def statements_of(role_name: str, role_arn: str, policy: str, managed: bool, document: Any) -> list[Statement]:
    raw = _document(document).get("Statement", [])
    found = []
    for index, statement in enumerate(raw if isinstance(raw, list) else [raw]):
        negated = "NotAction" in statement or "NotResource" in statement
        found.append(
            Statement(
                role_name=role_name,
                role_arn=role_arn,
                policy=policy,
                managed=managed,
                index=index,
                effect=str(statement.get("Effect")),
                actions=_texts(statement.get("Action", statement.get("NotAction"))),
                resources=_texts(statement.get("Resource", statement.get("NotResource"))),
                negated=negated,
            )
        )
    return found


def permission_of(function_name: str, function_arn: str, statement: Mapping[str, Any]) -> Permission:
    principal = statement.get("Principal")
    service = principal.get("Service") if isinstance(principal, Mapping) else principal
    condition = statement.get("Condition") or {}
    source = next((v for op in ("ArnLike", "ArnEquals") for k, v in condition.get(op, {}).items()
                   if k.lower() == "aws:sourcearn"), None)  # fmt: skip
    account = next((v for k, v in condition.get("StringEquals", {}).items() if k.lower() == "aws:sourceaccount"), None)
    return Permission(
        function_name,
        function_arn,
        str(statement["Sid"]),
        str(service),
        source and str(source),
        account and str(account),
    )


def _trusted_services(document: Any) -> list[str]:
    """The services a role's trust policy lets assume it (apigateway, states, ...)."""
    if isinstance(document, str):
        document = json.loads(unquote(document))
    found = []
    for statement in (document or {}).get("Statement", []):
        principal = statement.get("Principal")
        if isinstance(principal, Mapping):
            found += [service.split(".")[0] for service in _texts(principal.get("Service"))]
    return sorted(set(found))


def _pages(client: Any, operation: str, key: str, **params: Any) -> Iterable[Any]:
    for page in client.get_paginator(operation).paginate(**params):
        yield from page[key]


def read(aws: Aws) -> Grants:
    iam, lambda_ = aws("iam"), aws("lambda")
    grants = Grants()
    trusted: dict[str, list[str]] = {}
    for role in _pages(iam, "list_roles", "Roles"):
        name, arn = role["RoleName"], role["Arn"]
        trusted[arn] = _trusted_services(role.get("AssumeRolePolicyDocument"))
        for policy in _pages(iam, "list_role_policies", "PolicyNames", RoleName=name):
            document = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
            grants.statements += statements_of(name, arn, policy, False, document)
        for attached in _pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name):
            policy_arn = attached["PolicyArn"]
            version = iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=policy_arn, VersionId=version)["PolicyVersion"]["Document"]
            grants.statements += statements_of(name, arn, policy_arn, True, document)
    for function in _pages(lambda_, "list_functions", "Functions"):
        name, function_arn = function["FunctionName"], function["FunctionArn"]
        grants.users.setdefault(function["Role"], []).append(f"function {name}")
        try:
            policy = json.loads(lambda_.get_policy(FunctionName=name)["Policy"])
        except lambda_.exceptions.ResourceNotFoundException:
            continue
        grants.permissions += [permission_of(name, function_arn, s) for s in policy.get("Statement", [])]
    _state_machine_users(aws, grants)
    _event_target_users(aws, grants)
    for arn, services in trusted.items():  # no function, machine or rule target: who may assume it
        if arn not in grants.users:
            grants.users[arn] = [f"{'/'.join(services) or 'role'} role {arn.rsplit('/', 1)[-1]}"]
    return grants


def _state_machine_users(aws: Aws, grants: Grants) -> None:
    sfn = aws("stepfunctions")
    for machine in _pages(sfn, "list_state_machines", "stateMachines"):
        role = sfn.describe_state_machine(stateMachineArn=machine["stateMachineArn"])["roleArn"]
        grants.users.setdefault(role, []).append(f"state machine {machine['name']}")


def _event_target_users(aws: Aws, grants: Grants) -> None:
    events = aws("events")
    for bus in events.list_event_buses()["EventBuses"]:
        for rule in events.list_rules(EventBusName=bus["Name"])["Rules"]:
            for target in events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus["Name"])["Targets"]:
                if target.get("RoleArn"):
                    grants.users.setdefault(target["RoleArn"], []).append(f"rule {rule['Name']} target")
