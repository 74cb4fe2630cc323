"""Smart order router rules: split block orders, decide marketability, price the reservation, route by
ticker list."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Any

from trading_core.bus.events import BusEvent, chunk_events
from trading_core.common import keys
from trading_core.common.clock import parse_iso, to_iso
from trading_core.common.ids import child_order_id
from trading_core.common.money import money_str
from trading_core.common.parameters import ParameterReader, parse_fees, split_list
from trading_core.contracts import (
    DARK_POOL_TICKERS_PARAMETER,
    MARKET_CLOSE_TIME_PARAMETER,
    MAX_CHILDREN_PER_ORDER,
    ORDER_ID_ATTRIBUTE,
    ORDER_SPLIT_SIZE_PARAMETER,
    ORDERS_DETAIL_TYPE,
    POOL_TYPE_FIELD,
    ROUTER_SOURCE,
    VENUE_FEES_PARAMETER,
)
from trading_core.market.price import is_marketable
from trading_core.market.session import DEFAULT_CLOSE, close_after, parse_close_time
from trading_core.model.child_order import PARENT_KIND, ChildOrder, Direction, OrderType, PoolType, TimeInForce
from trading_core.model.order_item import new_order_item
from trading_core.model.parent_order import customer_order_attributes
from trading_core.orders.request import OrderRequest
from trading_core.pools.pricing import max_fee, protection_price


@dataclass(frozen=True, kw_only=True)
class RouterConfig:
    """The router's run-time parameters, read per request (through the reader's cache)."""

    split_size: int
    dark_pool_tickers: frozenset[str]
    venue_fees: Mapping[str, Decimal]
    market_close: time = DEFAULT_CLOSE

    @classmethod
    def load(cls, read: ParameterReader) -> RouterConfig:
        values = read(
            [ORDER_SPLIT_SIZE_PARAMETER, DARK_POOL_TICKERS_PARAMETER, VENUE_FEES_PARAMETER, MARKET_CLOSE_TIME_PARAMETER]
        )
        return cls(
            split_size=int(values[ORDER_SPLIT_SIZE_PARAMETER]),
            dark_pool_tickers=frozenset(split_list(values[DARK_POOL_TICKERS_PARAMETER])),
            venue_fees=parse_fees(values[VENUE_FEES_PARAMETER]),
            market_close=parse_close_time(values[MARKET_CLOSE_TIME_PARAMETER]),
        )


@dataclass(frozen=True, kw_only=True)
class PlannedOrder:
    request: OrderRequest
    parent_order_id: str
    children: tuple[ChildOrder, ...]
    market_price: Decimal
    order_date: str
    unsent: frozenset[str] = frozenset()
    """Children not to send to a pool: a first run of the same key took them further (`orders.placed`)."""

    @property
    def reservation(self) -> Decimal:
        return sum((child.reserved_amount for child in self.children), Decimal(0))

    @property
    def marketable(self) -> bool:
        """Its children go to a pool now; otherwise they rest (OPEN) in the order book."""
        return all(child.priced_at is not None for child in self.children)

    def order_item(self, now: str) -> dict[str, Any]:
        """The ORDER item the router writes: the order as sent and its children (`model.order_item`)."""
        parent = parent_attributes(self.request, self.parent_order_id, self.order_date, self.market_price)
        return new_order_item(parent, self.children, now)


def parent_attributes(
    request: OrderRequest, parent_order_id: str, order_date: str, market_price: Decimal | None
) -> dict[str, Any]:
    """What every parent ORDER item holds, accepted or refused: the order as sent, its day and the market
    price it met (None: unknown), in the customer's list of orders (`model.parent_order`)."""
    item: dict[str, Any] = {
        **keys.order_key(parent_order_id),
        "Kind": PARENT_KIND,
        ORDER_ID_ATTRIBUTE: parent_order_id,
        "CustomerId": request.customer_id,
        "Direction": request.direction.value,
        "Ticker": request.ticker,
        "Type": request.order_type.value,
        "Quantity": request.quantity,
        "TimeInForce": request.time_in_force.value,
        "OrderDate": order_date,
        **customer_order_attributes(request.customer_id, order_date, parent_order_id),
    }
    if market_price is not None:
        item["MarketPriceAtOrder"] = Decimal(money_str(market_price))
    if request.price is not None:
        item["Price"] = request.price
    return item


class OrderTooLarge(ValueError):
    pass


def check_size(request: OrderRequest, config: RouterConfig) -> None:
    """Before splitting, so an absurd quantity never builds a huge list of children."""
    if -(-request.quantity // config.split_size) > MAX_CHILDREN_PER_ORDER:
        raise _too_large(request, config)


def _too_large(request: OrderRequest, config: RouterConfig) -> OrderTooLarge:
    return OrderTooLarge(
        f"quantity {request.quantity} exceeds the maximum of "
        f"{MAX_CHILDREN_PER_ORDER * config.split_size} per order with split size {config.split_size}"
    )


def split_quantities(quantity: int, split_size: int) -> list[int]:
    """8614 with split size 1000 gives 8 x 1000 + 614."""
    if quantity <= 0 or split_size <= 0:
        raise ValueError("quantity and split size must be positive")
    full, rest = divmod(quantity, split_size)
    return [split_size] * full + ([rest] if rest else [])


def plan_order(
    request: OrderRequest,
    config: RouterConfig,
    *,
    order_date: str,
    new_id: Callable[[], str],
    market_price: Decimal,
) -> PlannedOrder:
    """Child orders with what each must reserve, priced at `market_price` (the market at `order_date`)
    when the order is marketable, else left to rest.

    A buy reserves its notional at the limit (a market buy at the protection price: the market plus
    the collar) plus the fee at the costliest venue, so whatever price it later fills at, the funds
    cover it; a sell reserves its quantity on the position (`orders.reservations`)."""
    quantities = split_quantities(request.quantity, config.split_size)
    if len(quantities) > MAX_CHILDREN_PER_ORDER:
        raise _too_large(request, config)
    protection = None
    if request.order_type is OrderType.MARKET and request.direction is Direction.BUY:
        protection = protection_price(market_price)
    reserve_price = request.price if request.price is not None else protection
    marketable = is_marketable(request.direction, request.price, market_price)
    expires_at = None
    if request.time_in_force is TimeInForce.DAY:
        expires_at = to_iso(close_after(parse_iso(order_date), config.market_close))
    parent_order_id = new_id()
    children = []
    for number, quantity in enumerate(quantities, start=1):
        reserved = Decimal(0)
        if request.direction is Direction.BUY:
            assert reserve_price is not None
            notional = reserve_price * quantity
            reserved = notional + max_fee(notional, config.venue_fees)
        child = ChildOrder(
            customer_id=request.customer_id,
            direction=request.direction,
            ticker=request.ticker,
            order_type=request.order_type,
            quantity=quantity,
            price=request.price,
            order_id=child_order_id(parent_order_id, number),
            order_date=order_date,
            initial_quantity=request.quantity,
            split=len(quantities) > 1,
            parent_order_id=parent_order_id,
            reserved_amount=reserved,
            time_in_force=request.time_in_force,
            expires_at=expires_at,
            protection_price=protection,
        )
        children.append(child.priced(market_price, order_date) if marketable else child)
    return PlannedOrder(
        request=request,
        parent_order_id=parent_order_id,
        children=tuple(children),
        market_price=market_price,
        order_date=order_date,
    )


def route(children: Iterable[ChildOrder], dark_pool_tickers: frozenset[str]) -> dict[PoolType, list[ChildOrder]]:
    routed: dict[PoolType, list[ChildOrder]] = {PoolType.DARK: [], PoolType.LIT: []}
    for child in children:
        pool = PoolType.DARK if child.ticker in dark_pool_tickers else PoolType.LIT
        routed[pool].append(child)
    return routed


def pool_order_events(routed: dict[PoolType, list[ChildOrder]]) -> list[BusEvent]:
    """The router's `Orders` events for the children of each pool (the order book sends the same)."""
    events: list[BusEvent] = []
    for pool in (PoolType.DARK, PoolType.LIT):
        if routed[pool]:
            events += chunk_events(
                source=ROUTER_SOURCE,
                detail_type=ORDERS_DETAIL_TYPE,
                header={POOL_TYPE_FIELD: pool.value},
                key="orders",
                items=[child.to_wire() for child in routed[pool]],
            )
    return events
