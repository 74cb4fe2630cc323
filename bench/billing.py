"""What AWS bills for one request, from the request and its answer: DynamoDB units by item size, EventBridge
and SNS 64 KB chunks.

DynamoDB item size (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
the sum of the attribute names' and values' lengths: a string its UTF-8 bytes, a number 1 byte per two
significant digits plus 1, a binary its raw bytes, a null or Boolean 1 byte, a list or map 3 bytes plus its
elements, 1 byte more per element; sets the sum of their elements. A write unit is 1 KB of the item written
(for an update or an overwriting put, the larger of the old and the new item), a read unit 4 KB read (half
for an eventually consistent read); a transaction doubles both
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html).

EventBridge bills each 64 KB chunk of a PutEvents entry as one event, the entry's size being its Time
(14 bytes), Source, DetailType, Detail and Resources
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html); SNS each 64 KB chunk of
a published message (https://aws.amazon.com/sns/pricing/).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any, Final

KB: Final = 1024
READ_UNIT_BYTES: Final = 4 * KB
CHUNK_BYTES: Final = 64 * KB
EVENT_TIME_BYTES: Final = 14


def _utf8(text: str) -> int:
    return len(text.encode("utf-8"))


def _number_size(text: str) -> int:
    digits = text.lstrip("+-").replace(".", "").split("e")[0].split("E")[0].strip("0")
    return math.ceil(len(digits or "0") / 2) + 1


def value_size(value: Mapping[str, Any]) -> int:
    """The size of one attribute value in DynamoDB's JSON (`{"S": "..."}`), without its name."""
    ((kind, content),) = value.items()
    if kind == "S":
        return _utf8(content)
    if kind == "N":
        return _number_size(content)
    if kind == "B":
        return len(content) if isinstance(content, bytes) else len(base64.b64decode(content))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(_utf8(element) for element in content)
    if kind == "NS":
        return sum(_number_size(element) for element in content)
    if kind == "BS":
        return sum(value_size({"B": element}) for element in content)
    if kind == "L":
        return 3 + sum(value_size(element) + 1 for element in content)
    if kind == "M":
        return 3 + sum(_utf8(name) + value_size(element) + 1 for name, element in content.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(item: Mapping[str, Mapping[str, Any]] | None) -> int:
    if not item:
        return 0
    return sum(_utf8(name) + value_size(value) for name, value in item.items())


def write_units(old_size: int, new_size: int, *, transactional: bool) -> int:
    units = max(1, math.ceil(max(old_size, new_size) / KB))
    return 2 * units if transactional else units


def read_units(size: int, *, consistent: bool, transactional: bool = False) -> float:
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    if transactional:
        return 2.0 * units
    return float(units) if consistent else units / 2


def event_entry_chunks(entry: Mapping[str, Any]) -> int:
    size = EVENT_TIME_BYTES if entry.get("Time") else 0
    size += sum(_utf8(str(entry.get(field) or "")) for field in ("Source", "DetailType", "Detail"))
    size += sum(_utf8(resource) for resource in entry.get("Resources", []))
    return max(1, math.ceil(size / CHUNK_BYTES))


def message_chunks(size: int) -> int:
    return max(1, math.ceil(size / CHUNK_BYTES))
