"""What the pools read from and put on the bus: child orders in, trades (and leftovers) out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trading_core.bus.events import BusEvent, chunk_events, details_from_event, items_of
from trading_core.contracts import (
    FLAG_SET,
    LIT_POOL_TYPE,
    ORDERS_DETAIL_TYPE,
    POOL_TYPE_FIELD,
    POST_TRADE_FIELD,
    TRADES_DETAIL_TYPE,
)
from trading_core.model.child_order import ChildOrder
from trading_core.model.trade import Trade


def orders_from_event(event: dict[str, Any]) -> list[ChildOrder]:
    """The child orders of an invocation, whichever transport delivered it."""
    return [ChildOrder.from_wire(item) for item in items_of(details_from_event(event), "orders")]


def trade_events(source: str, trades: Sequence[Trade]) -> list[BusEvent]:
    """`Trades` events routed to the post-trade processor (`postTrade: "True"`)."""
    return chunk_events(
        source=source,
        detail_type=TRADES_DETAIL_TYPE,
        header={POST_TRADE_FIELD: FLAG_SET},
        key="trades",
        items=[trade.to_wire() for trade in trades],
    )


def lit_order_events(source: str, orders: Sequence[ChildOrder]) -> list[BusEvent]:
    """`Orders` events routed to the lit pools (`poolType: Lit`)."""
    return chunk_events(
        source=source,
        detail_type=ORDERS_DETAIL_TYPE,
        header={POOL_TYPE_FIELD: LIT_POOL_TYPE},
        key="orders",
        items=[order.to_wire() for order in orders],
    )
