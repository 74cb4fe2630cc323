"""Exactly-once aggregation: one write per key per batch beyond the key's mark, replays and restarts from any
record changing nothing, failures reported."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
from boto3.dynamodb.types import TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from tests.trade_samples import child_order, trade, trades
from tests.trade_store import trade_item, trades_items
from tests.unit.aggregate_fakes import in_stream, read_items, write_aggregate
from trading_core.aggregation.aggregator import (
    AGGREGATED_SEQUENCE,
    NOT_APPLIED,
    UNKNOWN_CUSTOMER,
    Aggregator,
    KeyUpdate,
    batch_item_failures,
)
from trading_core.common import keys
from trading_core.common.ids import child_order_id, parent_order_id_of, trade_id_for
from trading_core.model.child_order import Direction
from trading_core.model.order_trades import order_trades_item
from trading_core.model.trade import Trade
from trading_core.model.trade_stream import StreamTrade, stream_trades

CUSTOMERS = ["000001", "000002", "000003"]
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


class Crash(Exception):
    """The function dies mid-batch (a timeout, an out-of-memory): Lambda retries or bisects the batch."""


class FakeTable:
    """TradesStore in a dict, with the single-item conditions the DynamoDB writer asks for."""

    def __init__(self, batch: Sequence[Trade] = (), customers: Sequence[str] = CUSTOMERS) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.writes: list[tuple[str, str]] = []
        self.crash_at: int | None = None
        for customer_id in customers:
            self._put(
                {
                    **keys.customer_key(customer_id),
                    "RemainingFunds": Decimal(1000),
                    "AvailableFunds": Decimal(1000),
                    "ReservedFunds": Decimal(0),
                }
            )
        for item in trades_items(batch):
            self._put(item)

    def _put(self, item: dict[str, Any]) -> None:
        self.items[(item[keys.PK], item[keys.SK])] = item

    def read(self, keys_: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        return read_items(self.items, keys_)

    def write(self, update: KeyUpdate, now: str) -> dict[str, Any] | None:
        if self.crash_at is not None and len(self.writes) == self.crash_at:
            self.crash_at = None
            raise Crash(f"died before writing {update.key}")
        self.writes.append((update.key[keys.PK], update.key[keys.SK]))
        return write_aggregate(self.items, update, now)

    def complete_customer(self, item: dict[str, Any], now: str) -> bool:
        """Never asked: the records here are complete."""
        raise AssertionError(f"unexpected completion of {item}")


class Conflicting(FakeTable):
    """A store whose writes always find the mark moved."""

    def write(self, update: KeyUpdate, now: str) -> dict[str, Any] | None:
        self.writes.append((update.key[keys.PK], update.key[keys.SK]))
        return {}


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
    """Everything but the marks, timestamps and positions' `Version` (it counts writes, not content)."""
    return {
        key: {name: value for name, value in item.items() if name not in (AGGREGATED_SEQUENCE, "Updated", "Version")}
        for key, item in table.items.items()
    }


def aggregate(table: FakeTable, records: Sequence[StreamTrade]) -> Any:
    return Aggregator(table, clock=lambda: NOW).apply(records)


@given(TRADES, st.data())
def test_a_redelivered_batch_is_applied_once(batch: list[Trade], data: st.DataObject) -> None:
    records = in_stream(batch)
    once, twice = FakeTable(batch), FakeTable(batch)
    aggregate(once, records)
    aggregate(twice, records)
    redelivered = data.draw(st.lists(st.sampled_from(records), max_size=10)) if records else []
    outcome = aggregate(twice, redelivered + records)
    assert aggregates_of(twice) == aggregates_of(once)
    assert outcome.applied == [] and sorted(outcome.duplicates) == sorted({item.trade_id for item in batch})


@given(TRADES, st.integers(0, 30))
def test_overlapping_batches_apply_each_trade_once(batch: list[Trade], cut: int) -> None:
    records = in_stream(batch)
    whole, overlapping = FakeTable(batch), FakeTable(batch)
    aggregate(whole, records)
    aggregate(overlapping, records[:cut])
    outcome = aggregate(overlapping, records)
    assert aggregates_of(overlapping) == aggregates_of(whole)
    assert sorted(outcome.applied) == sorted(item.trade_id for item in batch[cut:])


@given(TRADES, st.integers(0, 100), st.integers(0, 30))
def test_a_batch_that_died_midway_then_retried_from_any_record_is_applied_once(
    batch: list[Trade], crash_at: int, restart: int
) -> None:
    """Whatever was written before the crash stays; the stream then delivers the batch again, in its order:
    bisected in two at any record (the first half, then the second), then whole again: every trade counts once."""
    records = in_stream(batch)
    whole, crashed = FakeTable(batch), FakeTable(batch)
    aggregate(whole, records)
    crashed.crash_at = crash_at
    with contextlib.suppress(Crash):
        aggregate(crashed, records)
    half = min(restart, len(records))
    aggregate(crashed, records[:half])
    aggregate(crashed, records[half:])
    aggregate(crashed, records)
    assert aggregates_of(crashed) == aggregates_of(whole)


def test_applied_funds_keep_available_equal_to_remaining_minus_reserved() -> None:
    batch = trades(
        [child_order(n, customer_id="000001", direction=Direction(d)) for n, d in enumerate(["Buy", "Sell"] * 5)]
    )
    table = FakeTable(batch)
    customer = table.items[("CUST#000001", "CUST#000001")]
    customer["ReservedFunds"] = sum((item.reserved_amount for item in batch), Decimal(0))
    customer["AvailableFunds"] = customer["RemainingFunds"] - customer["ReservedFunds"]
    aggregate(table, in_stream(batch))
    assert customer["ReservedFunds"] == 0
    assert customer["AvailableFunds"] == customer["RemainingFunds"] - customer["ReservedFunds"]
    assert customer["RemainingFunds"] == 1000 + sum((item.cash_flow for item in batch), Decimal(0))
    assert customer["Updated"] == "2026-03-02T15:00:00.000Z"


def test_each_key_is_written_once_per_batch_and_marked_with_its_last_trade() -> None:
    batch = trades([child_order(n, customer_id=CUSTOMERS[n % 3], ticker="AAPL") for n in range(30)])
    table = FakeTable(batch)
    records = in_stream(batch, first=100)
    aggregate(table, records)
    # a customer, its position and its share of the ticker-day, for each of the three customers
    assert len(table.writes) == len(set(table.writes)) == 3 * 3
    last = {
        customer_id: max(r.position for r in records if r.trade.customer_id == customer_id) for customer_id in CUSTOMERS
    }
    for customer_id in CUSTOMERS:
        for key in (keys.customer_key(customer_id), keys.position_key(customer_id, "AAPL")):
            assert table.items[(key[keys.PK], key[keys.SK])][AGGREGATED_SEQUENCE] == last[customer_id]
    assert last["000001"] == "0" * 37 + "127"  # zero-padded, so marks compare as numbers
    aggregate(table, records)
    assert len(table.writes) == 9  # nothing beyond the marks: no write at all


def test_the_ticker_day_is_the_sum_of_its_customers_shares() -> None:
    batch = trades([child_order(n, customer_id=CUSTOMERS[n % 3], ticker="AAPL", quantity=n + 1) for n in range(9)])
    table = FakeTable(batch)
    aggregate(table, in_stream(batch))
    day = batch[0].trade_day
    shares = [item for (pk, sk), item in table.items.items() if pk == "TICKER#AAPL" and sk.startswith(day)]
    assert sorted(share["CustomerId"] for share in shares) == CUSTOMERS
    assert sum(share["NrTrades"] for share in shares) == 9
    assert sum(share["TotalQuantity"] for share in shares) == sum(range(1, 10))
    assert sum(share["TotalNotional"] for share in shares) == sum((t.notional for t in batch), Decimal(0))


def test_trades_of_unknown_customers_fail_and_the_others_are_applied() -> None:
    known = trade(1, customer_id="000001")
    unknown = [trade(2, customer_id="999999"), trade(3, customer_id="999999")]
    table = FakeTable([known, *unknown])
    outcome = aggregate(table, in_stream([unknown[0], known, unknown[1]]))
    assert outcome.applied == [known.trade_id]
    assert outcome.failed == {item.trade_id: UNKNOWN_CUSTOMER for item in unknown}
    assert ("CUST#999999", "CUST#999999") not in table.items
    assert ("CUST#999999", "TICKER#AAPL") not in table.items


def test_writes_that_keep_finding_the_mark_moved_are_retried_then_reported() -> None:
    batch = [trade(1), trade(2)]
    table = Conflicting(batch)
    outcome = aggregate(table, in_stream(batch))
    assert len(table.writes) == 3  # the customer's first write, once per attempt
    assert outcome.failed == {item.trade_id: NOT_APPLIED for item in batch}


def stream_record(
    sequence: int, image: dict[str, Any], event_name: str = "INSERT", old: dict[str, Any] | None = None
) -> dict[str, Any]:
    serializer = TypeSerializer()
    record: dict[str, Any] = {
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "SequenceNumber": str(sequence),
            "Keys": {name: serializer.serialize(image[name]) for name in (keys.PK, keys.SK)},
            "NewImage": {name: serializer.serialize(value) for name, value in image.items()},
        },
    }
    if old is not None:
        record["dynamodb"]["OldImage"] = {name: serializer.serialize(value) for name, value in old.items()}
    return record


def test_stream_records_become_trades_and_unreadable_ones_are_named() -> None:
    first = trade(1)
    second, third = (sibling(first, number) for number in (2, 3))
    good, broken = trade_item(first), trade_item(trade(2))
    del broken["Quantity"]
    given_more = order_trades_item([first, second, third], 2)
    event = {
        "Records": [
            stream_record(1, good),
            stream_record(2, given_more, event_name="MODIFY", old=good),
            stream_record(3, {**given_more, "Updated": "x"}, event_name="MODIFY", old=given_more),
            stream_record(4, {**keys.customer_key("000001"), "RemainingFunds": Decimal(1)}),
            stream_record(5, broken),
        ]
    }
    received, unreadable = stream_trades(DynamoDBStreamEvent(event).records)
    # A change brings the trades its old image lacks, in child order; a change adding none brings nothing.
    assert received == [StreamTrade("1", first), StreamTrade("2", second), StreamTrade("2", third)]
    assert unreadable == ["5"]
    assert received[0].position == "1".zfill(40)


def sibling(trade_: Trade, number: int) -> Trade:
    """Another child of the trade's parent order, filled at the same price."""
    order_id = child_order_id(parent_order_id_of(trade_.order_id), number)
    return dataclasses.replace(trade_, order_id=order_id, trade_id=trade_id_for(order_id))


def test_batch_item_failures_name_unreadable_and_failed_records() -> None:
    first, second = trade(1), trade(2)
    received = [StreamTrade("10", first), StreamTrade("11", second)]
    outcome = aggregate(FakeTable([first, second], customers=[]), received[:1])
    assert batch_item_failures(received, ["9"], outcome) == [{"itemIdentifier": "9"}, {"itemIdentifier": "10"}]


def test_a_position_moved_since_it_was_read_is_read_anew_and_written_again() -> None:
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
    reads = table.read
    moved = False

    def stale_read(keys_: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
        """Reads, then (once) another writer moves the position before the write."""
        nonlocal moved
        found = reads(keys_)
        if not moved:
            moved = True
            table.items[key].update(
                {"Quantity": 3, "AvailableQuantity": 3, "CostBasis": Decimal("36.00"), "Version": 2}
            )
        return found

    table.read = stale_read  # type: ignore[method-assign]
    outcome = aggregate(table, in_stream([buy]))

    assert outcome.applied == [buy.trade_id] and not outcome.failed
    position = table.items[key]
    assert (position["Quantity"], position["CostBasis"], position["Version"]) == (7, Decimal("76.00"), 3)
    assert position["AverageCost"] == Decimal("10.8571")
    customer = table.items[("CUST#000001", "CUST#000001")]
    assert customer["NrTrades"] == 1  # written once: the second attempt found it at its new mark


def test_an_unreadable_position_fails_its_customer_s_trades_only() -> None:
    """So a position's fills are applied in the order they happened (its average cost depends on it)."""
    first, later, other = trade(1, customer_id="000002"), trade(2, customer_id="000002"), trade(3, customer_id="000001")
    table = FakeTable([first, later, other])
    table.items[("CUST#000002", "TICKER#AAPL")] = {"PK": "CUST#000002", "SK": "TICKER#AAPL", "Quantity": "lots"}

    outcome = aggregate(table, in_stream([first, later, other]))

    assert set(outcome.failed) == {first.trade_id, later.trade_id}
    assert outcome.applied == [other.trade_id]
    assert "NrTrades" not in table.items[("CUST#000002", "CUST#000002")]
