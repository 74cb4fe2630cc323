"""The bus vocabulary: chunking within entry limits, both transports' envelopes, retries of refused entries."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading_core.bus.events import MAX_ENTRY_BYTES, BusEvent, chunk_events, details_from_event, items_of
from trading_core.bus.publishers import (
    MAX_ATTEMPTS,
    EventBridgePublisher,
    PublishError,
    SelectingPublisher,
    SnsPublisher,
)
from trading_core.common.environment import InvalidParameter
from trading_core.contracts import EVENT_BRIDGE_BUS, SNS_BUS

ITEM = st.fixed_dictionaries({"id": st.integers(0, 10**9), "text": st.text(max_size=3000)})


@given(st.lists(ITEM, max_size=80))
def test_chunks_keep_every_item_in_order_and_fit_an_entry(items: list[dict[str, Any]]) -> None:
    events = chunk_events(source="S", detail_type="D", header={"postTrade": "True"}, key="trades", items=items)
    assert [item for event in events for item in event.detail["trades"]] == items
    for event in events:
        assert event.detail["postTrade"] == "True"
        assert event.source == "S" and event.detail_type == "D"
        # One oversized item still travels alone rather than being dropped.
        assert len(event.body().encode()) <= MAX_ENTRY_BYTES or len(event.detail["trades"]) == 1
    assert bool(events) == bool(items)


def test_large_sets_are_split_into_several_events() -> None:
    items = [{"n": n, "pad": "x" * 400} for n in range(200)]
    events = chunk_events(source="S", detail_type="D", header={}, key="orders", items=items)
    assert len(events) > 1
    assert all(len(event.body()) <= MAX_ENTRY_BYTES for event in events)


def test_routing_attributes_carry_source_detail_type_and_routing_fields() -> None:
    event = BusEvent(source="DarkPoolMatchingEngine", detail_type="Orders", detail={"poolType": "Lit", "orders": []})
    assert event.routing_attributes() == {
        "source": "DarkPoolMatchingEngine",
        "detail-type": "Orders",
        "poolType": "Lit",
    }


DETAIL = {"poolType": "Dark", "orders": [{"orderId": "a"}]}


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(DETAIL, id="bare detail (InputPath $.detail)"),
        pytest.param({"source": "SmartOrderRouter", "detail-type": "Orders", "detail": DETAIL}, id="whole EB event"),
        pytest.param(
            {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(DETAIL), "MessageAttributes": {}}}]},
            id="SNS record",
        ),
    ],
)
def test_details_from_any_envelope(event: dict[str, Any]) -> None:
    assert details_from_event(event) == [DETAIL]
    assert items_of(details_from_event(event), "orders") == [{"orderId": "a"}]


def test_several_sns_records_give_several_details() -> None:
    records = [{"Sns": {"Message": json.dumps({"trades": [n]})}} for n in range(3)]
    assert items_of(details_from_event({"Records": records}), "trades") == [0, 1, 2]


class FakeEvents:
    def __init__(self, refusals: list[set[int]]) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self._refusals = refusals

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        refused = self._refusals.pop(0) if self._refusals else set()
        self.calls.append(Entries)
        results = [
            {"ErrorCode": "Throttled"} if index in refused else {"EventId": "x"} for index in range(len(Entries))
        ]
        return {"FailedEntryCount": len(refused), "Entries": results}


class FakeSns:
    def __init__(self, refusals: list[set[str]]) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self._refusals = refusals

    def publish_batch(self, TopicArn: str, PublishBatchRequestEntries: list[dict[str, Any]]) -> dict[str, Any]:
        refused = self._refusals.pop(0) if self._refusals else set()
        self.calls.append(PublishBatchRequestEntries)
        return {"Failed": [{"Id": entry["Id"]} for entry in PublishBatchRequestEntries if entry["Id"] in refused]}


def events(count: int) -> list[BusEvent]:
    return [BusEvent(source="S", detail_type="D", detail={"postTrade": "True", "n": n}) for n in range(count)]


def test_event_bridge_sends_ten_per_call_and_retries_only_refused_entries() -> None:
    client = FakeEvents([set(), {1}])
    EventBridgePublisher(client, "bus").publish(events(12))
    assert [len(call) for call in client.calls] == [10, 2, 1]
    assert json.loads(client.calls[2][0]["Detail"])["n"] == 11


def test_event_bridge_gives_up_loudly() -> None:
    client = FakeEvents([{0}] * MAX_ATTEMPTS)
    with pytest.raises(PublishError):
        EventBridgePublisher(client, "bus").publish(events(1))


def test_sns_retries_refused_messages_with_routing_attributes() -> None:
    client = FakeSns([{"1"}])
    SnsPublisher(client, "arn:topic").publish(events(2))
    assert [len(call) for call in client.calls] == [2, 1]
    retried = client.calls[1][0]
    assert json.loads(retried["Message"])["n"] == 1
    assert retried["MessageAttributes"]["postTrade"] == {"DataType": "String", "StringValue": "True"}


def test_sns_gives_up_loudly() -> None:
    client = FakeSns([{"0"}] * MAX_ATTEMPTS)
    with pytest.raises(PublishError):
        SnsPublisher(client, "arn:topic").publish(events(1))


class Recorder:
    def __init__(self) -> None:
        self.published: list[BusEvent] = []

    def publish(self, sent: list[BusEvent]) -> None:
        self.published.extend(sent)


def test_selecting_publisher_reads_the_bus_type_at_each_publish() -> None:
    choice = iter([SNS_BUS, EVENT_BRIDGE_BUS])
    event_bridge, sns = Recorder(), Recorder()
    publisher = SelectingPublisher(lambda: next(choice), event_bridge, sns)
    publisher.publish(events(1))
    publisher.publish(events(2))
    assert (len(sns.published), len(event_bridge.published)) == (1, 2)


def test_selecting_publisher_skips_empty_and_refuses_unknown_bus_types(caplog: pytest.LogCaptureFixture) -> None:
    event_bridge, sns = Recorder(), Recorder()
    publisher = SelectingPublisher(lambda: "KAFKA", event_bridge, sns)
    publisher.publish([])
    with pytest.raises(InvalidParameter) as raised:
        publisher.publish(events(1))

    assert raised.value.parameter == "bus-type" and raised.value.allowed == ("EVENT-BRIDGE", "SNS")
    assert str(raised.value) == (
        "configuration error: SSM parameter bus-type is 'KAFKA'; allowed values: EVENT-BRIDGE, SNS"
    )
    assert event_bridge.published == sns.published == []
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.getMessage().startswith("configuration error: SSM parameter bus-type is 'KAFKA'")


@pytest.mark.parametrize("value", ["event-bridge", "SNS ", "", "EventBridge"])
def test_the_bus_type_must_be_spelled_exactly(value: str) -> None:
    """The functions compare `bus-type` as written (the AllowedPattern of the deployed parameter does too)."""
    publisher = SelectingPublisher(lambda: value, Recorder(), Recorder())
    with pytest.raises(InvalidParameter, match="allowed values: EVENT-BRIDGE, SNS"):
        publisher.publish(events(1))


def test_a_publisher_sends_at_most_ten_entries_and_256_kb_a_call() -> None:
    """Entries of up to `MAX_ENTRY_BYTES` (one 64 KB chunk each): four fit a call, never more than 256 KB."""
    from trading_core.bus.publishers import _groups

    big = [BusEvent(source="S", detail_type="D", detail={"pad": "x" * (MAX_ENTRY_BYTES - 20)}) for _ in range(9)]
    small = [BusEvent(source="S", detail_type="D", detail={"n": n}) for n in range(12)]
    groups = list(_groups(big + small))
    assert [event for group in groups for event in group] == big + small
    assert all(len(group) <= 10 and sum(len(e.body().encode()) for e in group) <= 256 * 1024 for group in groups)
    assert [len(group) for group in groups] == [4, 4, 10, 3]
