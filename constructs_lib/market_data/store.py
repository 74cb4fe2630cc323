"""Market-data storage (docs/architecture.md §3, §4): the MarketData table and the raw-answers bucket (Data stack)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aws_cdk import Aws
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib.common.storage import data_bucket, data_table
from constructs_lib.stage_config import StageConfig

# The market price for the router, the order book and the data API (`market_data/store.py` of the runtime): the
# tickers' summaries in one BatchGetItem (also the router's staleness check and the history ends of a portfolio),
# else a Query of the latest close (also the closes a portfolio is valued at).
MARKET_PRICE_ACTIONS: Final = ("dynamodb:BatchGetItem", "dynamodb:Query")


def market_data_bucket_name(config: StageConfig) -> str:
    """`trading-system-<stage>-market-data-<account>-<region>` (pseudo parameters only, like the trades bucket)."""
    return f"{config.prefix}-market-data-{Aws.ACCOUNT_ID}-{Aws.REGION}"


@dataclass(frozen=True, kw_only=True)
class MarketDataStoreProps:
    config: StageConfig
    access_logs_bucket: s3.IBucket
    """The Data layer's server-access-logs bucket (prefix `market-data-bucket/`)."""


class MarketDataStore(Construct):
    """MarketData table (`PK`/`SK`, on-demand, PITR) and the bucket of raw provider answers (`raw/…`)."""

    table: dynamodb.Table
    bucket: s3.Bucket

    def __init__(self, scope: Construct, id: str, *, props: MarketDataStoreProps) -> None:
        super().__init__(scope, id)
        config = props.config
        self.table = data_table(
            self,
            "MarketDataTable",
            config=config,
            name="market-data",
            deletion_protection=not config.destroy_on_removal,
        )
        self.bucket = data_bucket(
            self,
            "MarketDataBucket",
            config=config,
            bucket_name=market_data_bucket_name(config),
            access_logs=props.access_logs_bucket,
            access_logs_prefix="market-data-bucket/",
        )
