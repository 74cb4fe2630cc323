"""Stateful resources (docs/architecture.md §4): TradesStore, the idempotency table and the trades bucket."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from aws_cdk import Aws, Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib.common.storage import add_string_index, data_bucket, data_table
from constructs_lib.stage_config import StageConfig
from trading_core import contracts

TRADES_STORE_INDEXES_CONTEXT: Final = "tradesStoreIndexes"
"""Context (comma-separated index names): deploy only these of TradesStore's indexes. CloudFormation creates
at most one global secondary index per table update, so a stage deployed before an index was added is
upgraded one index per deployment (docs/contracts.md "Data model"); without it, every index."""
ALL: Final = dynamodb.ProjectionType.ALL
KEYS_ONLY: Final = dynamodb.ProjectionType.KEYS_ONLY
# (index, partition attribute, sort attribute, projection), in the order they were added to TradesStore. An
# index projecting ALL is written again on every write of an item it holds; KEYS_ONLY only when the item
# enters or leaves it.
TRADES_STORE_INDEXES: Final = (
    # Only ORDER items with an OPEN child carry RestingTicker: the order book reads the resting ones alone. ALL:
    # an order enters and leaves it once (its puts while resting are rare), and the book reads no item.
    (contracts.RESTING_ORDERS_INDEX, contracts.RESTING_TICKER_ATTRIBUTE, contracts.ORDER_ID_ATTRIBUTE, ALL),
    # Only customer items carry CustomerListKey (one partition): the customer list, in id order. KEYS_ONLY:
    # every reservation, fill and deposit writes the customer item; the list reads the items it names.
    (contracts.CUSTOMER_LIST_INDEX, contracts.CUSTOMER_LIST_KEY_ATTRIBUTE, contracts.CUSTOMER_ID_ATTRIBUTE, KEYS_ONLY),
    # Every ORDER item carries OrderCustomer: a customer's orders, newest first by OrderKey. KEYS_ONLY: every
    # put of an ORDER item (settlement's, a cancel's) would write an index projecting it again; the list reads
    # the items its page names (one BatchGetItem). It replaced CustomerOrders (ALL) in issue 11.
    (contracts.CUSTOMER_ORDERS_INDEX, contracts.ORDER_CUSTOMER_ATTRIBUTE, contracts.ORDER_KEY_ATTRIBUTE, KEYS_ONLY),
)
RETIRED_TRADES_STORE_INDEXES: Final = (
    # The customer's orders projecting ALL, until issue 11: only kept while a stage is upgraded (its context
    # `tradesStoreIndexes` may name it, so each deployment adds or removes one index).
    ("CustomerOrders", contracts.ORDER_CUSTOMER_ATTRIBUTE, contracts.ORDER_KEY_ATTRIBUTE, ALL),
)


def selected_indexes(context: object) -> tuple[str, ...]:
    """The TradesStore indexes to deploy: every current one, or those the context names, a retired one among
    them while a stage is upgraded (unknown names refused)."""
    current = tuple(name for name, *_ in TRADES_STORE_INDEXES)
    known = current + tuple(name for name, *_ in RETIRED_TRADES_STORE_INDEXES)
    if context is None or context == "":
        return current
    names = tuple(part.strip() for part in str(context).split(",") if part.strip())
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"context {TRADES_STORE_INDEXES_CONTEXT}: unknown index {', '.join(unknown)}; known: {known}")
    return names


def trades_bucket_name(config: StageConfig) -> str:
    """`trading-system-<stage>-trades-<account>-<region>`: unique per account and region, and computable in
    any stack (pseudo parameters only), so consumers need no cross-stack reference to name it."""
    return f"{config.prefix}-trades-{Aws.ACCOUNT_ID}-{Aws.REGION}"


@dataclass(frozen=True, kw_only=True)
class DataLayerProps:
    config: StageConfig
    trades_indexes: Sequence[str] = tuple(name for name, *_ in TRADES_STORE_INDEXES)
    """`selected_indexes`: all of them unless an upgrade deploys them one at a time."""


class DataLayer(Construct):
    """Tables and buckets; removal policy and deletion protection follow the stage."""

    trades_table: dynamodb.Table
    idempotency_table: dynamodb.Table
    trades_bucket: s3.Bucket
    access_logs_bucket: s3.Bucket

    def __init__(self, scope: Construct, id: str, *, props: DataLayerProps) -> None:
        super().__init__(scope, id)
        config = props.config
        self.trades_table = data_table(
            self,
            "TradesStore",
            config=config,
            name="trades",
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            deletion_protection=not config.destroy_on_removal,
        )
        for name, partition_key, sort_key, projection in TRADES_STORE_INDEXES + RETIRED_TRADES_STORE_INDEXES:
            if name in props.trades_indexes:
                add_string_index(
                    self.trades_table, name, partition_key=partition_key, sort_key=sort_key, projection=projection
                )
        self.idempotency_table = data_table(
            self,
            "IdempotencyTable",
            config=config,
            name="idempotency",
            partition_key=contracts.IDEMPOTENCY_KEY,
            sort_key=None,
            time_to_live_attribute=contracts.IDEMPOTENCY_TTL,
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
