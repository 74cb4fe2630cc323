"""Publishers of bus events: EventBridge `PutEvents`, SNS `PublishBatch`, and the switch between them.

SNS messages carry the detail as their body and the routing fields as attributes
(`BusEvent.routing_attributes`), so either transport reaches the same consumers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any, Final

from trading_core.bus.events import MAX_CALL_BYTES, MAX_ENTRIES_PER_CALL, BusEvent, Publisher
from trading_core.common import aws_clients
from trading_core.common.environment import InvalidParameter, allowed_value
from trading_core.common.parameters import ParameterReader, single
from trading_core.contracts import BUS_TYPE_PARAMETER, BUS_TYPES, EVENT_BRIDGE_BUS, SNS_BUS

logger = logging.getLogger(__name__)

MAX_ATTEMPTS: Final = 3


class PublishError(RuntimeError):
    """Some entries were still refused after retries; the caller must not report success."""


def _groups(events: list[BusEvent]) -> Iterator[list[BusEvent]]:
    """The events in order, in calls of at most ten entries and `MAX_CALL_BYTES`."""
    group: list[BusEvent] = []
    size = 0
    for event in events:
        event_size = event.size()
        if group and (len(group) == MAX_ENTRIES_PER_CALL or size + event_size > MAX_CALL_BYTES):
            yield group
            group, size = [], 0
        group.append(event)
        size += event_size
    if group:
        yield group


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
    """Reads the bus type on every publish (it is cached upstream), so a switch needs no redeploy.

    A bus type other than `BUS_TYPES` is a configuration error (`InvalidParameter`, logged as such): nothing
    is published."""

    def __init__(self, bus_type: Callable[[], str], event_bridge: Publisher, sns: Publisher) -> None:
        self._bus_type = bus_type
        self._transports = {EVENT_BRIDGE_BUS: event_bridge, SNS_BUS: sns}

    def publish(self, events: list[BusEvent]) -> None:
        if not events:
            return
        bus_type = self._bus_type()
        try:
            allowed_value(BUS_TYPE_PARAMETER, bus_type, BUS_TYPES)
        except InvalidParameter as error:
            logger.error("%s: %d events not published", error, len(events))
            raise
        self._transports[bus_type].publish(events)


def bus_type_reader(read: ParameterReader) -> Callable[[], str]:
    """`bus-type`, read at every publish through the reader's cache."""
    return single(read, BUS_TYPE_PARAMETER)


def order_flow_publisher(read: ParameterReader, *, bus_name: str, topic_arn: str) -> SelectingPublisher:
    """Publishes on the transport `bus-type` names at the time of the call."""
    return SelectingPublisher(
        bus_type_reader(read),
        EventBridgePublisher(aws_clients.client("events"), bus_name),
        SnsPublisher(aws_clients.client("sns"), topic_arn),
    )
