"""SSM: parameters (the functions read them at run time, the operator changes them on the AWS endpoint)."""

from typing import Any, Required, TypedDict

from localcloud.records import DeployedResource
from localcloud.resources.base import ResourceProvider, ResourceRequest
from localcloud.resources.shapes import Tags, present, tags


class ParameterProperties(TypedDict, total=False):
    Name: str
    Type: Required[str]
    Value: Required[Any]
    Description: str
    Tier: str
    AllowedPattern: str
    DataType: str
    Policies: str
    Tags: Tags


class Parameter(ResourceProvider[ParameterProperties]):
    TYPE = "AWS::SSM::Parameter"
    SUMMARY = "PutParameter"

    def create(self, request: ResourceRequest[ParameterProperties]) -> DeployedResource:
        props = request.properties
        name = props.get("Name") or f"CFN-{request.logical_id}-{request.physical_name()[-12:]}"
        kind = props["Type"]
        call: dict[str, Any] = {
            "Name": name,
            "Value": str(props["Value"]),
            "Type": kind,
            **present(props, "Description", "Tier", "AllowedPattern", "DataType", "Policies"),
        }
        if props.get("Tags"):
            call["Tags"] = tags(props.get("Tags"))
        request.client("ssm").put_parameter(**call)
        return request.resource(name, {"Type": kind, "Value": call["Value"]})


PROVIDERS = (Parameter,)
