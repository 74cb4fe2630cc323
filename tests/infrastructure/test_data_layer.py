"""Stateful resources: key schema from `trading_core.keys`, stream, PITR, encryption, S3 hardening."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stacks.app_builder import build_app, stack_names
from tests.infrastructure.conftest import NO_BUNDLING, Synthesized, props, resources
from trading_core import contracts


def _tables(dev: Synthesized) -> dict[str, dict[str, Any]]:
    return {props(t)["TableName"]: props(t) for t in resources(dev.data, "AWS::DynamoDB::Table").values()}


def test_trades_table_keys_match_the_lambda_code(dev: Synthesized) -> None:
    table = _tables(dev)["trading-system-dev-trades"]
    assert table["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
        {"AttributeName": name, "AttributeType": "S"}
        for name in (
            "CustomerId",
            "CustomerListKey",
            "OrderCustomer",
            "OrderId",
            "OrderKey",
            "PK",
            "RestingTicker",
            "SK",
        )
    ]


def _index(name: str, partition: str, sort: str, projection: str = "ALL") -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [{"AttributeName": partition, "KeyType": "HASH"}, {"AttributeName": sort, "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": projection},
    }


def test_trades_table_has_the_sparse_indexes(dev: Synthesized) -> None:
    """Each index holds only the items that carry its partition attribute (docs/contracts.md "Data model"):
    OPEN child orders (`RestingTicker`, the order book's), PARENT orders (`OrderCustomer`, a customer's
    orders newest first by `OrderKey`), customers (`CustomerListKey`, the customer list). The resting orders
    project ALL (the order book answers from the index alone; an order enters and leaves it once); the customer
    list and the customer's orders KEYS_ONLY, since every reservation, fill and deposit writes the customer
    item, and every fill or cancel the ORDER item, and an index projecting them would be written each time
    too."""
    table = _tables(dev)["trading-system-dev-trades"]
    assert table["GlobalSecondaryIndexes"] == [
        _index("RestingOrders", "RestingTicker", "OrderId"),
        _index("CustomerIds", "CustomerListKey", "CustomerId", "KEYS_ONLY"),
        _index("CustomerOrderKeys", "OrderCustomer", "OrderKey", "KEYS_ONLY"),
    ]
    assert (contracts.CUSTOMER_ORDERS_INDEX, contracts.CUSTOMER_LIST_INDEX) == ("CustomerOrderKeys", "CustomerIds")


def test_trades_table_settings(dev: Synthesized) -> None:
    table = _tables(dev)["trading-system-dev-trades"]
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True  # AWS-managed KMS key


def test_idempotency_table(dev: Synthesized) -> None:
    table = _tables(dev)["trading-system-dev-idempotency"]
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_dev_data_is_disposable(dev: Synthesized) -> None:
    stateful = resources(dev.data, "AWS::DynamoDB::Table") | resources(dev.data, "AWS::S3::Bucket")
    assert {r["DeletionPolicy"] for r in stateful.values()} == {"Delete"}
    assert len(resources(dev.data, "Custom::S3AutoDeleteObjects")) == 3  # access logs, trades, market data


def _trades_bucket(dev: Synthesized) -> tuple[str, dict[str, Any]]:
    (pair,) = (
        (k, props(b))
        for k, b in resources(dev.data, "AWS::S3::Bucket").items()
        if "trading-system-dev-trades-" in str(props(b).get("BucketName"))
    )
    return pair


def test_trades_bucket_hardening(dev: Synthesized) -> None:
    _, bucket = _trades_bucket(dev)
    assert bucket["BucketName"] == {
        "Fn::Join": ["", ["trading-system-dev-trades-", {"Ref": "AWS::AccountId"}, "-", {"Ref": "AWS::Region"}]]
    }
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "DestinationBucketName" in bucket["LoggingConfiguration"]


def test_every_bucket_denies_plain_http(dev: Synthesized) -> None:
    buckets = set(resources(dev.data, "AWS::S3::Bucket"))
    secured = set()
    for policy in resources(dev.data, "AWS::S3::BucketPolicy").values():
        for statement in props(policy)["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement.get("Condition") == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                secured.add(props(policy)["Bucket"]["Ref"])
    assert secured == buckets


def test_outputs(dev: Synthesized) -> None:
    outputs = dev.data["Outputs"]
    assert outputs["TradesTableName"]["Value"]["Ref"] in dev.data["Resources"]
    assert outputs["TradesBucketName"]["Value"]["Ref"] == _trades_bucket(dev)[0]


def _trades_indexes(tmp_path: Path, context: str) -> list[str]:
    app = build_app({**NO_BUNDLING, "nag": False, "tradesStoreIndexes": context}, outdir=str(tmp_path))
    data_name, _ = stack_names("dev")
    template = app.synth().get_stack_by_name(data_name).template
    (table,) = (
        props(t)
        for t in resources(template, "AWS::DynamoDB::Table").values()
        if props(t)["TableName"] == "trading-system-dev-trades"
    )
    return [index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])]


def test_an_upgrade_can_add_one_index_per_deployment(tmp_path: Path) -> None:
    """CloudFormation creates or deletes at most one GSI per table update: each step of docs/contracts.md's
    upgrades (a stage deployed with CustomerOrders, which projected ALL, then CustomerList) changes one index,
    the retired CustomerOrders selectable while a stage is upgraded, never by default."""
    deployed = ["RestingOrders", "CustomerOrders", "CustomerIds"]
    steps = [_trades_indexes(tmp_path / "step1", "RestingOrders,CustomerIds"), _trades_indexes(tmp_path / "plain", "")]
    assert steps == [["RestingOrders", "CustomerIds"], ["RestingOrders", "CustomerIds", "CustomerOrderKeys"]]
    assert all(len(set(before) ^ set(after)) == 1 for before, after in zip([deployed, *steps], steps, strict=False))
    oldest = ["RestingOrders", "CustomerOrders", "CustomerList"]
    path = [
        _trades_indexes(tmp_path / "old1", "RestingOrders,CustomerOrders"),
        _trades_indexes(tmp_path / "old2", "RestingOrders"),
        _trades_indexes(tmp_path / "old3", "RestingOrders,CustomerIds"),
        steps[1],
    ]
    assert all(len(set(before) ^ set(after)) == 1 for before, after in zip([oldest, *path], path, strict=False))
    with pytest.raises(ValueError, match="unknown index CustomerLists"):
        _trades_indexes(tmp_path / "typo", "RestingOrders,CustomerLists")
