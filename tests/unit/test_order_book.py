"""The order book's rules: which resting orders are marketable at the market price (asked once per
ticker), which DAY orders expire, and what goes on the bus (the router's Orders events, by pool)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Unpack

from tests.trade_samples import OrderFields, child_order
from trading_core.bus.events import BusEvent
from trading_core.market.price import MarketQuote
from trading_core.model.child_order import ChildOrder, Direction, OrderType, TimeInForce
from trading_core.orders.book import OrderBook, expiry_groups, is_expired, marketable_orders

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
CLOSE = "2026-03-02T21:00:00.000Z"


def resting(n: int, **fields: Unpack[OrderFields]) -> ChildOrder:
    fields["priced"] = False
    order = child_order(n, **fields)
    return dataclasses.replace(order, expires_at=CLOSE)


def quote_of(prices: dict[str, str]) -> tuple[list[str], Callable[[str], MarketQuote | None]]:
    asked: list[str] = []

    def quote(ticker: str) -> MarketQuote | None:
        asked.append(ticker)
        return MarketQuote(ticker, Decimal(prices[ticker]), "2026-03-02T15:00:00.000Z") if ticker in prices else None

    return asked, quote


def test_a_limit_buy_is_marketable_at_or_below_its_limit_and_priced_at_the_market() -> None:
    below, at, above = (resting(n, price=Decimal("100.00"), ticker=t) for n, t in ((1, "A"), (2, "B"), (3, "C")))
    _, quote = quote_of({"A": "99.50", "B": "100.00", "C": "100.01"})
    priced, unpriced = marketable_orders([below, at, above], quote)
    assert [(o.order_id, o.market_price, o.priced_at) for o in priced] == [
        (below.order_id, Decimal("99.50"), "2026-03-02T15:00:00.000Z"),
        (at.order_id, Decimal("100.00"), "2026-03-02T15:00:00.000Z"),
    ]
    assert unpriced == set()


def test_a_limit_sell_is_marketable_at_or_above_its_limit() -> None:
    sell = resting(1, direction=Direction.SELL, price=Decimal("100.00"), ticker="A")
    for market, expected in (("100.01", True), ("100.00", True), ("99.99", False)):
        _, quote = quote_of({"A": market})
        priced, _ = marketable_orders([sell], quote)
        assert bool(priced) is expected, market


def test_each_ticker_is_priced_once_and_tickers_without_data_stay_resting() -> None:
    orders = [resting(n, ticker="A" if n % 2 else "NODATA") for n in range(1, 7)]
    asked, quote = quote_of({"A": "1.00"})
    priced, unpriced = marketable_orders(orders, quote)
    assert sorted(asked) == ["A", "NODATA"]
    assert len(priced) == 3 and unpriced == {"NODATA"}


def test_day_orders_expire_at_their_close_gtc_orders_never() -> None:
    day = resting(1)
    assert not is_expired(day, datetime(2026, 3, 2, 20, 59, 59, 999000, tzinfo=UTC))
    assert is_expired(day, datetime(2026, 3, 2, 21, 0, tzinfo=UTC))
    gtc = dataclasses.replace(day, time_in_force=TimeInForce.GTC, expires_at=None)
    assert not is_expired(gtc, datetime(2030, 1, 1, tzinfo=UTC))


def test_expiry_is_grouped_by_customer_and_direction() -> None:
    orders = [
        resting(1, customer_id="000001"),
        resting(2, customer_id="000002"),
        resting(3, customer_id="000001"),
        resting(4, customer_id="000001", direction=Direction.SELL),
    ]
    groups = expiry_groups(orders)
    assert sorted(sorted(o.order_id for o in group) for group in groups) == sorted(
        [sorted([orders[0].order_id, orders[2].order_id]), [orders[1].order_id], [orders[3].order_id]]
    )


class FakeOrders:
    def __init__(self, orders: list[ChildOrder], moved_on: Iterable[str] = ()) -> None:
        self.orders = orders
        self.moved_on = set(moved_on)
        self.expired: list[tuple[list[str], str]] = []
        self.queried: list[list[str]] = []

    def of_tickers(self, tickers: Sequence[str]) -> list[ChildOrder]:
        self.queried.append(list(tickers))
        return [o for o in self.orders if o.ticker in tickers]

    def all(self) -> list[ChildOrder]:
        return list(self.orders)

    def expire(self, children: Sequence[ChildOrder], reason: str, now: str) -> list[ChildOrder]:
        self.expired.append(([c.order_id for c in children], now))
        return [c for c in children if c.order_id not in self.moved_on]


class FakePrices:
    def __init__(self, prices: dict[str, str]) -> None:
        self.prices = prices
        self.forgotten: list[str] = []

    def quote(self, ticker: str, at: datetime) -> MarketQuote | None:
        price = self.prices.get(ticker)
        return None if price is None else MarketQuote(ticker, Decimal(price), at.strftime("%Y-%m-%dT%H:%M:%S.000Z"))

    def forget(self, tickers: Iterable[str]) -> None:
        self.forgotten.extend(tickers)


class Recorder:
    def __init__(self) -> None:
        self.published: list[BusEvent] = []

    def publish(self, events: list[BusEvent]) -> None:
        self.published.extend(events)


def book(orders: FakeOrders, prices: FakePrices, publisher: Recorder, now: datetime = NOW) -> OrderBook:
    return OrderBook(
        orders=orders, prices=prices, publisher=publisher, dark_pool_tickers=lambda: frozenset({"D"}), clock=lambda: now
    )


def test_a_run_sends_marketable_orders_to_the_pool_the_router_would_pick() -> None:
    lit, dark, waiting = resting(1, ticker="L"), resting(2, ticker="D"), resting(3, ticker="L", price=Decimal("1.00"))
    publisher = Recorder()
    result = book(FakeOrders([lit, dark, waiting]), FakePrices({"L": "150.00", "D": "140.00"}), publisher).run()

    assert {o.order_id for o in result.sent} == {lit.order_id, dark.order_id}
    assert result.examined == 3 and result.expired == []
    pools = {event.detail["poolType"]: event for event in publisher.published}
    assert set(pools) == {"Dark", "Lit"}
    assert {(e.source, e.detail_type) for e in publisher.published} == {("SmartOrderRouter", "Orders")}
    (sent_lit,) = pools["Lit"].detail["orders"]
    assert (sent_lit["orderId"], sent_lit["marketPrice"], sent_lit["pricedAt"]) == (
        lit.order_id,
        "150.00",
        "2026-03-02T15:00:00.000Z",
    )


def test_due_day_orders_expire_instead_of_being_sent_and_moved_on_ones_are_counted() -> None:
    due = resting(1, customer_id="000001")
    filled_meanwhile = resting(2, customer_id="000001")
    gtc = dataclasses.replace(resting(3), time_in_force=TimeInForce.GTC, expires_at=None)
    orders = FakeOrders([due, filled_meanwhile, gtc], moved_on=[filled_meanwhile.order_id])
    publisher = Recorder()
    after_close = datetime(2026, 3, 2, 21, 0, 0, 1000, tzinfo=UTC)

    result = book(orders, FakePrices({"AAPL": "150.00"}), publisher, now=after_close).run()

    assert orders.expired == [([due.order_id, filled_meanwhile.order_id], "2026-03-02T21:00:00.001Z")]
    assert [o.order_id for o in result.expired] == [due.order_id] and result.moved_on == 1
    assert [o.order_id for o in result.sent] == [gtc.order_id]


def test_a_market_data_update_reads_and_reprices_only_its_tickers() -> None:
    orders = FakeOrders([resting(1, ticker="A"), resting(2, ticker="B")])
    prices = FakePrices({"A": "1.00", "B": "1.00"})
    result = book(orders, prices, Recorder()).run(["A", "A"])
    assert orders.queried == [["A"]] and prices.forgotten == ["A"]
    assert [o.ticker for o in result.sent] == ["A"]


def test_nothing_marketable_publishes_nothing() -> None:
    publisher = Recorder()
    order = resting(1, order_type=OrderType.LIMIT, price=Decimal("1.00"))
    result = book(FakeOrders([order]), FakePrices({"AAPL": "150.00"}), publisher).run()
    assert result.sent == [] and publisher.published == []
    assert result.metrics()["RestingOrdersExamined"] == 1
