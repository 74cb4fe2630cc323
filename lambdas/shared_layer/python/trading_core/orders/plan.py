"""Smart order router rules: split block orders, price the reservation, route by ticker list."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from trading_core.common.parameters import ParameterReader, parse_fees, split_list
from trading_core.contracts import (
    DARK_POOL_TICKERS_PARAMETER,
    MAX_CHILDREN_PER_ORDER,
    ORDER_SPLIT_SIZE_PARAMETER,
    VENUE_FEES_PARAMETER,
)
from trading_core.model.child_order import ChildOrder, Direction, OrderType, PoolType
from trading_core.orders.request import OrderRequest
from trading_core.pools.pricing import ReferencePrice, max_fee, protection_price


@dataclass(frozen=True, kw_only=True)
class RouterConfig:
    """The router's run-time parameters, read per request (through the reader's cache)."""

    split_size: int
    dark_pool_tickers: frozenset[str]
    venue_fees: Mapping[str, Decimal]

    @classmethod
    def load(cls, read: ParameterReader) -> RouterConfig:
        values = read([ORDER_SPLIT_SIZE_PARAMETER, DARK_POOL_TICKERS_PARAMETER, VENUE_FEES_PARAMETER])
        return cls(
            split_size=int(values[ORDER_SPLIT_SIZE_PARAMETER]),
            dark_pool_tickers=frozenset(split_list(values[DARK_POOL_TICKERS_PARAMETER])),
            venue_fees=parse_fees(values[VENUE_FEES_PARAMETER]),
        )


@dataclass(frozen=True, kw_only=True)
class PlannedOrder:
    request: OrderRequest
    parent_order_id: str
    children: tuple[ChildOrder, ...]

    @property
    def reservation(self) -> Decimal:
        return sum((child.reserved_amount for child in self.children), Decimal(0))


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
    reference_price: ReferencePrice,
) -> PlannedOrder:
    """Child orders with the funds each must reserve: a buy reserves its notional at the limit (or
    protection) price plus the fee at the costliest venue; a sell is paid from its own proceeds."""
    quantities = split_quantities(request.quantity, config.split_size)
    if len(quantities) > MAX_CHILDREN_PER_ORDER:
        raise _too_large(request, config)
    protection = None
    if request.order_type is OrderType.MARKET and request.direction is Direction.BUY:
        protection = protection_price(reference_price(request.ticker))
    reserve_price = request.price if request.price is not None else protection
    parent_order_id = new_id()
    children = []
    for quantity in quantities:
        reserved = Decimal(0)
        if request.direction is Direction.BUY:
            assert reserve_price is not None
            notional = reserve_price * quantity
            reserved = notional + max_fee(notional, config.venue_fees)
        children.append(
            ChildOrder(
                customer_id=request.customer_id,
                direction=request.direction,
                ticker=request.ticker,
                order_type=request.order_type,
                quantity=quantity,
                price=request.price,
                order_id=new_id(),
                order_date=order_date,
                initial_quantity=request.quantity,
                split=len(quantities) > 1,
                parent_order_id=parent_order_id,
                reserved_amount=reserved,
                protection_price=protection,
            )
        )
    return PlannedOrder(request=request, parent_order_id=parent_order_id, children=tuple(children))


def route(children: Iterable[ChildOrder], dark_pool_tickers: frozenset[str]) -> dict[PoolType, list[ChildOrder]]:
    routed: dict[PoolType, list[ChildOrder]] = {PoolType.DARK: [], PoolType.LIT: []}
    for child in children:
        pool = PoolType.DARK if child.ticker in dark_pool_tickers else PoolType.LIT
        routed[pool].append(child)
    return routed
