"""Stateful resources (docs/architecture.md §4): TradesStore, the idempotency table and the trades bucket."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Aws, Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib.stage_config import StageConfig
from trading_core import contracts


def trades_bucket_name(config: StageConfig) -> str:
    """`trading-system-<stage>-trades-<account>-<region>`: unique per account and region, and computable in
    any stack (pseudo parameters only), so consumers need no cross-stack reference to name it."""
    return f"{config.prefix}-trades-{Aws.ACCOUNT_ID}-{config.region}"


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


@dataclass(frozen=True, kw_only=True)
class DataLayerProps:
    config: StageConfig


class DataLayer(Construct):
    """Tables and buckets; removal policy and deletion protection follow the stage."""

    trades_table: dynamodb.Table
    idempotency_table: dynamodb.Table
    trades_bucket: s3.Bucket
    access_logs_bucket: s3.Bucket

    def __init__(self, scope: Construct, id: str, *, props: DataLayerProps) -> None:
        super().__init__(scope, id)
        config = props.config
        retain = not config.destroy_on_removal
        self.trades_table = dynamodb.Table(
            self,
            "TradesStore",
            table_name=config.resource_name("trades"),
            partition_key=dynamodb.Attribute(name=contracts.PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=contracts.SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            deletion_protection=retain,
            removal_policy=config.removal_policy,
        )
        self.idempotency_table = dynamodb.Table(
            self,
            "IdempotencyTable",
            table_name=config.resource_name("idempotency"),
            partition_key=dynamodb.Attribute(name=contracts.IDEMPOTENCY_KEY, type=dynamodb.AttributeType.STRING),
            time_to_live_attribute=contracts.IDEMPOTENCY_TTL,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=config.removal_policy,
        )
        self.access_logs_bucket = s3.Bucket(
            self,
            "AccessLogsBucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,  # the only encryption S3 server access logging supports
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(id="expire-access-logs", expiration=Duration.days(365))],
            removal_policy=config.removal_policy,
            auto_delete_objects=config.destroy_on_removal,
        )
        self.trades_bucket = data_bucket(
            self,
            "TradesBucket",
            config=config,
            bucket_name=trades_bucket_name(config),
            access_logs=self.access_logs_bucket,
            access_logs_prefix="trades-bucket/",
        )
