"""IAM's decision for one action on one resource: an explicit Deny wins, else an Allow must match.

Identity policies and a resource policy are judged by the same function: a resource policy's statements
also name the principal they are about.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from localcloud.iam.conditions import RequestContext
from localcloud.iam.policy import Principal, Statement


class Decision(enum.Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"  # no statement allows it


def evaluate(
    statements: Iterable[Statement],
    action: str,
    resource: str,
    context: RequestContext,
    principal: Principal | None = None,
) -> Decision:
    allowed = False
    for statement in statements:
        if statement.applies(action, resource, context, principal):
            if statement.deny:
                return Decision.EXPLICIT_DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY
