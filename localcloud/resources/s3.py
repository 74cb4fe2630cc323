"""S3: buckets (with notifications, logging last), bucket policies, CDK's bucket-notifications resource."""

import json
from collections.abc import Mapping
from typing import Any, Required, TypedDict

from localcloud.intrinsics import PARTITION, URL_SUFFIX
from localcloud.records import DeployedResource
from localcloud.resources.base import ResourceProvider, ResourceRequest
from localcloud.resources.shapes import Tags, tags

CONDITIONAL_DENY_NOTE = (
    "bucket policies: conditional Deny statements (e.g. enforceSSL) are left out (moto ignores conditions)"
)


class BucketProperties(TypedDict, total=False):
    BucketName: str
    BucketEncryption: dict[str, Any]
    VersioningConfiguration: dict[str, Any]
    LifecycleConfiguration: dict[str, Any]
    OwnershipControls: dict[str, Any]
    PublicAccessBlockConfiguration: dict[str, Any]
    Tags: Tags
    NotificationConfiguration: dict[str, Any]
    LoggingConfiguration: dict[str, Any]


class Bucket(ResourceProvider[BucketProperties]):
    TYPE = "AWS::S3::Bucket"
    SUMMARY = (
        "CreateBucket, encryption, versioning, lifecycle, ownership, public access block, tags, "
        "notifications; logging is applied at the end of the stack (moto checks the target's policy at once)"
    )

    def create(self, request: ResourceRequest[BucketProperties]) -> DeployedResource:
        props, region = request.properties, request.region
        s3 = request.client("s3")
        name = props.get("BucketName") or request.physical_name(max_length=63, lower=True)
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        encryption = props.get("BucketEncryption")
        if encryption:
            rules = [
                {
                    **({"BucketKeyEnabled": bool(rule["BucketKeyEnabled"])} if "BucketKeyEnabled" in rule else {}),
                    "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                }
                for rule in encryption["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        versioning = props.get("VersioningConfiguration")
        if versioning:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning["Status"]})
        lifecycle = props.get("LifecycleConfiguration")
        if lifecycle:
            s3.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration={"Rules": [_lifecycle_rule(rule) for rule in lifecycle["Rules"]]}
            )
        ownership = props.get("OwnershipControls")
        if ownership:
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=ownership)
        public_access = props.get("PublicAccessBlockConfiguration")
        if public_access:
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=public_access)
        if props.get("Tags"):
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags(props.get("Tags"))})
        notifications = props.get("NotificationConfiguration")
        if notifications:
            s3.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration=_bucket_notifications(notifications)
            )
        logging_config = props.get("LoggingConfiguration")
        if logging_config:
            target = {
                "TargetBucket": logging_config.get("DestinationBucketName", name),
                "TargetPrefix": logging_config.get("LogFilePrefix", ""),
            }
            request.deployment.defer(
                lambda: s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": target})
            )
        return request.resource(
            name,
            {
                "Arn": f"arn:{PARTITION}:s3:::{name}",
                "DomainName": f"{name}.s3.{URL_SUFFIX}",
                "RegionalDomainName": f"{name}.s3.{region}.{URL_SUFFIX}",
                "DualStackDomainName": f"{name}.s3.dualstack.{region}.{URL_SUFFIX}",
                "WebsiteURL": f"http://{name}.s3-website-{region}.{URL_SUFFIX}",
            },
        )


class BucketPolicyProperties(TypedDict, total=False):
    Bucket: Required[str]
    PolicyDocument: Required[dict[str, Any] | str]


class BucketPolicy(ResourceProvider[BucketPolicyProperties]):
    TYPE = "AWS::S3::BucketPolicy"
    SUMMARY = (
        "PutBucketPolicy, without conditional Deny statements (moto would apply them to every "
        "request: it evaluates bucket policies without request context)"
    )

    def create(self, request: ResourceRequest[BucketPolicyProperties]) -> DeployedResource:
        document = request.properties["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        statements = document.get("Statement", [])
        statements = statements if isinstance(statements, list) else [statements]
        # moto evaluates bucket policies on object requests without any request context, so every
        # condition holds: a conditional Deny (CDK's enforceSSL: Deny unless aws:SecureTransport)
        # would deny every request. Such statements are left out of the policy moto gets.
        kept = [
            statement
            for statement in statements
            if not (statement.get("Effect") == "Deny" and "Condition" in statement)
        ]
        if len(kept) < len(statements):
            request.deployment.note(CONDITIONAL_DENY_NOTE)
        if kept:
            request.client("s3").put_bucket_policy(
                Bucket=request.properties["Bucket"], Policy=json.dumps({**document, "Statement": kept})
            )
        return request.resource(request.physical_name())


class BucketNotificationsProperties(TypedDict, total=False):
    ServiceToken: str  # CDK's handler function: the local cloud makes its call itself
    BucketName: Required[str]
    NotificationConfiguration: Required[dict[str, Any]]
    Managed: bool | str
    SkipDestinationValidation: bool | str


class BucketNotifications(ResourceProvider[BucketNotificationsProperties]):
    TYPE = "Custom::S3BucketNotifications"
    SUMMARY = (
        "PutBucketNotificationConfiguration with the resource's NotificationConfiguration "
        "(replaces CDK's handler function, which would make the same call)"
    )

    def create(self, request: ResourceRequest[BucketNotificationsProperties]) -> DeployedResource:
        props = request.properties
        s3 = request.client("s3")
        bucket = props["BucketName"]
        wanted = props["NotificationConfiguration"]
        config = dict(wanted)
        if str(props.get("Managed", "true")).lower() == "false":
            existing = s3.get_bucket_notification_configuration(Bucket=bucket)
            existing.pop("ResponseMetadata", None)
            for kind in ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations"):
                merged = [*existing.get(kind, []), *wanted.get(kind, [])]
                if merged:
                    config[kind] = merged
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
        return request.resource(f"{request.stack}-{request.logical_id}")


def _lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in S3's API shape."""
    converted: dict[str, Any] = {"Status": rule["Status"]}
    if "Id" in rule:
        converted["ID"] = rule["Id"]
    converted["Filter"] = {"Prefix": rule["Prefix"]} if "Prefix" in rule else {"Prefix": ""}
    if "ExpirationInDays" in rule or "ExpirationDate" in rule or "ExpiredObjectDeleteMarker" in rule:
        expiration: dict[str, Any] = {}
        if "ExpirationInDays" in rule:
            expiration["Days"] = int(rule["ExpirationInDays"])
        if "ExpirationDate" in rule:
            expiration["Date"] = rule["ExpirationDate"]
        if "ExpiredObjectDeleteMarker" in rule:
            expiration["ExpiredObjectDeleteMarker"] = bool(rule["ExpiredObjectDeleteMarker"])
        converted["Expiration"] = expiration
    if "NoncurrentVersionExpiration" in rule:
        source = rule["NoncurrentVersionExpiration"]
        converted["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(source["NoncurrentDays"])}
    elif "NoncurrentVersionExpirationInDays" in rule:
        converted["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(rule["NoncurrentVersionExpirationInDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        }
    if "Transitions" in rule:
        converted["Transitions"] = [
            {"Days": int(item["TransitionInDays"]), "StorageClass": item["StorageClass"]}
            for item in rule["Transitions"]
        ]
    return converted


def _bucket_notifications(config: Mapping[str, Any]) -> dict[str, Any]:
    """`AWS::S3::Bucket` NotificationConfiguration in S3's API shape."""

    def filter_of(item: Mapping[str, Any]) -> dict[str, Any]:
        rules = (item.get("Filter") or {}).get("S3Key", {}).get("Rules", [])
        return {"Filter": {"Key": {"FilterRules": rules}}} if rules else {}

    converted: dict[str, Any] = {}
    for source, target, arn_key, arn_name in (
        ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
        ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
        ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"),
    ):
        items = config.get(source) or []
        if items:
            converted[target] = [
                {"Events": [item["Event"]], arn_name: item[arn_key], **filter_of(item)} for item in items
            ]
    if config.get("EventBridgeConfiguration"):
        converted["EventBridgeConfiguration"] = {}
    return converted


PROVIDERS = (Bucket, BucketPolicy, BucketNotifications)
