"""CloudWatch Logs: log groups (the functions' logs go to this process's output, not to them)."""

from typing import Any, TypedDict

from localcloud.records import DeployedResource
from localcloud.resources.base import ResourceProvider, ResourceRequest
from localcloud.resources.shapes import Tags, tag_map


class LogGroupProperties(TypedDict, total=False):
    LogGroupName: str
    Tags: Tags
    KmsKeyId: str
    RetentionInDays: int
    LogGroupClass: str  # no local equivalent
    DataProtectionPolicy: dict[str, Any]  # no local equivalent


class LogGroup(ResourceProvider[LogGroupProperties]):
    TYPE = "AWS::Logs::LogGroup"
    SUMMARY = "CreateLogGroup, retention, tags"

    def create(self, request: ResourceRequest[LogGroupProperties]) -> DeployedResource:
        props = request.properties
        logs = request.client("logs")
        name = props.get("LogGroupName") or request.physical_name(max_length=512)
        call: dict[str, Any] = {"logGroupName": name}
        if props.get("Tags"):
            call["tags"] = tag_map(props.get("Tags"))
        if props.get("KmsKeyId"):
            call["kmsKeyId"] = props.get("KmsKeyId")
        logs.create_log_group(**call)
        retention = props.get("RetentionInDays")
        if retention is not None:
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(retention))
        return request.resource(name, {"Arn": request.arn("logs", f"log-group:{name}:*")})


PROVIDERS = (LogGroup,)
