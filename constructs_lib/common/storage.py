"""Business-data storage: the tables and buckets of the Data stack, each built with the same protections, and
the grants of a table's items or of one of its indexes to the functions that use them."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib.stage_config import StageConfig
from trading_core import contracts


def data_table(
    scope: Construct,
    id: str,
    *,
    config: StageConfig,
    name: str,
    partition_key: str = contracts.PARTITION_KEY,
    sort_key: str | None = contracts.SORT_KEY,
    time_to_live_attribute: str | None = None,
    stream: dynamodb.StreamViewType | None = None,
    deletion_protection: bool | None = None,
) -> dynamodb.Table:
    """A table of business data (`<prefix>-<name>`, string keys `PK`/`SK` unless told): on-demand,
    AWS-managed encryption, point-in-time recovery, removed as the stage says."""
    return dynamodb.Table(
        scope,
        id,
        table_name=config.resource_name(name),
        partition_key=dynamodb.Attribute(name=partition_key, type=dynamodb.AttributeType.STRING),
        sort_key=None if sort_key is None else dynamodb.Attribute(name=sort_key, type=dynamodb.AttributeType.STRING),
        time_to_live_attribute=time_to_live_attribute,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        stream=stream,
        deletion_protection=deletion_protection,
        removal_policy=config.removal_policy,
    )


def add_string_index(
    table: dynamodb.Table,
    name: str,
    *,
    partition_key: str,
    sort_key: str,
    projection: dynamodb.ProjectionType = dynamodb.ProjectionType.ALL,
) -> None:
    """A global secondary index with string keys; sparse when only some items carry `partition_key`
    (TradesStore's resting orders: docs/architecture.md §4)."""
    table.add_global_secondary_index(
        index_name=name,
        partition_key=dynamodb.Attribute(name=partition_key, type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name=sort_key, type=dynamodb.AttributeType.STRING),
        projection_type=projection,
    )


def grant_items(grantee: iam.IGrantable, table: dynamodb.ITable, actions: Sequence[str]) -> iam.Grant:
    """`actions` on the table's items: its ARN alone. (`table.grant` would grant a table that has indexes
    every action on `<table arn>/index/*` too, where only a Query or a Scan means anything.)"""
    return iam.Grant.add_to_principal(
        grantee=grantee, actions=list(dict.fromkeys(actions)), resource_arns=[table.table_arn]
    )


def grant_index(grantee: iam.IGrantable, table: dynamodb.ITable, index: str, actions: Sequence[str]) -> iam.Grant:
    """`actions` (a Query, a Scan) on one index of the table, by its name: `<table arn>/index/<index>`."""
    return iam.Grant.add_to_principal(
        grantee=grantee, actions=list(dict.fromkeys(actions)), resource_arns=[f"{table.table_arn}/index/{index}"]
    )


def data_bucket(
    scope: Construct,
    id: str,
    *,
    config: StageConfig,
    bucket_name: str,
    access_logs: s3.IBucket,
    access_logs_prefix: str,
) -> s3.Bucket:
    """A bucket of business data: private, SSE-S3, TLS only, versioned, access-logged."""
    return s3.Bucket(
        scope,
        id,
        bucket_name=bucket_name,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        versioned=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=access_logs_prefix,
        lifecycle_rules=[
            s3.LifecycleRule(id="expire-noncurrent-versions", noncurrent_version_expiration=Duration.days(30))
        ],
        removal_policy=config.removal_policy,
        auto_delete_objects=config.destroy_on_removal,
    )
