"""Moto-backed AWS for handler tests: the stage's tables, bucket, bus, topic and parameters.

Tables use the key layout of `trading_core.keys` (checked against the synthesized template by the
infrastructure tests); parameters take the `dev` defaults from cdk.json, as a deployment would.
Everything a publisher sends is captured in SQS queues so tests can read what went on the bus; the
router's `MarketData` requests (workflow A's events) are captured apart from the order flow, and
workflow B is a moto state machine whose executions are only recorded (none runs).

Each process builds that world once, with its requests; every later `trading_aws` gets an exact copy of it
(`tests/integration/moto_snapshot.py`: moto's backends deep-copied, so whatever a test wrote, sent, changed or
deleted, structure included, is gone) and new clients, environment and in-process ticker lookup.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.integration.market_data_fixtures import MARKET_DATA_TABLE, create_market_data_table
from tests.integration.moto_snapshot import MotoSnapshot
from tests.integration.quote_lookup import install_quote_summary
from trading_core.common import keys
from trading_core.contracts import (
    CUSTOMER_ID_ATTRIBUTE,
    CUSTOMER_LIST_INDEX,
    CUSTOMER_LIST_KEY_ATTRIBUTE,
    CUSTOMER_ORDERS_INDEX,
    HISTORY_LOOKUP_FUNCTION_ENV,
    MARKET_DATA_INVOKE_MODE_PARAMETER,
    MARKET_DATA_REQUEST_DETAIL_TYPE,
    MARKET_DATA_TABLE_ENV,
    ORDER_CUSTOMER_ATTRIBUTE,
    ORDER_ID_ATTRIBUTE,
    ORDER_KEY_ATTRIBUTE,
    RESTING_ORDERS_INDEX,
    RESTING_TICKER_ATTRIBUTE,
    ROUTER_SOURCE,
    TICKER_MAP_WORKFLOW_ENV,
)
from trading_core.market_data.store import MarketDataStore

ROOT = Path(__file__).resolve().parents[2]
STAGE = "dev"
PREFIX = f"/trading-system/{STAGE}"
TRADES_TABLE = "trading-system-dev-trades"
IDEMPOTENCY_TABLE = "trading-system-dev-idempotency"
TRADES_BUCKET = "trading-system-dev-trades-bucket"
BUS_NAME = "trading-system-dev-bus"
TOPIC_NAME = "trading-system-dev-orders"
WORKFLOW_B_NAME = "trading-system-dev-market-data-manager-parallel"


def stage_parameters() -> dict[str, str]:
    """The SSM parameters a `dev` deployment creates, from cdk.json."""
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    p = context["stages"][STAGE]["parameters"]
    return {
        "bus-type": p["busType"],
        "dark-pool-tickers-list": ",".join(p["darkPoolTickers"]),
        "dark-pools": ",".join(p["darkPools"]),
        "lit-pools": ",".join(p["litPools"]),
        "venue-fees": json.dumps(p["venueFees"]),
        "order-split-size": str(p["orderSplitSize"]),
        "dark-pool-match-probability": str(p["darkPoolMatchProbability"]),
        "market-data-invoke-mode": p["marketDataInvokeMode"],
        "market-close-time": p["marketCloseTime"],
        "auto-top-up": p["autoTopUp"],
    }


@dataclass
class BusCapture:
    """Reads back what publishers sent, as (source, detail-type, detail) whatever the transport."""

    sqs: Any
    events_queue_url: str
    sns_queue_url: str
    market_data_queue_url: str

    def drain(self) -> list[tuple[str, str, dict[str, Any]]]:
        captured = []
        for url, transport in ((self.events_queue_url, "events"), (self.sns_queue_url, "sns")):
            while True:
                messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                if not messages:
                    break
                for message in messages:
                    body = json.loads(message["Body"])
                    if transport == "events":
                        captured.append((body["source"], body["detail-type"], body["detail"]))
                    else:
                        attributes = body["MessageAttributes"]
                        captured.append(
                            (
                                attributes["source"]["Value"],
                                attributes["detail-type"]["Value"],
                                json.loads(body["Message"]),
                            )
                        )
                    self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return captured

    def market_data_requests(self) -> list[dict[str, Any]]:
        """The details of the `SmartOrderRouter` / `MarketData` events put on the bus since the last call."""
        details: list[dict[str, Any]] = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.market_data_queue_url, MaxNumberOfMessages=10)
            if not messages.get("Messages"):
                return details
            for message in messages["Messages"]:
                body = json.loads(message["Body"])
                assert (body["source"], body["detail-type"]) == (ROUTER_SOURCE, MARKET_DATA_REQUEST_DETAIL_TYPE)
                details.append(body["detail"])
                self.sqs.delete_message(QueueUrl=self.market_data_queue_url, ReceiptHandle=message["ReceiptHandle"])


@dataclass
class TradingAws:
    dynamodb: Any
    table: Any
    s3: Any
    ssm: Any
    bus: BusCapture
    topic_arn: str
    market_data_table: Any
    stepfunctions: Any
    workflow_b_arn: str

    def set_bus_type(self, bus_type: str) -> None:
        self.set_parameter("bus-type", bus_type)

    def set_parameter(self, name: str, value: str) -> None:
        """As an operator would; the functions' parameter cache is cleared instead of waiting 30 s."""
        self.ssm.put_parameter(Name=f"{PREFIX}/{name}", Value=value, Type="String", Overwrite=True)
        from aws_lambda_powertools.utilities.parameters.base import clear_caches

        clear_caches()

    def set_market_data_invoke_mode(self, mode: str) -> None:
        self.set_parameter(MARKET_DATA_INVOKE_MODE_PARAMETER, mode)

    def workflow_b_executions(self) -> list[dict[str, Any]]:
        """Every execution of workflow B, oldest first, with its input parsed."""
        listed = self.stepfunctions.list_executions(stateMachineArn=self.workflow_b_arn)["executions"]
        described = [self.stepfunctions.describe_execution(executionArn=e["executionArn"]) for e in listed]
        return [
            {"name": e["name"], "input": json.loads(e["input"])}
            for e in sorted(described, key=lambda execution: execution["startDate"])
        ]

    def market_data_store(self) -> MarketDataStore:
        return MarketDataStore(self.market_data_table)

    def put_customer(self, customer_id: str, funds: str = "1000000.00") -> None:
        from decimal import Decimal

        self.table.put_item(
            Item={
                **keys.customer_key(customer_id),
                "CustomerId": customer_id,
                "RemainingFunds": Decimal(funds),
                "AvailableFunds": Decimal(funds),
                "ReservedFunds": Decimal(0),
                "Created": "2026-01-01T00:00:00.000Z",
            }
        )

    def customer(self, customer_id: str) -> dict[str, Any]:
        return self.table.get_item(Key=keys.customer_key(customer_id), ConsistentRead=True)["Item"]

    def scan(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"ConsistentRead": True}
        while True:
            page = self.table.scan(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# TradesStore's sparse index of resting orders (constructs_lib/data_layer.py; the order book reads it).
RESTING_ORDERS_ATTRIBUTES = [
    {"AttributeName": RESTING_TICKER_ATTRIBUTE, "AttributeType": "S"},
    {"AttributeName": ORDER_ID_ATTRIBUTE, "AttributeType": "S"},
]
RESTING_ORDERS_GSI = {
    "IndexName": RESTING_ORDERS_INDEX,
    "KeySchema": [
        {"AttributeName": RESTING_TICKER_ATTRIBUTE, "KeyType": "HASH"},
        {"AttributeName": ORDER_ID_ATTRIBUTE, "KeyType": "RANGE"},
    ],
    "Projection": {"ProjectionType": "ALL"},
}
# A customer's parent orders' keys by order time (the data API's GET /customers/{customerId}/orders).
CUSTOMER_ORDERS_GSI = {
    "IndexName": CUSTOMER_ORDERS_INDEX,
    "KeySchema": [
        {"AttributeName": ORDER_CUSTOMER_ATTRIBUTE, "KeyType": "HASH"},
        {"AttributeName": ORDER_KEY_ATTRIBUTE, "KeyType": "RANGE"},
    ],
    "Projection": {"ProjectionType": "KEYS_ONLY"},
}
# Every customer item's keys (GET /customers).
CUSTOMER_LIST_GSI = {
    "IndexName": CUSTOMER_LIST_INDEX,
    "KeySchema": [
        {"AttributeName": CUSTOMER_LIST_KEY_ATTRIBUTE, "KeyType": "HASH"},
        {"AttributeName": CUSTOMER_ID_ATTRIBUTE, "KeyType": "RANGE"},
    ],
    "Projection": {"ProjectionType": "KEYS_ONLY"},
}
INDEX_ATTRIBUTES = [
    *RESTING_ORDERS_ATTRIBUTES,
    *(
        {"AttributeName": name, "AttributeType": "S"}
        for name in (ORDER_CUSTOMER_ATTRIBUTE, ORDER_KEY_ATTRIBUTE, CUSTOMER_LIST_KEY_ATTRIBUTE, CUSTOMER_ID_ATTRIBUTE)
    ),
]
HISTORICAL_DATA_FUNCTION = "trading-system-dev-historical-data"


@dataclass(frozen=True)
class BuiltNames:
    """What `build_trading_world` answers that the fixture's clients and the functions' environment need."""

    topic_arn: str
    workflow_b_arn: str
    events_queue_url: str
    sns_queue_url: str
    market_data_queue_url: str


def build_trading_world() -> BuiltNames:
    """Inside mock_aws: the tables, state machine, bucket, parameters, bus, topic and capture queues."""
    region = "us-east-1"
    dynamodb = boto3.resource("dynamodb", region_name=region)
    dynamodb.create_table(
        TableName=TRADES_TABLE,
        KeySchema=[{"AttributeName": keys.PK, "KeyType": "HASH"}, {"AttributeName": keys.SK, "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": keys.PK, "AttributeType": "S"},
            {"AttributeName": keys.SK, "AttributeType": "S"},
            *INDEX_ATTRIBUTES,
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        GlobalSecondaryIndexes=[RESTING_ORDERS_GSI, CUSTOMER_ORDERS_GSI, CUSTOMER_LIST_GSI],
    )
    dynamodb.create_table(
        TableName=IDEMPOTENCY_TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    create_market_data_table(dynamodb)
    stepfunctions = boto3.client("stepfunctions", region_name=region)
    workflow_b_arn = stepfunctions.create_state_machine(
        name=WORKFLOW_B_NAME,
        definition=json.dumps({"StartAt": "Fetch", "States": {"Fetch": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/workflow-b",
    )["stateMachineArn"]
    s3 = boto3.client("s3", region_name=region)
    s3.create_bucket(Bucket=TRADES_BUCKET)
    ssm = boto3.client("ssm", region_name=region)
    for name, value in stage_parameters().items():
        ssm.put_parameter(Name=f"{PREFIX}/{name}", Value=value, Type="String", Overwrite=True)

    events = boto3.client("events", region_name=region)
    sns = boto3.client("sns", region_name=region)
    sqs = boto3.client("sqs", region_name=region)
    events.create_event_bus(Name=BUS_NAME)
    topic_arn = sns.create_topic(Name=TOPIC_NAME)["TopicArn"]
    events_queue = sqs.create_queue(QueueName="captured-events")["QueueUrl"]
    sns_queue = sqs.create_queue(QueueName="captured-sns")["QueueUrl"]
    market_data_queue = sqs.create_queue(QueueName="captured-market-data-requests")["QueueUrl"]

    def arn(url: str) -> str:
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    order_flow = {"account": [{"exists": True}], "detail-type": [{"anything-but": [MARKET_DATA_REQUEST_DETAIL_TYPE]}]}
    events.put_rule(Name="capture-all", EventBusName=BUS_NAME, EventPattern=json.dumps(order_flow))
    events.put_targets(Rule="capture-all", EventBusName=BUS_NAME, Targets=[{"Id": "q", "Arn": arn(events_queue)}])
    requests = {"source": [ROUTER_SOURCE], "detail-type": [MARKET_DATA_REQUEST_DETAIL_TYPE]}
    events.put_rule(Name="capture-market-data-requests", EventBusName=BUS_NAME, EventPattern=json.dumps(requests))
    events.put_targets(
        Rule="capture-market-data-requests",
        EventBusName=BUS_NAME,
        Targets=[{"Id": "q", "Arn": arn(market_data_queue)}],
    )
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn(sns_queue))
    return BuiltNames(
        topic_arn=topic_arn,
        workflow_b_arn=workflow_b_arn,
        events_queue_url=events_queue,
        sns_queue_url=sns_queue,
        market_data_queue_url=market_data_queue,
    )


def connect_trading_aws(monkeypatch: pytest.MonkeyPatch, names: BuiltNames) -> TradingAws:
    """Inside mock_aws, on a built world: the functions' environment, the router's in-process ticker lookup
    (which also creates the market-data bucket if missing) and new clients for the test."""
    region = "us-east-1"
    for name, value in {
        "STAGE": STAGE,
        "PARAMETER_PREFIX": PREFIX,
        "TRADES_TABLE_NAME": TRADES_TABLE,
        "IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE,
        "TRADES_BUCKET_NAME": TRADES_BUCKET,
        "EVENT_BUS_NAME": BUS_NAME,
        "ORDERS_TOPIC_ARN": names.topic_arn,
        MARKET_DATA_TABLE_ENV: MARKET_DATA_TABLE,
        TICKER_MAP_WORKFLOW_ENV: names.workflow_b_arn,
        HISTORY_LOOKUP_FUNCTION_ENV: HISTORICAL_DATA_FUNCTION,
    }.items():
        monkeypatch.setenv(name, value)
    # The router's ticker lookup runs the quote-summary function in-process (tests/integration/quote_lookup.py).
    install_quote_summary(monkeypatch)

    dynamodb = boto3.resource("dynamodb", region_name=region)
    return TradingAws(
        dynamodb=dynamodb,
        table=dynamodb.Table(TRADES_TABLE),
        s3=boto3.client("s3", region_name=region),
        ssm=boto3.client("ssm", region_name=region),
        bus=BusCapture(
            sqs=boto3.client("sqs", region_name=region),
            events_queue_url=names.events_queue_url,
            sns_queue_url=names.sns_queue_url,
            market_data_queue_url=names.market_data_queue_url,
        ),
        topic_arn=names.topic_arn,
        market_data_table=dynamodb.Table(MARKET_DATA_TABLE),
        stepfunctions=boto3.client("stepfunctions", region_name=region),
        workflow_b_arn=names.workflow_b_arn,
    )


def create_trading_aws(monkeypatch: pytest.MonkeyPatch) -> TradingAws:
    """Inside mock_aws: the whole world built by its requests, and the test's clients."""
    return connect_trading_aws(monkeypatch, build_trading_world())


# This process's world as `create_trading_aws` builds it, copied right after its first build (with the names
# that build answered); every later `trading_aws` gets a fresh copy of it instead of ~30 requests.
_built: tuple[MotoSnapshot, BuiltNames] | None = None


def fresh_trading_aws(monkeypatch: pytest.MonkeyPatch) -> TradingAws:
    """In a mock that has just started: the state a fresh `create_trading_aws` gives, built once per process."""
    global _built
    if _built is None:
        names = build_trading_world()
        aws = connect_trading_aws(monkeypatch, names)  # creates the market-data bucket: part of the copy
        _built = (MotoSnapshot.take(), names)
        return aws
    snapshot, names = _built
    snapshot.restore()
    return connect_trading_aws(monkeypatch, names)


@pytest.fixture
def trading_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[TradingAws]:
    from aws_lambda_powertools.utilities.parameters.base import clear_caches

    with mock_aws():
        clear_caches()
        yield fresh_trading_aws(monkeypatch)
    clear_caches()


@pytest.fixture(params=["EVENT-BRIDGE", "SNS"])
def bus_type(request: pytest.FixtureRequest, trading_aws: TradingAws) -> str:
    """Runs a test once per transport."""
    trading_aws.set_bus_type(request.param)
    return str(request.param)
