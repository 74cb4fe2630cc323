"""The events of the bus, whichever transport carries them (docs/architecture.md §5).

A `BusEvent` is a source, a detail type and a detail whose routing field selects the consumer.
Consumers call `details_from_event`, so nothing else in a handler depends on the transport.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final, Protocol

from trading_core.contracts import DETAIL_TYPE_ATTRIBUTE, ROUTING_FIELDS, SOURCE_ATTRIBUTE

# PutEvents and PublishBatch both take 10 entries and 256 KB per request (the publishers group by both). An
# entry is kept within one 64 KB chunk, what EventBridge and SNS bill as one event: the trades of a POST's
# children go as one event, so post-trade settles them in one delivery (one S3 object), not two.
MAX_ENTRIES_PER_CALL: Final = 10
MAX_ENTRY_BYTES: Final = 60_000
MAX_CALL_BYTES: Final = 250_000
"""The entries of one PutEvents or PublishBatch call, their details and names, kept under its 256 KB."""


@dataclass(frozen=True, kw_only=True)
class BusEvent:
    source: str
    detail_type: str
    detail: dict[str, Any]

    def body(self) -> str:
        return json.dumps(self.detail, separators=(",", ":"))

    def size(self) -> int:
        """What the entry adds to a call's 256 KB, with a margin for its names and attributes."""
        return len(self.body().encode()) + len(self.source) + len(self.detail_type) + 512

    def routing_attributes(self) -> dict[str, str]:
        """What an SNS message carries as attributes for the subscriptions' filter policies."""
        attributes = {SOURCE_ATTRIBUTE: self.source, DETAIL_TYPE_ATTRIBUTE: self.detail_type}
        for field in ROUTING_FIELDS:
            if field in self.detail:
                attributes[field] = str(self.detail[field])
        return attributes


class Publisher(Protocol):
    """Sends events on the bus (`bus.publishers`); domain services depend on this only."""

    def publish(self, events: list[BusEvent]) -> None: ...


def chunk_events(
    *, source: str, detail_type: str, header: dict[str, str], key: str, items: list[dict[str, Any]]
) -> list[BusEvent]:
    """Split `items` into as few events as fit the entry size; each detail is `header` + `{key: [...]}`."""
    overhead = len(json.dumps(header)) + len(key) + 64
    events: list[BusEvent] = []
    batch: list[dict[str, Any]] = []
    size = overhead
    for item in items:
        item_size = len(json.dumps(item, separators=(",", ":"))) + 1
        if batch and size + item_size > MAX_ENTRY_BYTES:
            events.append(BusEvent(source=source, detail_type=detail_type, detail={**header, key: batch}))
            batch, size = [], overhead
        batch.append(item)
        size += item_size
    if batch:
        events.append(BusEvent(source=source, detail_type=detail_type, detail={**header, key: batch}))
    return events


def details_from_event(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The `detail` payloads of an invocation, whichever transport delivered it.

    EventBridge targets get the detail itself (`InputPath: $.detail`); a whole EventBridge event is
    accepted too. SNS delivers records whose message body is the detail.
    """
    records = event.get("Records")
    if isinstance(records, list):
        return [json.loads(record["Sns"]["Message"]) for record in records if "Sns" in record]
    if DETAIL_TYPE_ATTRIBUTE in event and isinstance(event.get("detail"), dict):
        return [event["detail"]]
    return [event]


def items_of(details: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [item for detail in details for item in detail.get(key, [])]
