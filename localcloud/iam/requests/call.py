"""One API call as the mappings see it: the IAM prefix, the operation, its parameters, region and account."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple


class Authorization(NamedTuple):
    action: str  # e.g. dynamodb:PutItem
    resource: str  # an ARN, or * for actions without resource-level permissions


@dataclass(frozen=True)
class Call:
    prefix: str  # the IAM service prefix (the signing name): dynamodb, s3, states, ...
    operation: str  # the API operation: PutItem, GetObject, ...
    params: Mapping[str, Any]
    region: str
    account: str
    partition: str = "aws"

    def action(self, name: str | None = None) -> str:
        return f"{self.prefix}:{name or self.operation}"

    def authorization(self, action: str, resource: str) -> Authorization:
        return Authorization(action, resource)

    def arn(self, resource: str, *, service: str | None = None, region: str | None = None) -> str:
        """`arn:<partition>:<service>:<region>:<account>:<resource>` (an ARN given as the resource is kept)."""
        if resource.startswith("arn:"):
            return resource
        where = self.region if region is None else region
        return f"arn:{self.partition}:{service or self.prefix}:{where}:{self.account}:{resource}"
