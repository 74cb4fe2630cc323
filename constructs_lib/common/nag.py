"""cdk-nag acknowledgements: every exception is recorded next to the resource it concerns, with a reason."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

# Finding ids that several constructs share, with the reason they are acceptable here.
XRAY_WILDCARD = "AwsSolutions-IAM5[Resource::*]"
XRAY_WILDCARD_REASON = (
    "X-Ray active tracing needs xray:PutTraceSegments/PutTelemetryRecords, which support no resource-level "
    "permissions (Resource '*' is the only valid value)."
)
DLQ_HAS_NO_DLQ = "AwsSolutions-SQS3"
DLQ_HAS_NO_DLQ_REASON = "This queue is itself a dead-letter queue (an end of the line: nothing redrives from it)."
LATEST_RUNTIME = "AwsSolutions-L1"


def acknowledge(scope: IConstruct, rules: Mapping[str, str]) -> None:
    """Acknowledge each finding id (full `Rule[Finding]` form for IAM4/IAM5) on `scope` and its children."""
    Validations.of(scope).acknowledge(*(Acknowledgment(id=rule, reason=reason) for rule, reason in rules.items()))


def finding_text(scope: IConstruct, value: str) -> str:
    """`value` (e.g. an ARN with tokens) as cdk-nag prints it in a finding id: `Fn::Join` flattened,
    `Ref` as `<Name>`, `Fn::GetAtt` as `<Logical.Attribute>`."""
    return _render(Stack.of(scope).resolve(value))


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_render(part) for part in parts)
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return f"<{logical_id}.{attribute}>"
    return json.dumps(value, separators=(",", ":"))
