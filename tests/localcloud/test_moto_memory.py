"""What the local cloud frees that moto would keep for as long as the process runs (`make soak` found both):
the model instances moto registers (patch 17) and the stream records every mapping has read (the retention,
`localcloud.delivery.retention`, with patch 18 for reads from before it)."""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localcloud.delivery.retention import AWS_RETENTION
from localcloud.moto_lock import MOTO_LOCK
from localcloud.moto_patches.model_registry import WeakInstances
from tests.localcloud.fixtures import sink
from tests.localcloud.support import ACCOUNT, REGION, Cloud, create_table, local_cloud, stream_mapping

KEY = {"PK": {"S": "CUST#1"}, "SK": {"S": "FUNDS"}}


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    with local_cloud() as cloud:
        yield cloud


def shard(table: str = "trades") -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT][REGION].tables[table].stream_shard


def item_registry() -> Any:
    """moto's registry of DynamoDB items (`instances_tracked`, which moto's metaclass gives each model class)."""
    from moto.dynamodb.models.dynamo_type import Item

    return Item.instances_tracked  # type: ignore[attr-defined]


def update(cloud: Cloud, times: int) -> None:
    ddb = cloud.client("dynamodb")
    for n in range(times):
        ddb.update_item(
            TableName="trades",
            Key=KEY,
            UpdateExpression="SET Qty = :q",
            ExpressionAttributeValues={":q": {"N": str(n)}},
        )


def put(cloud: Cloud, *sort_keys: str) -> None:
    for sort_key in sort_keys:
        cloud.client("dynamodb").put_item(TableName="trades", Item={"PK": {"S": "CUST#1"}, "SK": {"S": sort_key}})


def read(cloud: Cloud, stream: str, **position: Any) -> list[str]:
    """The sort keys GetRecords answers from `position` (TRIM_HORIZON by default), on the AWS API."""
    streams = cloud.client("dynamodbstreams")
    shard_id = streams.describe_stream(StreamArn=stream)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=stream, ShardId=shard_id, **(position or {"ShardIteratorType": "TRIM_HORIZON"})
    )["ShardIterator"]
    return [r["dynamodb"]["Keys"]["SK"]["S"] for r in streams.get_records(ShardIterator=iterator)["Records"]]


def trim_now(cloud: Cloud) -> None:
    """One trim, due now, keeping nothing for the local retention (what else holds it still does)."""
    retention = cloud.delivery.retention
    kept = (retention.retention, retention.every)
    retention.retention, retention.every = 0.0, 0.0
    try:
        cloud.delivery.trim_streams()
    finally:
        retention.retention, retention.every = kept


# -- patch 17: the registry of model instances


def test_a_registered_model_instance_is_freed_once_moto_drops_it() -> None:
    with local_cloud() as cloud:  # the patches applied
        create_table(cloud)
        update(cloud, 5)
        gc.collect()
        before = len(item_registry())
        update(cloud, 200)  # each update copies the item (its old image, its validation)
        gc.collect()
        after = len(item_registry())
        with MOTO_LOCK:
            (current,) = next(iter(shard().table.items.values())).values()
        assert after - before < 10, f"{after - before} item copies kept alive by moto's registry"
        assert isinstance(item_registry(), WeakInstances)
        assert any(instance is current for instance in item_registry())  # what is alive is still listed


def test_the_weak_registry_iterates_and_counts_like_the_list() -> None:
    class Model:
        pass

    kept = [Model() for _ in range(3)]
    registry = WeakInstances(kept)
    registry.append(dropped := Model())
    assert list(registry) == [*kept, dropped] and len(registry) == 4
    del dropped
    gc.collect()
    assert list(registry) == kept and len(registry) == 3
    registry.append(1)  # not weakly referenceable: held as moto held everything
    assert list(registry) == [*kept, 1]


# -- the stream retention and patch 18


def test_records_every_mapping_has_read_are_trimmed_after_the_retention(cloud: Cloud) -> None:
    stream = create_table(cloud)
    cloud.function("consumer")
    stream_mapping(cloud, stream)
    put(cloud, "A", "B", "C")
    cloud.runtime.wait_idle(10)
    first = shard().starting_sequence_number
    cloud.delivery.retention.every = 0.0
    cloud.delivery.trim_streams()
    assert len(shard().items) == 3  # read, but younger than the retention
    cloud.delivery.retention.every = 3600.0  # no trim but trim_now's

    trim_now(cloud)
    assert (len(shard().items), shard().starting_sequence_number) == (0, first + 3)
    assert read(cloud, stream) == []
    put(cloud, "D")
    cloud.runtime.wait_idle(10)
    records = [r for call in sink.calls("consumer") for r in call["Records"]]
    assert [r["dynamodb"]["Keys"]["SK"]["S"] for r in records] == ["A", "B", "C", "D"]
    assert int(records[-1]["dynamodb"]["SequenceNumber"]) == first + 3  # numbering goes on
    assert read(cloud, stream) == ["D"]  # TRIM_HORIZON: the oldest record kept
    with pytest.raises(ClientError, match="TrimmedDataAccessException"):
        read(cloud, stream, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=str(first))


def test_records_a_mapping_has_not_read_are_kept_until_the_streams_24_hours(cloud: Cloud) -> None:
    stream = create_table(cloud)
    put(cloud, "A", "B", "C")
    start = shard().starting_sequence_number
    key = (ACCOUNT, REGION, "trades", stream.rsplit("/", 1)[1])
    retention = cloud.delivery.retention
    retention.retention = 0.0
    assert retention.trim({key: [start + 1]}) == 1  # a mapping at B: A goes
    assert read(cloud, stream) == ["B", "C"]
    with MOTO_LOCK:
        for record in shard().items[:1]:
            record.record["dynamodb"]["ApproximateCreationDateTime"] -= dt.timedelta(seconds=AWS_RETENTION + 1)
    assert retention.trim({key: [start + 1]}) == 1  # B is past 24 hours: trimmed, read or not
    assert read(cloud, stream) == ["C"]


def test_a_batch_sent_to_the_on_failure_queue_stays_readable_for_make_redrive(cloud: Cloud) -> None:
    stream = create_table(cloud)
    url, queue = cloud.queue("stream-failures")
    cloud.function("consumer")
    sink.RESPONDERS["consumer"] = lambda event, context: 1 / 0
    stream_mapping(cloud, stream, max_retries=0, on_failure_arn=queue)
    with MOTO_LOCK:
        put(cloud, "A", "B")
    cloud.runtime.wait_idle(10)
    sink.RESPONDERS.clear()
    put(cloud, "C")
    cloud.runtime.wait_idle(10)
    trim_now(cloud)

    (message,) = cloud.messages(url)
    info = json.loads(message["Body"])["DDBStreamBatchInfo"]
    assert read(cloud, stream, ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=info["startSequenceNumber"]) == [
        "A",
        "B",
        "C",
    ]
