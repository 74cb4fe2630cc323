"""`MotoSnapshot` gives back the copied world whatever was done to a previous copy of it."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.integration.conftest import (
    BUS_NAME,
    PREFIX,
    TRADES_BUCKET,
    TRADES_TABLE,
    TradingAws,
    build_trading_world,
    connect_trading_aws,
)
from tests.integration.moto_snapshot import MotoSnapshot
from tests.integration.stream_events import StreamTap
from trading_core.contracts import CUSTOMER_ORDERS_INDEX


def world(aws: TradingAws) -> dict[str, Any]:
    """Everything a test can see of the built world."""
    dynamodb = aws.table.meta.client
    events = boto3.client("events", region_name="us-east-1")
    sns = boto3.client("sns", region_name="us-east-1")
    sqs = aws.bus.sqs
    tables = {name: dynamodb.describe_table(TableName=name)["Table"] for name in dynamodb.list_tables()["TableNames"]}
    return {
        "tables": tables,
        "items": {name: dynamodb.scan(TableName=name, ConsistentRead=True)["Items"] for name in tables},
        "stream": StreamTap(TRADES_TABLE).records(),
        "queues": {
            url: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            for url in sqs.list_queues()["QueueUrls"]
        },
        "buckets": {
            bucket["Name"]: aws.s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", [])
            for bucket in aws.s3.list_buckets()["Buckets"]
        },
        "parameters": aws.ssm.get_parameters_by_path(Path=PREFIX, Recursive=True)["Parameters"],
        "buses": events.list_event_buses()["EventBuses"],
        "rules": {
            rule["Name"]: (rule, events.list_targets_by_rule(Rule=rule["Name"], EventBusName=BUS_NAME)["Targets"])
            for rule in events.list_rules(EventBusName=BUS_NAME)["Rules"]
        },
        "topics": sns.list_topics()["Topics"],
        "subscriptions": sns.list_subscriptions()["Subscriptions"],
        "executions": aws.stepfunctions.list_executions(stateMachineArn=aws.workflow_b_arn)["executions"],
    }


def test_a_restored_world_is_the_copied_one_after_anything_a_test_does(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_aws():
        names = build_trading_world()
        snapshot = MotoSnapshot.take()
        built = world(connect_trading_aws(monkeypatch, names))
    with mock_aws():
        snapshot.restore()
        aws = connect_trading_aws(monkeypatch, names)
        aws.put_customer("000001")
        aws.set_parameter("bus-type", "SNS")
        aws.s3.put_object(Bucket=TRADES_BUCKET, Key="k", Body=b"x")
        boto3.client("sns", region_name="us-east-1").publish(
            TopicArn=aws.topic_arn,
            Message=json.dumps({}),
            MessageAttributes={name: {"DataType": "String", "StringValue": "x"} for name in ("source", "detail-type")},
        )
        aws.stepfunctions.start_execution(stateMachineArn=aws.workflow_b_arn, input="{}")
        aws.table.meta.client.update_table(
            TableName=TRADES_TABLE, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": CUSTOMER_ORDERS_INDEX}}]
        )
        events = boto3.client("events", region_name="us-east-1")
        events.remove_targets(Rule="capture-all", EventBusName=BUS_NAME, Ids=["q"])
        events.delete_rule(Name="capture-all", EventBusName=BUS_NAME)
        assert world(aws) != built
    with mock_aws():
        snapshot.restore()
        assert world(connect_trading_aws(monkeypatch, names)) == built
