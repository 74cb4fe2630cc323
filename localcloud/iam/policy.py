"""Policy documents compiled once into statements whose patterns are ready to match.

A document is the JSON text IAM stores or its parsed form. Each statement keeps its effect, its
`Action`/`NotAction`, `Resource`/`NotResource`, `Principal` (resource policies) and its compiled
`Condition` (`localcloud.iam.conditions`, which refuses an operator it does not evaluate).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from localcloud.iam.conditions import Condition, RequestContext, compile_condition
from localcloud.iam.patterns import Matcher, wildcard


class PolicyError(ValueError):
    """A document the local cloud cannot read (the message says what)."""


# Who a resource policy is asked about: ("Service", "events.amazonaws.com") or ("AWS", "<principal ARN>").
Principal = tuple[str, str]


def _texts(value: Any) -> list[str]:
    return [str(item) for item in (value if isinstance(value, list) else [value])]


def _principal_matcher(value: Any) -> Matcher:
    """Matches "Type|name"; `*` (or {"AWS": "*"}) is everyone, an account (id or :root ARN) its principals."""
    if value == "*":
        return lambda who: True
    if isinstance(value, str):  # Lambda's AddPermission keeps a bare principal as given
        value = {"Service" if value.endswith(".amazonaws.com") else "AWS": value}
    if not isinstance(value, Mapping):
        raise PolicyError(f"unreadable Principal {value!r}")
    exact: set[str] = set()
    accounts: set[str] = set()
    everyone = False
    for kind, names in value.items():
        for name in _texts(names):
            if kind == "AWS" and name == "*":
                everyone = True
            elif kind == "AWS" and (name.isdigit() or name.endswith(":root")):
                accounts.add(name if name.isdigit() else name.split(":")[4])
            else:
                exact.add(f"{kind}|{name}")

    def match(who: str) -> bool:
        if everyone or who in exact:
            return True
        kind, _, name = who.partition("|")
        if kind != "AWS":
            return False
        parts = name.split(":")
        if len(parts) > 5 and parts[4] in accounts:
            return True
        # a role's sessions are the role: arn:aws:sts::<acct>:assumed-role/<role>/<session>
        if len(parts) > 5 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
            role = parts[5].split("/")[1]
            return f"AWS|arn:{parts[1]}:iam::{parts[4]}:role/{role}" in exact
        return False

    return match


@dataclass(frozen=True)
class Statement:
    deny: bool
    actions: tuple[Matcher, ...]
    not_action: bool
    resources: tuple[Matcher, ...]
    not_resource: bool
    condition: Condition | None
    principal: Matcher | None
    sid: str = ""

    def applies(self, action: str, resource: str, context: RequestContext, principal: Principal | None) -> bool:
        if (not any(match(action) for match in self.actions)) != self.not_action:
            return False
        if (not any(match(resource) for match in self.resources)) != self.not_resource:
            return False
        if self.principal is not None and (principal is None or not self.principal(f"{principal[0]}|{principal[1]}")):
            return False
        return self.condition is None or self.condition(context)


def _statement(raw: Mapping[str, Any], *, resource_policy: bool) -> Statement:
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"statement Effect must be Allow or Deny, not {effect!r}")
    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyError("a statement needs exactly one of Action and NotAction")
    if "NotPrincipal" in raw:
        raise PolicyError("NotPrincipal is not evaluated by the local cloud")
    actions = _texts(raw.get("Action", raw.get("NotAction")))
    if resource_policy and "Resource" not in raw and "NotResource" not in raw:
        resources = ["*"]  # a resource policy's statement is about its resource
    elif ("Resource" in raw) == ("NotResource" in raw):
        raise PolicyError("a statement needs exactly one of Resource and NotResource")
    else:
        resources = _texts(raw.get("Resource", raw.get("NotResource")))
    principal = None
    if resource_policy:
        if "Principal" not in raw:
            raise PolicyError("a resource policy's statement needs a Principal")
        principal = _principal_matcher(raw["Principal"])
    return Statement(
        deny=effect == "Deny",
        actions=tuple(wildcard(action, ignore_case=True) for action in actions),
        not_action="NotAction" in raw,
        resources=tuple(wildcard(resource) for resource in resources),
        not_resource="NotResource" in raw,
        condition=compile_condition(raw.get("Condition")),
        principal=principal,
        sid=str(raw.get("Sid", "")),
    )


def compile_document(document: str | Mapping[str, Any], *, resource_policy: bool = False) -> tuple[Statement, ...]:
    """Raises `PolicyError` for a malformed document, `UnsupportedCondition` for an operator not evaluated."""
    if isinstance(document, str):
        return _compiled_text(document, resource_policy)
    return _compile(document, resource_policy)


@functools.lru_cache(maxsize=512)
def _compiled_text(text: str, resource_policy: bool) -> tuple[Statement, ...]:
    try:
        parsed = json.loads(text)
    except ValueError as error:
        raise PolicyError(f"policy document is not JSON: {error}") from None
    return _compile(parsed, resource_policy)


def _compile(document: Mapping[str, Any], resource_policy: bool) -> tuple[Statement, ...]:
    if not isinstance(document, Mapping):
        raise PolicyError("a policy document must be an object")
    statements: Sequence[Any] | Any = document.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    return tuple(_statement(raw, resource_policy=resource_policy) for raw in statements)
