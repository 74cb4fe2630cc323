"""What a request asks IAM: the action(s) and resource ARN(s) of an API call, one module per service.

`authorizations(call)` gives the (action, resource) pairs that must all be allowed. A service with a
module here maps its operations to their actions and resource ARNs as AWS's service authorization
reference lists them; any other operation is `<prefix>:<Operation>` on `*` (the action of the same name,
as most are), so nothing goes unchecked. `sts:GetCallerIdentity` needs no permission on AWS: none here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from localcloud.iam.requests import dynamodb, events, lambda_, s3, sns, sqs, ssm, stepfunctions
from localcloud.iam.requests.call import Authorization, Call

Mapper = Callable[[Call], list[Authorization]]

MAPPERS: Final[dict[str, Mapper]] = {
    "dynamodb": dynamodb.authorizations,
    "events": events.authorizations,
    "lambda": lambda_.authorizations,
    "s3": s3.authorizations,
    "sns": sns.authorizations,
    "sqs": sqs.authorizations,
    "ssm": ssm.authorizations,
    "states": stepfunctions.authorizations,
}
FREE: Final = frozenset({("sts", "GetCallerIdentity")})


def authorizations(call: Call) -> list[Authorization]:
    if (call.prefix, call.operation) in FREE:
        return []
    mapper = MAPPERS.get(call.prefix)
    found = mapper(call) if mapper is not None else None
    return found if found else [call.authorization(call.action(), "*")]


__all__ = ["Authorization", "Call", "authorizations"]
