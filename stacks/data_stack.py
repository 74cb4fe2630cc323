"""Stateful resources only: a compute change never risks data."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_lib.data_layer import (
    TRADES_STORE_INDEXES_CONTEXT,
    DataLayer,
    DataLayerProps,
    selected_indexes,
    trades_bucket_name,
)
from constructs_lib.market_data.store import MarketDataStore, MarketDataStoreProps, market_data_bucket_name
from constructs_lib.stage_config import StageConfig
from trading_core import contracts


def output(scope: Construct, logical_id: str, value: str, description: str) -> cdk.CfnOutput:
    """A stack output whose logical id (the key in `cdk deploy --outputs-file`) is exactly `logical_id`."""
    out = cdk.CfnOutput(scope, logical_id, value=value, description=description)
    out.override_logical_id(logical_id)
    return out


class DataStack(cdk.Stack):
    trades_table: dynamodb.ITable
    idempotency_table: dynamodb.ITable
    trades_bucket: s3.IBucket
    trades_bucket_name: str
    market_data_table: dynamodb.ITable
    market_data_bucket_name: str

    def __init__(self, scope: Construct, id: str, *, config: StageConfig, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        data = DataLayer(
            self,
            "DataLayer",
            props=DataLayerProps(
                config=config,
                trades_indexes=selected_indexes(self.node.try_get_context(TRADES_STORE_INDEXES_CONTEXT)),
            ),
        )
        self.trades_table = data.trades_table
        self.idempotency_table = data.idempotency_table
        self.trades_bucket = data.trades_bucket
        self.trades_bucket_name = trades_bucket_name(config)
        output(self, contracts.TRADES_TABLE_OUTPUT, data.trades_table.table_name, "TradesStore table")
        output(self, contracts.TRADES_BUCKET_OUTPUT, data.trades_bucket.bucket_name, "settled trade batches")
        market_data = MarketDataStore(
            self,
            "MarketDataStore",
            props=MarketDataStoreProps(config=config, access_logs_bucket=data.access_logs_bucket),
        )
        self.market_data_table = market_data.table
        self.market_data_bucket_name = market_data_bucket_name(config)
        output(self, contracts.MARKET_DATA_TABLE_OUTPUT, market_data.table.table_name, "MarketData table")
        output(self, contracts.MARKET_DATA_BUCKET_OUTPUT, market_data.bucket.bucket_name, "raw market-data answers")
