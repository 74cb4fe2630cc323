"""Patches 5-6 and 18: DynamoDB writes stream records as DynamoDB Streams does, for the local pollers to deliver.

5. `dynamodb.models.table.StreamShard.add(self, old, new)`: only appends the record (with the table's
   region) and wakes the pollers of `localcloud.delivery.streams`; a write that changes nothing appends no
   record, as in DynamoDB Streams. moto's synchronous one-record delivery to Lambda is gone.
6. `dynamodb.models.DynamoDBBackend.update_item(...)`: one stream record per UpdateItem (when the update
   creates the item moto also records its keys-only put first: two INSERTs).
18. `dynamodb.models.table.StreamShard.get(self, start, quantity)`: a read from before the oldest record kept
   (the local retention trims a shard's front and moves its `starting_sequence_number` on:
   `localcloud.delivery.retention`) answers DynamoDB Streams' TrimmedDataAccessException, where moto's
   `assert` would fail the request with a 500; any other read is moto's.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.core.exceptions import ServiceException

from localcloud.moto_patches.patching import active_delivery, original, replace

_local = threading.local()  # the records an UpdateItem in progress on this thread writes


def install() -> None:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import StreamShard

    replace(StreamShard, "add", stream_shard_add)
    replace(DynamoDBBackend, "update_item", update_item)
    replace(StreamShard, "get", stream_shard_get)


class TrimmedDataAccess(ServiceException):
    def __init__(self) -> None:
        super().__init__(
            "TrimmedDataAccessException", "The operation attempted to read past the oldest stream record in a shard."
        )


def append_stream_record(shard: Any, old: Any, new: Any) -> None:
    from moto.dynamodb.models.table import StreamRecord

    if old is not None and new is not None and old.to_json() == new.to_json():
        return  # DynamoDB Streams writes no record for a write that changes nothing
    view_type = shard.table.stream_specification["StreamViewType"]
    event_name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    sequence = len(shard.items) + shard.starting_sequence_number
    record = StreamRecord(shard.table, view_type, event_name, old, new, sequence)
    record.record["awsRegion"] = shard.table.region_name
    shard.items.append(record)
    delivery = active_delivery()
    if delivery is not None:
        delivery.notify()


def stream_shard_add(self: Any, old: Any, new: Any) -> None:
    from moto.dynamodb.models.table import StreamShard

    if active_delivery() is None:
        return original(StreamShard, "add")(self, old, new)
    captured = getattr(_local, "update_records", None)
    if captured is not None:
        captured.append((self, old, new))
        return None
    append_stream_record(self, old, new)
    return None


def update_item(self: Any, *args: Any, **kwargs: Any) -> Any:
    from moto.dynamodb.models import DynamoDBBackend

    update = original(DynamoDBBackend, "update_item")
    if active_delivery() is None or getattr(_local, "update_records", None) is not None:
        return update(self, *args, **kwargs)
    captured: list[tuple[Any, Any, Any]] = []
    _local.update_records = captured
    try:
        result = update(self, *args, **kwargs)
    finally:
        _local.update_records = None
    if captured:
        shard, old, new = captured[-1]  # the update itself; before it, the keys-only put of a new item
        append_stream_record(shard, old, new)
    return result


def stream_shard_get(self: Any, start: int, quantity: int) -> Any:
    from moto.dynamodb.models.table import StreamShard

    if start < self.starting_sequence_number:
        raise TrimmedDataAccess()
    return original(StreamShard, "get")(self, start, quantity)
