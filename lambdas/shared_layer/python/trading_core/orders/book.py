"""The order book: resting (OPEN) child orders re-evaluated at the market, DAY orders expired
(docs/architecture.md §2 "Order lifecycle").

A run is triggered by the schedule (`ORDER_BOOK_SCHEDULE`: every resting order) or by a
`MarketDataUpdate` (the resting orders of its tickers). At the run's instant `now`:

- a DAY order whose `expires_at` ≤ now is expired: one transaction per parent order moves it OPEN →
  EXPIRED on its ORDER item and gives back its reservation (`orders.book_store.end_children`); a child
  found no longer live moved on (a fill, a cancel) and nothing of it is released;
- every other order is priced once per ticker (`market.price.MarketPrices` at now); a marketable one
  (`market.price.is_marketable`) goes to the pool the router would pick, in the router's own `Orders`
  events, as `child.priced(price, now)`. It stays OPEN until settlement moves it to FILLED; sending it
  again on a later run is harmless (the trade id is a uuid5 of the order id and settlement lets one
  fill through).

A ticker without market data is left resting (counted in `unpriced`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from trading_core.bus.events import Publisher
from trading_core.common.clock import Clock, parse_iso, to_iso
from trading_core.market.price import MarketQuote, is_marketable
from trading_core.model.child_order import ChildOrder, TimeInForce
from trading_core.orders.plan import pool_order_events, route

logger = logging.getLogger(__name__)

EXPIRED_REASON = "expired at the close of its trading day"


@dataclass
class Ended:
    """Live children ended without a fill (expired, cancelled): those ended, and the status each of
    the others was found in (it had moved on: filled, cancelled or expired first)."""

    ended: list[ChildOrder] = field(default_factory=list)
    moved_on: dict[str, str] = field(default_factory=dict)


class RestingOrders(Protocol):
    """The resting-orders index and the moves out of it (`orders.book_store.DynamoRestingOrders`)."""

    def of_tickers(self, tickers: Sequence[str]) -> Iterable[ChildOrder]: ...

    def all(self) -> Iterable[ChildOrder]: ...

    def expire(self, children: Sequence[ChildOrder], reason: str, now: str) -> list[ChildOrder]:
        """Ends `children` (one customer, one direction) as EXPIRED with their reservation released;
        returns those it ended (the others had moved on)."""
        ...


class Quotes(Protocol):
    """`market.price.MarketPrices`."""

    def quote(self, ticker: str, at: datetime) -> MarketQuote | None: ...

    def forget(self, tickers: Iterable[str]) -> None: ...


def is_expired(child: ChildOrder, now: datetime) -> bool:
    """A DAY order at or after the close it expires at."""
    return (
        child.time_in_force is TimeInForce.DAY and child.expires_at is not None and parse_iso(child.expires_at) <= now
    )


def marketable_orders(
    resting: Iterable[ChildOrder], quotes: Callable[[str], MarketQuote | None]
) -> tuple[list[ChildOrder], set[str]]:
    """The resting orders marketable now, priced at their ticker's quote (asked once per ticker), and
    the tickers that had no quote."""
    cache: dict[str, MarketQuote | None] = {}
    priced: list[ChildOrder] = []
    for child in resting:
        if child.ticker not in cache:
            cache[child.ticker] = quotes(child.ticker)
        quote = cache[child.ticker]
        if quote is not None and is_marketable(child.direction, child.price, quote.price):
            priced.append(child.priced(quote.price, quote.at))
    return priced, {ticker for ticker, quote in cache.items() if quote is None}


def expiry_groups(children: Iterable[ChildOrder]) -> list[list[ChildOrder]]:
    """Children grouped by customer and direction: each group's reservation is one release."""
    groups: dict[tuple[str, str], list[ChildOrder]] = defaultdict(list)
    for child in children:
        groups[(child.customer_id, child.direction.value)].append(child)
    return list(groups.values())


@dataclass
class BookRun:
    """What one run did."""

    at: str
    examined: int = 0
    sent: list[ChildOrder] = field(default_factory=list)
    expired: list[ChildOrder] = field(default_factory=list)
    moved_on: int = 0
    """Orders due to expire that had already left OPEN (filled or cancelled meanwhile)."""
    unpriced: set[str] = field(default_factory=set)

    def metrics(self) -> dict[str, int]:
        return {
            "RestingOrdersExamined": self.examined,
            "RestingOrdersSent": len(self.sent),
            "OrdersExpired": len(self.expired),
            "UnpricedTickers": len(self.unpriced),
        }


class OrderBook:
    def __init__(
        self,
        *,
        orders: RestingOrders,
        prices: Quotes,
        publisher: Publisher,
        dark_pool_tickers: Callable[[], frozenset[str]],
        clock: Clock,
    ) -> None:
        self._orders = orders
        self._prices = prices
        self._publisher = publisher
        self._dark_pool_tickers = dark_pool_tickers
        self._clock = clock

    def run(self, tickers: Sequence[str] | None = None) -> BookRun:
        """Every resting order (None) or those of `tickers` (a MarketDataUpdate: their cached
        reference prices are dropped first, so the new data prices them)."""
        now = self._clock()
        result = BookRun(at=to_iso(now))
        if tickers is None:
            resting = list(self._orders.all())
        else:
            wanted = list(dict.fromkeys(tickers))
            self._prices.forget(wanted)
            resting = list(self._orders.of_tickers(wanted))
        result.examined = len(resting)
        due = [child for child in resting if is_expired(child, now)]
        live = [child for child in resting if not is_expired(child, now)]
        for group in expiry_groups(due):
            ended = self._orders.expire(group, EXPIRED_REASON, result.at)
            result.expired += ended
            result.moved_on += len(group) - len(ended)
        result.sent, result.unpriced = marketable_orders(live, lambda ticker: self._prices.quote(ticker, now))
        if result.sent:
            # Raises if the bus refuses: the run fails (asynchronous retries, then the failure queue)
            # and the orders simply stay OPEN for the next run.
            self._publisher.publish(pool_order_events(route(result.sent, self._dark_pool_tickers())))
        return result
