"""Custom resources backed by a function of the templates, run as CloudFormation runs them.

The function gets CloudFormation's Create event with a `ResponseURL` on loopback
(`localcloud.resources.cfn_response`) and every scalar property as a string; its answer's
`PhysicalResourceId` is the `Ref`, its `Data` the `Fn::GetAtt` attributes, and FAILED stops the start.

A function that ends without answering (it raised before it could, or timed out) gets what CloudFormation
gives it: the resource FAILED once its `ServiceTimeout` (1 to 3600 seconds; an hour when unset) has passed.
The local invocation is synchronous and not retried, so its outcome is known when it returns: the start stops
then, saying when CloudFormation would have failed it, instead of waiting that long.
"""

import uuid
from typing import Any, Final

from localcloud.records import DeployedResource, DeployError
from localcloud.resources.base import ResourceProvider, ResourceRequest

CUSTOM_RESOURCE_TIMEOUT: Final = 60.0
ERRORED_GRACE: Final = 0.5
"""How long to wait for the answer of a function that ended with an error: an in-process handler's PUT to the
ResponseURL returns once the answer is collected, so an answer it sent has arrived by the time it has ended."""
DEFAULT_SERVICE_TIMEOUT: Final = 3600
"""CloudFormation's wait for a custom resource's answer when the resource sets no `ServiceTimeout`."""


def service_timeout(properties: dict[str, Any]) -> int | None:
    """The resource's `ServiceTimeout` in seconds (None when unset); CloudFormation allows 1 to 3600."""
    value = properties.get("ServiceTimeout")
    if value is None:
        return None
    try:
        seconds = int(str(value))
    except ValueError:
        raise DeployError(f"ServiceTimeout {value!r} is not a whole number of seconds") from None
    if not 1 <= seconds <= DEFAULT_SERVICE_TIMEOUT:
        raise DeployError(f"ServiceTimeout {seconds} must be between 1 and {DEFAULT_SERVICE_TIMEOUT} seconds")
    return seconds


def unanswered(name: str, properties: dict[str, Any], payload: Any) -> DeployError:
    """CloudFormation's verdict on a function that ended without answering: FAILED at the ServiceTimeout."""
    timeout = service_timeout(properties)
    waited = (
        f"its ServiceTimeout of {timeout} s" if timeout else f"an hour ({DEFAULT_SERVICE_TIMEOUT} s: no ServiceTimeout)"
    )
    return DeployError(
        f"FAILED: {name} sent no response to the ResponseURL, so CloudFormation fails the resource after {waited} "
        f"(function error: {payload!r})"
    )


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
        service_timeout(properties)
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
        reply = responses.wait(request_id, timeout=ERRORED_GRACE if errored else CUSTOM_RESOURCE_TIMEOUT)
        if reply is None:
            raise unanswered(record.name, properties, payload)
        if reply.get("Status") != "SUCCESS":
            raise DeployError(f"{record.name} answered {reply.get('Status')}: {reply.get('Reason')}")
        deployment.note(f"{request.logical_id} ({request.type}): {reply.get('Reason') or 'SUCCESS'}")
        return request.resource(str(reply.get("PhysicalResourceId") or request_id), dict(reply.get("Data") or {}))


class CloudFormationCustomResource(CustomResource):
    TYPE = "AWS::CloudFormation::CustomResource"
    SUMMARY = "as Custom::*"


PROVIDERS = (CustomResource, CloudFormationCustomResource)
