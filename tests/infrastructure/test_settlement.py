"""The stream mapping, the bucket notification and deploy-time customer seeding."""

from __future__ import annotations

import json
from typing import Any

from tests.infrastructure.conftest import CONTEXT, Synthesized, function_logical_id, is_ref_to, props, resources


def _mappings(dev: Synthesized) -> dict[str, dict[str, Any]]:
    """The stream's event source mappings by the function they feed."""
    by_id = {function_logical_id(dev.service, name): name for name in ("aggregator", "trade_archiver")}
    found = {
        by_id[m["FunctionName"]["Ref"]]: m
        for m in map(props, resources(dev.service, "AWS::Lambda::EventSourceMapping").values())
    }
    assert found.keys() == set(by_id.values())
    return found


def test_stream_mappings(dev: Synthesized) -> None:
    mappings = _mappings(dev)
    aggregator, archiver = mappings["aggregator"], mappings["trade_archiver"]
    assert (aggregator["BatchSize"], archiver["BatchSize"]) == (100, 1000)
    # The aggregator keeps going past a failed record; the archiver's batches are retried whole, the same records.
    assert aggregator["BisectBatchOnFunctionError"] is True
    assert aggregator["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert archiver["BisectBatchOnFunctionError"] is False and "FunctionResponseTypes" not in archiver
    queues = set()
    for mapping in mappings.values():
        assert mapping["StartingPosition"] == "TRIM_HORIZON"
        assert mapping["MaximumBatchingWindowInSeconds"] == 5
        assert mapping["MaximumRetryAttempts"] == 5
        dlq = mapping["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
        assert dev.service["Resources"][dlq]["Type"] == "AWS::SQS::Queue"
        queues.add(dlq)
        (criteria,) = mapping["FilterCriteria"]["Filters"]
        assert json.loads(criteria["Pattern"]) == {
            "eventName": ["INSERT", "MODIFY"],
            "dynamodb": {"Keys": {"SK": {"S": [{"prefix": "TRADE#"}]}}},
        }
        # The stream is the Data stack's table stream (read across stacks, not recreated here).
        assert "StreamArn" in json.dumps(mapping["EventSourceArn"])
    assert len(queues) == 2  # each its own on-failure queue, so a redrive replays a batch to its own function


def test_storage_analyzer_notified_of_settled_objects(dev: Synthesized) -> None:
    (notification,) = (props(n) for n in resources(dev.service, "Custom::S3BucketNotifications").values())
    (config,) = notification["NotificationConfiguration"]["LambdaFunctionConfigurations"]
    assert is_ref_to(config["LambdaFunctionArn"], function_logical_id(dev.service, "storage_analyzer"))
    assert config["Events"] == ["s3:ObjectCreated:*"]
    assert config["Filter"] == {"Key": {"FilterRules": [{"Name": "prefix", "Value": "settled/"}]}}
    (bucket,) = (
        props(b)
        for b in resources(dev.data, "AWS::S3::Bucket").values()
        if "trading-system-dev-trades-" in str(props(b).get("BucketName"))
    )
    assert notification["BucketName"] == bucket["BucketName"]
    assert notification["Managed"] is False  # merges with, never replaces, the bucket's configuration


def test_no_reference_from_data_to_service(dev: Synthesized) -> None:
    assert "TradingSystem-dev-Service" not in json.dumps(dev.data)


def test_customer_seed(dev: Synthesized) -> None:
    (seed,) = (props(s) for s in resources(dev.service, "Custom::CustomerSeed").values())
    assert seed["ServiceToken"] == {"Fn::GetAtt": [function_logical_id(dev.service, "customer_seeder"), "Arn"]}
    assert seed["Customers"] == [*(f"{n:06d}" for n in range(1, 10)), "0000010", "0000011", "0000012"]
    assert seed["InitialFunds"] == "1000000.00"
    assert "TableName" in seed
    # CloudFormation fails it within minutes when the seeder cannot answer (not after an hour).
    assert seed["ServiceTimeout"] == "300"


def test_prod_seeds_no_demo_customers(prod: Synthesized) -> None:
    assert CONTEXT["stages"]["prod"]["seedDemoCustomers"] is False
    assert CONTEXT["stages"]["dev"]["seedDemoCustomers"] is True
    assert not resources(prod.service, "Custom::CustomerSeed")
    names = {props(f).get("FunctionName") for f in resources(prod.service, "AWS::Lambda::Function").values()}
    assert "trading-system-prod-customer-seeder" not in names
    assert "1000000.00" not in json.dumps(prod.service)
