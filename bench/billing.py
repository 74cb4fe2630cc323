"""What AWS bills for one request, from the request and its answer: DynamoDB units by item size, EventBridge
and SNS 64 KB chunks.

DynamoDB item sizes and PutEvents entry sizes are computed as AWS does (`localcloud.aws_sizes`). A write unit
is 1 KB of the item written (for an update or an overwriting put, the larger of the old and the new item), a
read unit 4 KB read (half for an eventually consistent read); a transaction doubles both
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html).

EventBridge bills each 64 KB chunk of a PutEvents entry as one event; SNS each 64 KB chunk of
a published message (https://aws.amazon.com/sns/pricing/).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from localcloud.aws_sizes import event_entry_size, item_size

__all__ = ["event_entry_chunks", "item_size", "message_chunks", "read_units", "write_units"]

KB: Final = 1024
READ_UNIT_BYTES: Final = 4 * KB
CHUNK_BYTES: Final = 64 * KB


def write_units(old_size: int, new_size: int, *, transactional: bool) -> int:
    units = max(1, math.ceil(max(old_size, new_size) / KB))
    return 2 * units if transactional else units


def read_units(size: int, *, consistent: bool, transactional: bool = False) -> float:
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    if transactional:
        return 2.0 * units
    return float(units) if consistent else units / 2


def event_entry_chunks(entry: Mapping[str, Any]) -> int:
    return max(1, math.ceil(event_entry_size(entry) / CHUNK_BYTES))


def message_chunks(size: int) -> int:
    return max(1, math.ceil(size / CHUNK_BYTES))
