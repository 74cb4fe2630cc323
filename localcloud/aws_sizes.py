"""The sizes AWS computes its limits and its bills from, shared by the local cloud's limits and the benchmark.

DynamoDB item size (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
the sum of the attribute names' and values' lengths: a string its UTF-8 bytes, a number 1 byte per two
significant digits plus 1, a binary its raw bytes, a null or Boolean 1 byte, a list or map 3 bytes plus its
elements, 1 byte more per element; sets the sum of their elements.

A PutEvents entry (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html): its Time
(14 bytes), then the UTF-8 bytes of its Source, DetailType, Detail and each of its Resources.

Lambda's payloads (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): 6 MB for a
synchronous request, 1 MB for an asynchronous one; a synchronous response over 6,291,556 bytes is the
error AWS names with that number (`Function.ResponseSizeTooLarge`).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any, Final

EVENT_TIME_BYTES: Final = 14
MAX_SYNCHRONOUS_PAYLOAD: Final = 6_291_456
MAX_ASYNCHRONOUS_PAYLOAD: Final = 1_048_576
MAX_SYNCHRONOUS_RESPONSE: Final = 6_291_556


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def _number_size(text: str) -> int:
    digits = text.lstrip("+-").replace(".", "").split("e")[0].split("E")[0].strip("0")
    return math.ceil(len(digits or "0") / 2) + 1


def value_size(value: Mapping[str, Any]) -> int:
    """The size of one attribute value in DynamoDB's JSON (`{"S": "..."}`), without its name."""
    ((kind, content),) = value.items()
    if kind == "S":
        return utf8_size(content)
    if kind == "N":
        return _number_size(content)
    if kind == "B":
        return len(content) if isinstance(content, bytes) else len(base64.b64decode(content))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(utf8_size(element) for element in content)
    if kind == "NS":
        return sum(_number_size(element) for element in content)
    if kind == "BS":
        return sum(value_size({"B": element}) for element in content)
    if kind == "L":
        return 3 + sum(value_size(element) + 1 for element in content)
    if kind == "M":
        return 3 + sum(utf8_size(name) + value_size(element) + 1 for name, element in content.items())
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def item_size(item: Mapping[str, Mapping[str, Any]] | None) -> int:
    if not item:
        return 0
    return sum(utf8_size(name) + value_size(value) for name, value in item.items())


def event_entry_size(entry: Mapping[str, Any]) -> int:
    size = EVENT_TIME_BYTES if entry.get("Time") else 0
    size += sum(utf8_size(str(entry.get(field) or "")) for field in ("Source", "DetailType", "Detail"))
    return size + sum(utf8_size(resource) for resource in entry.get("Resources") or [])
