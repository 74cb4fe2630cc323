"""DynamoDB: tables with their stream, TTL and point-in-time recovery."""

from typing import Any, Required, TypedDict

from localcloud.records import DeployedResource
from localcloud.resources.base import ResourceProvider, ResourceRequest
from localcloud.resources.shapes import Tags, present, tags


class TableProperties(TypedDict, total=False):
    TableName: str
    KeySchema: Required[list[dict[str, Any]]]
    AttributeDefinitions: Required[list[dict[str, Any]]]
    BillingMode: str
    ProvisionedThroughput: dict[str, Any]
    GlobalSecondaryIndexes: list[dict[str, Any]]
    LocalSecondaryIndexes: list[dict[str, Any]]
    TableClass: str
    DeletionProtectionEnabled: bool
    StreamSpecification: dict[str, Any]
    SSESpecification: dict[str, Any]
    Tags: Tags
    TimeToLiveSpecification: dict[str, Any]
    PointInTimeRecoverySpecification: dict[str, Any]
    ContributorInsightsSpecification: dict[str, Any]  # no local equivalent


class Table(ResourceProvider[TableProperties]):
    TYPE = "AWS::DynamoDB::Table"
    SUMMARY = "CreateTable (keys, indexes, billing, stream, SSE, tags), TTL, point-in-time recovery"

    def create(self, request: ResourceRequest[TableProperties]) -> DeployedResource:
        props = request.properties
        client = request.client("dynamodb")
        name = props.get("TableName") or request.physical_name(max_length=255)
        call: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
            **present(props, "ProvisionedThroughput", "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "TableClass"),
        }
        if props.get("DeletionProtectionEnabled") is not None:
            call["DeletionProtectionEnabled"] = bool(props.get("DeletionProtectionEnabled"))
        stream = props.get("StreamSpecification")
        if stream:
            call["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
        sse = props.get("SSESpecification")
        if sse:
            call["SSESpecification"] = {
                key: value
                for key, value in {
                    "Enabled": bool(sse.get("SSEEnabled")),
                    "SSEType": sse.get("SSEType"),
                    "KMSMasterKeyId": sse.get("KMSMasterKeyId"),
                }.items()
                if value is not None
            }
        if props.get("Tags"):
            call["Tags"] = tags(props.get("Tags"))
        table = client.create_table(**call)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": bool(ttl.get("Enabled")), "AttributeName": ttl["AttributeName"]},
            )
        pitr = props.get("PointInTimeRecoverySpecification")
        if pitr:
            client.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification={
                    "PointInTimeRecoveryEnabled": bool(pitr.get("PointInTimeRecoveryEnabled"))
                },
            )
        attributes = {"Arn": table["TableArn"]}
        if table.get("LatestStreamArn"):
            attributes["StreamArn"] = table["LatestStreamArn"]
        return request.resource(name, attributes)


PROVIDERS = (Table,)
