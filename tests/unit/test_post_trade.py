"""Settlement: stored settlement dates win, so a redelivered batch settles the same trades; void fills are left out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from tests.trade_samples import child_order, trade, trades
from trading_core.model.trade import Trade
from trading_core.settlement.post_trade import (
    Inserted,
    SettledBatch,
    Settlement,
    VoidFill,
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


def settle(store: FakeStore, batch: list[Trade], now: datetime) -> SettledBatch:
    result = Settlement(store=store, clock=lambda: now).settle(batch)
    assert result is not None
    return result


def test_a_redelivered_batch_settles_the_same_trades_whatever_the_clock() -> None:
    batch = trades([child_order(n, ticker=["COIN", "AAPL"][n % 2]) for n in range(5)])
    store = FakeStore()
    first = settle(store, batch, DAY_ONE)
    second = settle(store, list(reversed(batch)), DAY_ONE + timedelta(days=3))
    assert first.trades == second.trades and first.batch_id == second.batch_id
    assert (first.newly_settled, second.newly_settled) == (5, 0)
    assert [item.trade_id for item in first.trades] == sorted(item.trade_id for item in batch)
    assert {item.settlement_date for item in second.trades} == {"2026-03-02T23:59:59.999Z"}


def test_a_trade_settled_by_an_earlier_delivery_keeps_its_settlement_date() -> None:
    batch = trades([child_order(n, order_date="2026-02-27T10:00:00.000Z") for n in range(4)])
    store = FakeStore()
    settle(store, batch[:1], DAY_ONE - timedelta(days=1))
    result = settle(store, batch, DAY_ONE)
    assert [str(item.settlement_date)[:10] for item in result.trades].count("2026-03-01") == 1
    assert result.newly_settled == 3


def test_settlement_is_never_dated_before_the_trade() -> None:
    fill = trade(1)
    assert settlement_date(fill, datetime(2026, 3, 2, 14, 30, tzinfo=UTC)) == fill.trade_date
    assert settlement_date(fill, DAY_ONE) == "2026-03-02T23:59:59.999Z"


def test_duplicates_within_a_delivery_settle_once_and_missing_orders_are_reported() -> None:
    fill = trade(1)
    other = trade(2)
    store = FakeStore(orders=[other.order_id])
    result = settle(store, [fill, other, fill], DAY_ONE)
    assert len(result.trades) == 2 and result.newly_settled == 2
    assert result.orders_missing == (fill.order_id,)
    assert store.orders[other.order_id] == "FILLED"


def test_nothing_to_settle_gives_no_batch() -> None:
    assert Settlement(store=FakeStore(), clock=lambda: DAY_ONE).settle([]) is None


def test_void_fills_are_left_out_of_the_batch_and_reported() -> None:
    cancelled, live = trade(1), trade(2)
    store = FakeStore(orders=[live.order_id], ended={cancelled.order_id: "CANCELLED"})
    result = settle(store, [cancelled, live], DAY_ONE)
    assert [item.trade_id for item in result.trades] == [live.trade_id] and result.newly_settled == 1
    assert [(fill.trade.order_id, fill.status) for fill in result.void] == [(cancelled.order_id, "CANCELLED")]
    assert store.orders[cancelled.order_id] == "CANCELLED" and cancelled.trade_id not in store.trades


def test_a_delivery_of_void_fills_only_settles_nothing() -> None:
    expired = trade(1)
    store = FakeStore(ended={expired.order_id: "EXPIRED"})
    result = settle(store, [expired], DAY_ONE)
    assert result.trades == () and result.newly_settled == 0 and len(result.void) == 1
    assert store.trades == {}
