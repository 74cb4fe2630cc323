"""Settlement: stored settlement dates win, so a redelivered batch yields the same object and event."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tests.trade_samples import child_order, trade, trades
from trading_core.bus.events import BusEvent
from trading_core.model.trade import Trade
from trading_core.settlement.post_trade import (
    Inserted,
    SettledBatch,
    Settlement,
    VoidFill,
    batch_id_for,
    settlement_date,
)

DAY_ONE = datetime(2026, 3, 2, 23, 59, 59, 999000, tzinfo=UTC)


class FakeStore:
    """Conditional inserts keyed by trade id; orders that exist are marked FILLED."""

    def __init__(self, orders: Sequence[str] = (), ended: dict[str, str] | None = None) -> None:
        self.trades: dict[str, Trade] = {}
        self.orders = dict.fromkeys(orders, "ACCEPTED") | (ended or {})

    def insert(self, batch: Sequence[Trade], delivery: str) -> Inserted:
        inserted = Inserted()
        for item in batch:
            if item.trade_id in self.trades:
                inserted.existing[item.trade_id] = self.trades[item.trade_id]
                continue
            if self.orders.get(item.order_id) not in (None, "ACCEPTED", "OPEN"):
                inserted.void[item.trade_id] = VoidFill(trade=item, status=self.orders[item.order_id])
                continue
            self.trades[item.trade_id] = item
            if item.order_id in self.orders:
                self.orders[item.order_id] = "FILLED"
            else:
                inserted.orders_missing.add(item.order_id)
        return inserted


class FakeArchive:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, dict[str, str]]] = {}

    def put(self, batch: SettledBatch) -> None:
        self.objects[batch.key] = (batch.body(), batch.metadata())


class Recorder:
    def __init__(self) -> None:
        self.published: list[BusEvent] = []

    def publish(self, events: list[BusEvent]) -> None:
        self.published.extend(events)


def settle(
    store: FakeStore, archive: FakeArchive, publisher: Recorder, batch: list[Trade], now: datetime
) -> SettledBatch:
    result = Settlement(store=store, archive=archive, publisher=publisher, clock=lambda: now).settle(batch)
    assert result is not None
    return result


def test_a_redelivered_batch_gives_the_same_object_and_event_whatever_the_clock() -> None:
    batch = trades([child_order(n, ticker=["COIN", "AAPL"][n % 2]) for n in range(5)])
    store, archive, publisher = FakeStore(), FakeArchive(), Recorder()
    first = settle(store, archive, publisher, batch, DAY_ONE)
    second = settle(store, archive, publisher, list(reversed(batch)), DAY_ONE + timedelta(days=3))
    assert (first.key, first.body(), first.metadata()) == (second.key, second.body(), second.metadata())
    assert (first.newly_settled, second.newly_settled) == (5, 0)
    assert len(archive.objects) == 1
    assert len(publisher.published) == 2 and publisher.published[0] == publisher.published[1]
    event = publisher.published[0]
    assert (event.source, event.detail_type, event.detail["tradesSettled"]) == ("PostTradeProcessor", "Trades", "True")
    assert event.detail["trades"] == json.loads(first.body())


def test_the_object_lies_under_the_earliest_settlement_day_with_sorted_metadata() -> None:
    tickers = ["TSLA", "AAPL", "COIN", "AAPL"]
    batch = trades([child_order(n, ticker=t, order_date="2026-02-27T10:00:00.000Z") for n, t in enumerate(tickers)])
    store = FakeStore()
    # One trade was settled the day before, by an earlier delivery of an overlapping batch.
    settle(store, FakeArchive(), Recorder(), batch[:1], DAY_ONE - timedelta(days=1))
    result = settle(store, FakeArchive(), Recorder(), batch, DAY_ONE)
    assert result.key == f"settled/2026/03/01/{batch_id_for(item.trade_id for item in batch)}.json"
    assert result.metadata()["tickers"] == "AAPL,COIN,TSLA"
    assert result.metadata()["exchanges"] == ",".join(sorted({item.exchange for item in batch}))
    assert [item.trade_id for item in result.trades] == sorted(item.trade_id for item in batch)
    assert [item["settlementDate"][:10] for item in result.wire()].count("2026-03-01") == 1


@given(st.permutations(range(6)))
def test_the_batch_id_depends_only_on_the_set_of_trade_ids(order: list[int]) -> None:
    ids = [f"trade-{n}" for n in range(6)]
    assert batch_id_for(ids[n] for n in order) == batch_id_for(ids) == batch_id_for(ids + ids[:2])
    assert batch_id_for(ids[:5]) != batch_id_for(ids)


def test_settlement_is_never_dated_before_the_trade() -> None:
    fill = trade(1)
    assert settlement_date(fill, datetime(2026, 3, 2, 14, 30, tzinfo=UTC)) == fill.trade_date
    assert settlement_date(fill, DAY_ONE) == "2026-03-02T23:59:59.999Z"


def test_duplicates_within_a_delivery_settle_once_and_missing_orders_are_reported() -> None:
    fill = trade(1)
    other = trade(2)
    store = FakeStore(orders=[other.order_id])
    result = settle(store, FakeArchive(), Recorder(), [fill, other, fill], DAY_ONE)
    assert len(result.trades) == 2 and result.newly_settled == 2
    assert result.orders_missing == (fill.order_id,)
    assert store.orders[other.order_id] == "FILLED"


def test_nothing_to_settle_writes_and_publishes_nothing() -> None:
    archive, publisher = FakeArchive(), Recorder()
    assert Settlement(store=FakeStore(), archive=archive, publisher=publisher, clock=lambda: DAY_ONE).settle([]) is None
    assert archive.objects == {} and publisher.published == []


def test_void_fills_are_left_out_of_the_batch_and_reported() -> None:
    cancelled, live = trade(1), trade(2)
    store = FakeStore(orders=[live.order_id], ended={cancelled.order_id: "CANCELLED"})
    archive, publisher = FakeArchive(), Recorder()
    result = settle(store, archive, publisher, [cancelled, live], DAY_ONE)
    assert [item.trade_id for item in result.trades] == [live.trade_id] and result.newly_settled == 1
    assert [(fill.trade.order_id, fill.status) for fill in result.void] == [(cancelled.order_id, "CANCELLED")]
    assert [item["orderId"] for item in publisher.published[0].detail["trades"]] == [live.order_id]
    assert store.orders[cancelled.order_id] == "CANCELLED"


def test_a_delivery_of_void_fills_only_writes_and_publishes_nothing() -> None:
    expired = trade(1)
    archive, publisher = FakeArchive(), Recorder()
    result = settle(FakeStore(ended={expired.order_id: "EXPIRED"}), archive, publisher, [expired], DAY_ONE)
    assert result.trades == () and result.newly_settled == 0 and len(result.void) == 1
    assert archive.objects == {} and publisher.published == []
