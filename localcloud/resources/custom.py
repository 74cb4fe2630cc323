"""Custom resources backed by a function of the templates, run as CloudFormation runs them.

The function gets CloudFormation's Create event with a `ResponseURL` on loopback
(`localcloud.resources.cfn_response`) and every scalar property as a string; its answer's
`PhysicalResourceId` is the `Ref`, its `Data` the `Fn::GetAtt` attributes, and FAILED stops the start.
"""

import uuid
from typing import Any, Final

from localcloud.records import DeployedResource, DeployError
from localcloud.resources.base import ResourceProvider, ResourceRequest

CUSTOM_RESOURCE_TIMEOUT: Final = 60.0


def stringified(value: Any) -> Any:
    """CloudFormation hands custom resources every scalar property as a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return {key: stringified(item) for key, item in value.items()}
    if isinstance(value, list):
        return [stringified(item) for item in value]
    return value


class CustomResource(ResourceProvider[dict[str, Any]]):
    TYPE = "Custom::*"
    SUMMARY = (
        "any other custom resource (e.g. Custom::MyResource): its ServiceToken function is invoked with "
        "CloudFormation's Create event and a ResponseURL on loopback; FAILED stops the start"
    )

    def create(self, request: ResourceRequest[dict[str, Any]]) -> DeployedResource:
        deployment, properties = request.deployment, request.properties
        token = str(properties.get("ServiceToken", ""))
        if ":lambda:" not in token:
            raise DeployError(f"ServiceToken {token!r}: only Lambda-backed custom resources run locally")
        record = deployment.functions.get(token)
        if record is None or record.code_dir is None:
            raise DeployError(f"ServiceToken {token}: not a function of the templates that can run locally")
        responses = deployment.responses()
        request_id = str(uuid.uuid4())
        event = {
            "RequestType": "Create",
            "ServiceToken": token,
            "ResponseURL": responses.url(request_id),
            "StackId": request.stack_id,
            "RequestId": request_id,
            "LogicalResourceId": request.logical_id,
            "ResourceType": request.type,
            "ResourceProperties": stringified(properties),
        }
        payload, errored = deployment.runtime.invoke(token, event)
        reply = responses.wait(request_id, timeout=5.0 if errored else CUSTOM_RESOURCE_TIMEOUT)
        if reply is None:
            raise DeployError(f"{record.name} sent no response to the ResponseURL (function error: {payload!r})")
        if reply.get("Status") != "SUCCESS":
            raise DeployError(f"{record.name} answered {reply.get('Status')}: {reply.get('Reason')}")
        deployment.note(f"{request.logical_id} ({request.type}): {reply.get('Reason') or 'SUCCESS'}")
        return request.resource(str(reply.get("PhysicalResourceId") or request_id), dict(reply.get("Data") or {}))


class CloudFormationCustomResource(CustomResource):
    TYPE = "AWS::CloudFormation::CustomResource"
    SUMMARY = "as Custom::*"


PROVIDERS = (CustomResource, CloudFormationCustomResource)
