"""The one place resource types are found: each type's provider, or the reason it is skipped.

An exact type wins; any other `Custom::` type goes to the `Custom::*` provider (a function-backed
custom resource). A type that is neither handled nor skipped stops the start (`Registry.check`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from localcloud.records import DeployError
from localcloud.resources import (
    apigateway,
    apigateway_stages,
    custom,
    dynamodb,
    events,
    iam,
    lambda_,
    logs,
    s3,
    sns,
    sqs,
    ssm,
    stepfunctions,
)
from localcloud.resources.base import ResourceProvider

CUSTOM_PATTERN: Final = "Custom::*"

SKIPPED_TYPES: Final[dict[str, str]] = {
    "AWS::CDK::Metadata": "CDK's usage report to AWS; nothing to create",
    "Custom::S3AutoDeleteObjects": "empties a bucket when the stack deletes it; local buckets die with the process",
    "AWS::CloudWatch::Alarm": "alarms watch CloudWatch metrics the local cloud does not produce",
    "AWS::CloudWatch::Dashboard": "dashboards show CloudWatch metrics the local cloud does not produce",
}


class Registry:
    def __init__(self, providers: Iterable[type[ResourceProvider[Any]]], skipped: Mapping[str, str]) -> None:
        self._providers: dict[str, ResourceProvider[Any]] = {}
        for provider in providers:
            if provider.TYPE in self._providers or provider.TYPE in skipped:
                raise ValueError(f"resource type {provider.TYPE} is registered twice")
            self._providers[provider.TYPE] = provider()
        self.skipped = dict(skipped)

    def provider(self, resource_type: str) -> ResourceProvider[Any] | None:
        found = self._providers.get(resource_type)
        if found is None and resource_type.startswith("Custom::") and resource_type not in self.skipped:
            found = self._providers.get(CUSTOM_PATTERN)
        return found

    def handled_types(self) -> dict[str, str]:
        """Type → what its provider does, for `--list-types`."""
        return {resource_type: provider.SUMMARY for resource_type, provider in self._providers.items()}

    def check(self, stack_name: str, resources: Mapping[str, Any]) -> None:
        """Stops the start at the first resource whose type is neither handled nor skipped."""
        for logical_id, definition in resources.items():
            resource_type = definition.get("Type", "")
            if resource_type not in self.skipped and self.provider(resource_type) is None:
                raise DeployError(
                    f"{stack_name}: resource {logical_id} has type {resource_type}, which the local cloud does not "
                    "handle (python -m localcloud --list-types lists those it does)"
                )


REGISTRY: Final = Registry(
    [
        *dynamodb.PROVIDERS,
        *s3.PROVIDERS,
        *iam.PROVIDERS,
        *lambda_.PROVIDERS,
        *logs.PROVIDERS,
        *sqs.PROVIDERS,
        *sns.PROVIDERS,
        *ssm.PROVIDERS,
        *events.PROVIDERS,
        *stepfunctions.PROVIDERS,
        *apigateway.PROVIDERS,
        *apigateway_stages.PROVIDERS,
        *custom.PROVIDERS,
    ],
    SKIPPED_TYPES,
)
HANDLED_TYPES: Final = REGISTRY.handled_types()
