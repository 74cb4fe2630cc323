"""Exactly-once aggregation: markers and deltas in one transaction, duplicates dropped, failures reported."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
from boto3.dynamodb.types import TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from tests.trade_samples import child_order, trade, trades
from tests.unit.aggregate_fakes import read_positions, write_aggregates
from trading_core.aggregation.aggregate_writer import AGGREGATED_AT
from trading_core.aggregation.aggregator import (
    EARLIER_FAILURE,
    NOT_APPLIED,
    UNKNOWN_CUSTOMER,
    Action,
    Aggregator,
    Marker,
    batch_item_failures,
    group_trades,
    plan_actions,
)
from trading_core.aggregation.stream import StreamTrade, stream_trades
from trading_core.common import keys
from trading_core.common.dynamodb import MAX_TRANSACTION_ITEMS, CancellationReason, TransactionCancelled
from trading_core.model.child_order import Direction
from trading_core.model.trade import Trade

CUSTOMERS = ["000001", "000002", "000003"]
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


class FakeTable:
    """TradesStore in a dict, with the transaction semantics the DynamoDB writer asks for."""

    def __init__(self, batch: Sequence[Trade] = (), customers: Sequence[str] = CUSTOMERS) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.transactions = 0
        for customer_id in customers:
            self._put({**keys.customer_key(customer_id), "RemainingFunds": Decimal(1000), "ReservedFunds": Decimal(0)})
        for item in batch:
            self._put(item.to_item())

    def _put(self, item: dict[str, Any]) -> None:
        self.items[(item[keys.PK], item[keys.SK])] = item

    def write(self, actions: Sequence[Action], now: str) -> None:
        self.transactions += 1
        assert len(actions) <= MAX_TRANSACTION_ITEMS
        write_aggregates(self.items, actions, now)

    def complete_customer(self, item: dict[str, Any], now: str) -> bool:
        """Never asked: a delta fails here only when its customer record is missing (no item to complete)."""
        raise AssertionError(f"unexpected completion of {item}")

    def read_positions(self, keys_: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        return read_positions(self.items, keys_)


class Conflicting:
    """A writer whose transactions always conflict (nothing to learn from the reasons)."""

    def __init__(self) -> None:
        self.calls = 0

    def write(self, actions: Sequence[Action], now: str) -> None:
        self.calls += 1
        raise TransactionCancelled([CancellationReason("TransactionConflict") for _ in actions])

    def complete_customer(self, item: dict[str, Any], now: str) -> bool:
        """Never asked: a conflict fails no condition, so no customer record comes back to complete."""
        raise AssertionError(f"unexpected completion of {item}")

    def read_positions(self, keys_: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        return []


ORDERS = st.builds(
    child_order,
    n=st.integers(0, 10**9),
    customer_id=st.sampled_from(CUSTOMERS),
    direction=st.sampled_from(Direction),
    ticker=st.sampled_from(["AAPL", "COIN", "TSLA", "NVDA"]),
    quantity=st.integers(1, 1000),
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
)
TRADES = st.lists(ORDERS, max_size=30, unique_by=lambda order: order.order_id).map(trades)


def aggregates_of(table: FakeTable) -> dict[tuple[str, str], dict[str, Any]]:
    """Everything but the markers, timestamps and positions' `Version` (it counts writes, not content)."""
    return {
        key: {name: value for name, value in item.items() if name not in (AGGREGATED_AT, "Updated", "Version")}
        for key, item in table.items.items()
    }


@given(TRADES, st.data())
def test_a_redelivered_batch_is_applied_once(batch: list[Trade], data: st.DataObject) -> None:
    once, twice = FakeTable(batch), FakeTable(batch)
    Aggregator(once, clock=lambda: NOW).apply(batch)
    Aggregator(twice, clock=lambda: NOW).apply(batch)
    redelivered = data.draw(st.lists(st.sampled_from(batch), max_size=10)) if batch else []
    outcome = Aggregator(twice, clock=lambda: NOW).apply(redelivered + batch)
    assert aggregates_of(twice) == aggregates_of(once)
    assert outcome.applied == [] and sorted(outcome.duplicates) == sorted({item.trade_id for item in batch})


@given(TRADES, st.integers(0, 30))
def test_overlapping_batches_apply_each_trade_once(batch: list[Trade], cut: int) -> None:
    whole, overlapping = FakeTable(batch), FakeTable(batch)
    Aggregator(whole, clock=lambda: NOW).apply(batch)
    Aggregator(overlapping, clock=lambda: NOW).apply(batch[:cut])
    outcome = Aggregator(overlapping, clock=lambda: NOW).apply(batch)
    assert aggregates_of(overlapping) == aggregates_of(whole)
    assert sorted(outcome.applied) == sorted(item.trade_id for item in batch[cut:])


def test_applied_funds_keep_available_equal_to_remaining_minus_reserved() -> None:
    batch = trades(
        [child_order(n, customer_id="000001", direction=Direction(d)) for n, d in enumerate(["Buy", "Sell"] * 5)]
    )
    table = FakeTable(batch)
    customer = table.items[("CUST#000001", "CUST#000001")]
    customer["ReservedFunds"] = sum((item.reserved_amount for item in batch), Decimal(0))
    customer["AvailableFunds"] = customer["RemainingFunds"] - customer["ReservedFunds"]
    Aggregator(table, clock=lambda: NOW).apply(batch)
    assert customer["ReservedFunds"] == 0
    assert customer["AvailableFunds"] == customer["RemainingFunds"] - customer["ReservedFunds"]
    assert customer["RemainingFunds"] == 1000 + sum((item.cash_flow for item in batch), Decimal(0))
    assert customer["Updated"] == "2026-03-02T15:00:00.000Z"


def test_each_key_is_written_once_per_transaction() -> None:
    batch = trades([child_order(n, customer_id=CUSTOMERS[n % 3], ticker="AAPL") for n in range(30)])
    actions = plan_actions(batch)
    written = [(action.key[keys.PK], action.key[keys.SK]) for action in actions]
    assert len(written) == len(set(written)) == 30 + 3 + 3 + 1
    table = FakeTable(batch)
    Aggregator(table, clock=lambda: NOW).apply(batch)
    assert table.transactions == 1


def test_large_batches_split_into_transactions_of_at_most_100_items_keeping_trades_whole() -> None:
    batch = trades([child_order(n, customer_id=f"{n:06d}", ticker=f"T{n % 7}") for n in range(90)])
    groups = group_trades(batch)
    assert [item for group in groups for item in group] == batch
    assert all(len(plan_actions(group)) <= MAX_TRANSACTION_ITEMS for group in groups)
    # Each trade brings its marker, customer and position; the 7 ticker-days recur: 31 + 31 + 28 trades.
    assert [len(group) for group in groups] == [31, 31, 28]
    assert len(plan_actions(groups[0])) == MAX_TRANSACTION_ITEMS
    table = FakeTable(batch, customers=[item.customer_id for item in batch])
    outcome = Aggregator(table, clock=lambda: NOW).apply(batch)
    assert len(outcome.applied) == 90 and table.transactions == 3


def test_trades_of_unknown_customers_fail_and_the_others_are_applied() -> None:
    known = trade(1, customer_id="000001")
    unknown = [trade(2, customer_id="999999"), trade(3, customer_id="999999")]
    table = FakeTable([known, *unknown])
    outcome = Aggregator(table, clock=lambda: NOW).apply([unknown[0], known, unknown[1]])
    assert outcome.applied == [known.trade_id]
    assert outcome.failed == {item.trade_id: UNKNOWN_CUSTOMER for item in unknown}
    assert ("CUST#999999", "CUST#999999") not in table.items
    assert ("CUST#999999", "TICKER#AAPL") not in table.items


def test_a_trade_whose_item_is_gone_is_skipped() -> None:
    present, gone = trade(1), trade(2)
    outcome = Aggregator(FakeTable([present]), clock=lambda: NOW).apply([present, gone])
    assert (outcome.applied, outcome.vanished) == ([present.trade_id], [gone.trade_id])


def test_cancellations_that_teach_nothing_are_retried_then_reported() -> None:
    writer = Conflicting()
    batch = [trade(1), trade(2)]
    outcome = Aggregator(writer, clock=lambda: NOW).apply(batch)
    assert writer.calls == 3
    assert outcome.failed == {item.trade_id: NOT_APPLIED for item in batch}


def stream_record(sequence: int, image: dict[str, Any], event_name: str = "INSERT") -> dict[str, Any]:
    serializer = TypeSerializer()
    return {
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "SequenceNumber": str(sequence),
            "Keys": {name: serializer.serialize(image[name]) for name in (keys.PK, keys.SK)},
            "NewImage": {name: serializer.serialize(value) for name, value in image.items()},
        },
    }


def test_stream_records_become_trades_and_unreadable_ones_are_named() -> None:
    good, broken = trade(1).to_item(), trade(2).to_item()
    del broken["Quantity"]
    event = {
        "Records": [
            stream_record(1, good),
            stream_record(2, {**good, AGGREGATED_AT: "x"}, event_name="MODIFY"),
            stream_record(3, {**keys.customer_key("000001"), "RemainingFunds": Decimal(1)}),
            stream_record(4, broken),
        ]
    }
    received, unreadable = stream_trades(DynamoDBStreamEvent(event).records)
    assert received == [StreamTrade("1", trade(1))]
    assert unreadable == ["4"]


def test_batch_item_failures_name_unreadable_and_failed_records() -> None:
    first, second = trade(1), trade(2)
    outcome = Aggregator(FakeTable([first, second], customers=[]), clock=lambda: NOW).apply([first])
    received = [StreamTrade("10", first), StreamTrade("11", second)]
    assert batch_item_failures(received, ["9"], outcome) == [{"itemIdentifier": "9"}, {"itemIdentifier": "10"}]


def test_a_position_moved_since_it_was_read_is_read_anew_from_the_cancellation_and_written_again() -> None:
    buy = trade(1, customer_id="000001", direction=Direction.BUY, quantity=4, price=Decimal("10.00"))
    table = FakeTable([buy])
    key = ("CUST#000001", "TICKER#AAPL")
    table.items[key] = {
        "PK": key[0],
        "SK": key[1],
        "Quantity": 2,
        "AvailableQuantity": 2,
        "ReservedQuantity": 0,
        "CostBasis": Decimal("30.00"),
        "Version": 1,
    }
    reads = table.read_positions

    def stale_read(keys_: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        """Reads, then another aggregation moves the position before the write."""
        found = reads(keys_)
        table.items[key].update({"Quantity": 3, "AvailableQuantity": 3, "CostBasis": Decimal("36.00"), "Version": 2})
        return found

    table.read_positions = stale_read  # type: ignore[method-assign]
    outcome = Aggregator(table, clock=lambda: NOW).apply([buy])

    assert outcome.applied == [buy.trade_id] and not outcome.failed
    position = table.items[key]
    assert (position["Quantity"], position["CostBasis"], position["Version"]) == (7, Decimal("76.00"), 3)
    assert position["AverageCost"] == Decimal("10.8571")


def test_the_marker_is_never_before_the_settlement() -> None:
    settled = trade(1, customer_id="000001").settled("2026-03-02T15:00:00.500Z")
    [marker, *_] = plan_actions([settled], {}, "2026-03-02T15:00:00.000Z")
    assert isinstance(marker, Marker) and marker.at == "2026-03-02T15:00:00.500Z"
    [marker, *_] = plan_actions([settled], {}, "2026-03-02T15:00:01.000Z")
    assert isinstance(marker, Marker) and marker.at == "2026-03-02T15:00:01.000Z"


def test_once_a_trade_of_a_customer_fails_its_later_trades_wait_for_the_redelivery(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """So a position's fills are applied in the order they happened (its average cost depends on it)."""
    from trading_core.aggregation import aggregator

    monkeypatch.setattr(aggregator, "group_trades", lambda batch: [[item] for item in batch])
    first, later, other = trade(1, customer_id="000009"), trade(2, customer_id="000009"), trade(3, customer_id="000001")
    table = FakeTable([first, later, other])

    outcome = Aggregator(table, clock=lambda: NOW).apply([first, later, other])

    assert outcome.failed == {first.trade_id: UNKNOWN_CUSTOMER, later.trade_id: EARLIER_FAILURE}
    assert outcome.applied == [other.trade_id]
