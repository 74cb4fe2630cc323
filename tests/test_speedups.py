"""tests/speedups.py changes how fast the emulated AWS is, never what it answers."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.session
import pytest
from moto import mock_aws
from moto.dynamodb import models

from tests import speedups


def test_every_botocore_session_shares_one_loader() -> None:
    first, second = botocore.session.Session(), botocore.session.Session()
    assert first.get_component("data_loader") is second.get_component("data_loader")


def create(client: Any) -> None:
    client.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    for n in range(5):
        client.put_item(TableName="t", Item={"PK": {"S": "a"}, "SK": {"S": str(n)}, "N": {"N": "0"}})


def state(client: Any) -> tuple[list[Any], list[Any]]:
    items = sorted(client.scan(TableName="t", ConsistentRead=True)["Items"], key=lambda i: i["SK"]["S"])
    streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    arn = client.describe_table(TableName="t")["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return items, [(r["eventName"], r["dynamodb"]["Keys"], r["dynamodb"].get("NewImage")) for r in records]


def update(sk: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": "t",
            "Key": {"PK": {"S": "a"}, "SK": {"S": sk}},
            "UpdateExpression": "SET N = N + :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


CANCELLED = [
    update("1"),
    {"Put": {"TableName": "t", "Item": {"PK": {"S": "a"}, "SK": {"S": "new"}}}},
    {"Delete": {"TableName": "t", "Key": {"PK": {"S": "a"}, "SK": {"S": "2"}}}},
    {
        "ConditionCheck": {
            "TableName": "t",
            "Key": {"PK": {"S": "a"}, "SK": {"S": "3"}},
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    },
]


def run(client: Any, items: list[dict[str, Any]]) -> str:
    try:
        client.transact_write_items(TransactItems=items)
    except client.exceptions.TransactionCanceledException as error:
        return str(error.response["CancellationReasons"])
    return "committed"


@pytest.mark.parametrize("patched", [True, False])
def test_transactions_commit_and_roll_back_as_moto_does(patched: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same transactions give the same tables and stream records with and without the patch."""
    if not patched:
        monkeypatch.setattr(models, "copy", speedups.copy)
        monkeypatch.setattr(models.DynamoDBBackend, "transact_write_items", speedups.original_transact_write_items)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create(client)
        before = state(client)
        reasons = run(client, CANCELLED)
        assert "ConditionalCheckFailed" in reasons
        assert state(client) == before
        assert run(client, [update("1"), update("4")]) == "committed"
        items, records = state(client)
        assert [i["N"]["N"] for i in items] == ["0", "1", "0", "0", "1"]
        assert records[: len(before[1])] == before[1] and len(records) == len(before[1]) + 2
        assert run(client, [*CANCELLED[:3], update("4")]) == "committed"
        assert sorted(i["SK"]["S"] for i in client.scan(TableName="t")["Items"]) == ["0", "1", "3", "4", "new"]


def test_the_backup_shares_only_what_the_transaction_cannot_change() -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create(client)
        backend = models.dynamodb_backends["123456789012"]["us-east-1"]
        table = backend.tables["t"]
        shared = speedups.shareable(backend, CANCELLED)
        items = {i.range_key.value: i for i in table.all_items()}
        assert {sk for sk, item in items.items() if id(item) in shared} == {"0", "4"}
        assert all(id(record) in shared for record in table.stream_shard.items)
        assert id(table) not in shared and id(table.items) not in shared
