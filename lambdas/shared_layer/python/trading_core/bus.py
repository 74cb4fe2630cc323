"""One event vocabulary, two transports (DESIGN §5).

Publishers send the same `detail` either as EventBridge `PutEvents` entries or as SNS messages whose
body is the detail and whose attributes carry `source`, `detail-type` and the routing fields.
Consumers call `details_from_event`, so nothing else in a handler depends on the transport.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final, Protocol

EVENT_BRIDGE: Final = "EVENT-BRIDGE"
SNS: Final = "SNS"
BUS_TYPES: Final = (EVENT_BRIDGE, SNS)

ROUTING_FIELDS: Final = ("poolType", "invalidOrders", "postTrade", "tradesSettled")

# PutEvents and PublishBatch both take 10 entries and 256 KB per request: keep each entry well under
# a tenth of that so a full batch always fits.
MAX_ENTRIES_PER_CALL: Final = 10
MAX_ENTRY_BYTES: Final = 24_000
MAX_ATTEMPTS: Final = 3


class PublishError(RuntimeError):
    """Some entries were still refused after retries; the caller must not report success."""


@dataclass(frozen=True, kw_only=True)
class BusEvent:
    source: str
    detail_type: str
    detail: dict[str, Any]

    def body(self) -> str:
        return json.dumps(self.detail, separators=(",", ":"))

    def routing_attributes(self) -> dict[str, str]:
        attributes = {"source": self.source, "detail-type": self.detail_type}
        for field in ROUTING_FIELDS:
            if field in self.detail:
                attributes[field] = str(self.detail[field])
        return attributes


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


def _groups(events: list[BusEvent]) -> Iterator[list[BusEvent]]:
    for start in range(0, len(events), MAX_ENTRIES_PER_CALL):
        yield events[start : start + MAX_ENTRIES_PER_CALL]


class Publisher(Protocol):
    def publish(self, events: list[BusEvent]) -> None: ...


class EventBridgePublisher:
    def __init__(self, client: Any, bus_name: str) -> None:
        self._client = client
        self._bus_name = bus_name

    def publish(self, events: list[BusEvent]) -> None:
        for group in _groups(events):
            pending = group
            for _ in range(MAX_ATTEMPTS):
                entries = [
                    {
                        "Source": event.source,
                        "DetailType": event.detail_type,
                        "Detail": event.body(),
                        "EventBusName": self._bus_name,
                    }
                    for event in pending
                ]
                response = self._client.put_events(Entries=entries)
                if not response.get("FailedEntryCount"):
                    break
                pending = [
                    event for event, result in zip(pending, response["Entries"], strict=True) if result.get("ErrorCode")
                ]
            else:
                raise PublishError(f"{len(pending)} events refused by EventBridge bus {self._bus_name}")


class SnsPublisher:
    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, events: list[BusEvent]) -> None:
        for group in _groups(events):
            pending = dict(enumerate(group))
            for _ in range(MAX_ATTEMPTS):
                entries = [
                    {
                        "Id": str(index),
                        "Message": event.body(),
                        "MessageAttributes": {
                            name: {"DataType": "String", "StringValue": value}
                            for name, value in event.routing_attributes().items()
                        },
                    }
                    for index, event in pending.items()
                ]
                response = self._client.publish_batch(TopicArn=self._topic_arn, PublishBatchRequestEntries=entries)
                failed = {int(entry["Id"]) for entry in response.get("Failed", [])}
                pending = {index: event for index, event in pending.items() if index in failed}
                if not pending:
                    break
            else:
                raise PublishError(f"{len(pending)} messages refused by SNS topic {self._topic_arn}")


class SelectingPublisher:
    """Reads the bus type on every publish (it is cached upstream), so a switch needs no redeploy."""

    def __init__(self, bus_type: Callable[[], str], event_bridge: Publisher, sns: Publisher) -> None:
        self._bus_type = bus_type
        self._transports = {EVENT_BRIDGE: event_bridge, SNS: sns}

    def publish(self, events: list[BusEvent]) -> None:
        if not events:
            return
        bus_type = self._bus_type()
        if bus_type not in self._transports:
            raise ValueError(f"unknown bus type {bus_type!r}; expected one of {', '.join(BUS_TYPES)}")
        self._transports[bus_type].publish(events)


def details_from_event(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The `detail` payloads of an invocation, whichever transport delivered it.

    EventBridge targets get the detail itself (`InputPath: $.detail`); a whole EventBridge event is
    accepted too. SNS delivers records whose message body is the detail.
    """
    records = event.get("Records")
    if isinstance(records, list):
        return [json.loads(record["Sns"]["Message"]) for record in records if "Sns" in record]
    if "detail-type" in event and isinstance(event.get("detail"), dict):
        return [event["detail"]]
    return [event]


def items_of(details: Iterable[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [item for detail in details for item in detail.get(key, [])]
