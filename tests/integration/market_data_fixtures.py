"""Moto-backed MarketData table, raw bucket and bus for the market-data tests (own fixture, not conftest's).

The table uses the key constants of `trading_core.market_data`; the bus has a catch-all rule into an
SQS queue so tests read back what was put on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from trading_core.contracts import (
    MARKET_DATA_BUCKET_ENV,
    MARKET_DATA_PROVIDER_ENV,
    MARKET_DATA_TABLE_ENV,
    OFFLINE_PROVIDER,
)
from trading_core.market_data.archive import S3RawArchive
from trading_core.market_data.keys import PK, SK
from trading_core.market_data.providers.offline import OfflineProvider
from trading_core.market_data.service import MarketDataService
from trading_core.market_data.store import MarketDataStore

REGION = "us-east-1"
MARKET_DATA_TABLE = "trading-system-dev-market-data"
MARKET_DATA_BUCKET = "trading-system-dev-market-data-bucket"
BUS_NAME = "trading-system-dev-bus"


class FixedClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class MarketDataAws:
    table: Any
    s3: Any
    sqs: Any
    stepfunctions: Any
    queue_url: str
    clock: FixedClock

    def store(self) -> MarketDataStore:
        return MarketDataStore(self.table, clock=self.clock)

    def service(self) -> MarketDataService:
        return MarketDataService(
            OfflineProvider(clock=self.clock),
            self.store(),
            S3RawArchive(self.s3, MARKET_DATA_BUCKET),
            clock=self.clock,
        )

    def bus_events(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return events
            for message in messages:
                events.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def items(self) -> list[dict[str, Any]]:
        return list(self.table.scan(ConsistentRead=True)["Items"])

    def raw_keys(self) -> list[str]:
        return [item["Key"] for item in self.s3.list_objects_v2(Bucket=MARKET_DATA_BUCKET).get("Contents", [])]


def create_market_data_table(dynamodb: Any) -> Any:
    """The MarketData table as the Data stack defines it (PK/SK strings, on demand)."""
    return dynamodb.create_table(
        TableName=MARKET_DATA_TABLE,
        KeySchema=[{"AttributeName": PK, "KeyType": "HASH"}, {"AttributeName": SK, "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": PK, "AttributeType": "S"},
            {"AttributeName": SK, "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def create_market_data_aws(monkeypatch: pytest.MonkeyPatch, clock: FixedClock) -> MarketDataAws:
    table = create_market_data_table(boto3.resource("dynamodb", region_name=REGION))
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=MARKET_DATA_BUCKET)
    events = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    events.create_event_bus(Name=BUS_NAME)
    queue_url = sqs.create_queue(QueueName="captured-market-data-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="capture-all", EventBusName=BUS_NAME, EventPattern=json.dumps({"account": [{"exists": True}]}))
    events.put_targets(Rule="capture-all", EventBusName=BUS_NAME, Targets=[{"Id": "q", "Arn": queue_arn}])
    for name, value in {
        "STAGE": "dev",
        MARKET_DATA_TABLE_ENV: MARKET_DATA_TABLE,
        MARKET_DATA_BUCKET_ENV: MARKET_DATA_BUCKET,
        MARKET_DATA_PROVIDER_ENV: OFFLINE_PROVIDER,
        "EVENT_BUS_NAME": BUS_NAME,
    }.items():
        monkeypatch.setenv(name, value)
    return MarketDataAws(
        table=table,
        s3=s3,
        sqs=sqs,
        stepfunctions=boto3.client("stepfunctions", region_name=REGION),
        queue_url=queue_url,
        clock=clock,
    )


@contextmanager
def market_data_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[MarketDataAws]:
    """For a test module's own fixture. Step Functions execute, so task tokens are real ones.

    The clock starts on Wednesday 2026-03-04 15:00 UTC.
    """
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield create_market_data_aws(monkeypatch, FixedClock(datetime(2026, 3, 4, 15, 0, tzinfo=UTC)))


def use(handler_module: Any, name: str, factory: Callable[[], Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Replaces a handler's composition root (`build`) so it runs on the test's clock."""
    monkeypatch.setattr(handler_module, name, factory)
