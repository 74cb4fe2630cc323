"""The matching engines as services: read orders, match, put trades (and leftovers) back on the bus.

The matching itself is `trading_core.matching` (pure); this module adds the configuration read,
the event shapes of DESIGN §5 and the publishing, so the handlers stay thin.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from trading_core import bus
from trading_core.config import ParameterReader, VenueConfig
from trading_core.matching import DarkPoolResult, fill_lit, match_dark
from trading_core.model import ChildOrder, PoolType, Trade
from trading_core.pricing import ReferencePrice

DARK_POOL_SOURCE: Final = "DarkPoolMatchingEngine"
LIT_POOL_SOURCE: Final = "LitPoolMatchingEngine"
ORDERS: Final = "Orders"
TRADES: Final = "Trades"


def orders_from_event(event: dict[str, Any]) -> list[ChildOrder]:
    """The child orders of an invocation, whichever transport delivered it."""
    return [ChildOrder.from_wire(item) for item in bus.items_of(bus.details_from_event(event), "orders")]


def trade_events(source: str, trades: Sequence[Trade]) -> list[bus.BusEvent]:
    """`Trades` events routed to the post-trade processor (`postTrade: "True"`)."""
    return bus.chunk_events(
        source=source,
        detail_type=TRADES,
        header={"postTrade": "True"},
        key="trades",
        items=[trade.to_wire() for trade in trades],
    )


def lit_order_events(source: str, orders: Sequence[ChildOrder]) -> list[bus.BusEvent]:
    """`Orders` events routed to the lit pools (`poolType: Lit`)."""
    return bus.chunk_events(
        source=source,
        detail_type=ORDERS,
        header={"poolType": PoolType.LIT.value},
        key="orders",
        items=[order.to_wire() for order in orders],
    )


class DarkPool:
    """Matches a share of the orders; the rest go on to the lit pools as Orders, never as Trades."""

    def __init__(self, *, read: ParameterReader, publisher: bus.Publisher, reference_price: ReferencePrice) -> None:
        self._read = read
        self._publisher = publisher
        self._reference_price = reference_price

    def process(self, orders: Sequence[ChildOrder]) -> DarkPoolResult:
        if not orders:
            return DarkPoolResult(trades=[], unmatched=[])
        # Read per invocation (Powertools caches it), so a changed probability or fee applies at once.
        result = match_dark(list(orders), VenueConfig.load_dark(self._read), self._reference_price)
        self._publisher.publish(
            trade_events(DARK_POOL_SOURCE, result.trades) + lit_order_events(DARK_POOL_SOURCE, result.unmatched)
        )
        return result


class LitPool:
    """Fills every order."""

    def __init__(self, *, read: ParameterReader, publisher: bus.Publisher, reference_price: ReferencePrice) -> None:
        self._read = read
        self._publisher = publisher
        self._reference_price = reference_price

    def process(self, orders: Sequence[ChildOrder]) -> list[Trade]:
        if not orders:
            return []
        trades = fill_lit(list(orders), VenueConfig.load_lit(self._read), self._reference_price)
        self._publisher.publish(trade_events(LIT_POOL_SOURCE, trades))
        return trades
