"""Child orders and trades shaped as the router and the pools make them, for unit and integration tests.

Venue configuration comes from the `dev` stage of cdk.json, as a deployment would read it. A sample
child order is marketable by default, as the router sends it to a pool: priced at its limit (a market
order at `synthetic_price` of its ticker) at its order date; `priced=False` gives a resting one.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TypedDict, Unpack

from trading_core.common.ids import child_order_id, parent_order_id_of, trade_id_for
from trading_core.market_data.synthetic import synthetic_price
from trading_core.model.child_order import ChildOrder, Direction, OrderType
from trading_core.model.trade import ExchangeType, Trade
from trading_core.pools.matching import VenueConfig, fill_lit
from trading_core.pools.pricing import max_fee, protection_price

_PARAMETERS = json.loads((Path(__file__).resolve().parents[1] / "cdk.json").read_text())["context"]["stages"]["dev"][
    "parameters"
]
VENUE_FEES = {venue: Decimal(rate) for venue, rate in _PARAMETERS["venueFees"].items()}
DARK = VenueConfig(
    venues=tuple(_PARAMETERS["darkPools"]),
    venue_fees=VENUE_FEES,
    match_probability=Decimal(_PARAMETERS["darkPoolMatchProbability"]),
)
LIT = VenueConfig(venues=tuple(_PARAMETERS["litPools"]), venue_fees=VENUE_FEES)
ORDER_DATE = "2026-03-02T14:30:00.000Z"


def order_id(n: int) -> str:
    """A parent order's id for n < 0; for n > 0, the id of the only child of parent `order_id(-n)`."""
    parent = parent_order_id_of(str(uuid.uuid5(uuid.NAMESPACE_OID, f"order-{-abs(n)}")))
    return parent if n < 0 else child_order_id(parent, 1)


class OrderFields(TypedDict, total=False):
    """The keyword arguments of `child_order`, for helpers that pass them on."""

    customer_id: str
    direction: Direction
    ticker: str
    order_type: OrderType
    quantity: int
    price: Decimal | None
    order_date: str
    market_price: Decimal | None
    priced: bool


def child_order(
    n: int = 1,
    *,
    customer_id: str = "000001",
    direction: Direction = Direction.BUY,
    ticker: str = "AAPL",
    order_type: OrderType = OrderType.LIMIT,
    quantity: int = 100,
    price: Decimal | None = Decimal("150.25"),
    order_date: str = ORDER_DATE,
    market_price: Decimal | None = None,
    priced: bool = True,
) -> ChildOrder:
    """A child order with the reservation the router would have made for it, carrying `market_price`
    (default: its limit, or the synthetic price of a market order) and `pricedAt` = its order date
    unless `priced` is False."""
    if order_type is OrderType.MARKET:
        price = None
    market = market_price if market_price is not None else price if price is not None else synthetic_price(ticker)
    protection = None
    if price is None and direction is Direction.BUY:
        protection = protection_price(market)
    reserved = Decimal(0)
    if direction is Direction.BUY:
        notional = (price if price is not None else protection or Decimal(0)) * quantity
        reserved = notional + max_fee(notional, VENUE_FEES)
    order = ChildOrder(
        customer_id=customer_id,
        direction=direction,
        ticker=ticker,
        order_type=order_type,
        quantity=quantity,
        price=price,
        order_id=order_id(n),
        order_date=order_date,
        initial_quantity=quantity,
        split=False,
        parent_order_id=parent_order_id_of(order_id(n)),
        reserved_amount=reserved,
        protection_price=protection,
    )
    return order.priced(market, order_date) if priced else order


def trades(orders: list[ChildOrder]) -> list[Trade]:
    return fill_lit(orders, LIT)


def trade(n: int = 1, **order_fields: Unpack[OrderFields]) -> Trade:
    return trades([child_order(n, **order_fields)])[0]


def dated_fill(
    *,
    customer_id: str,
    order_id: str,
    day: date,
    second: int,
    direction: Direction,
    ticker: str,
    quantity: int,
    price: Decimal,
    fee: Decimal,
    reserved: Decimal = Decimal(0),
    hour: int = 14,
) -> Trade:
    """A settled lit-pool fill of a one-child limit order placed at `hour`:00 of `day`, traded `second`
    seconds later: a past trade for the portfolio's history."""
    at = f"{day.isoformat()}T{hour:02d}:00:"
    return Trade(
        customer_id=customer_id,
        direction=direction,
        ticker=ticker,
        order_type=OrderType.LIMIT,
        quantity=quantity,
        price=price,
        order_id=order_id,
        order_date=f"{at}00.000Z",
        initial_quantity=quantity,
        split=False,
        parent_order_id=order_id,
        reserved_amount=reserved,
        trade_id=trade_id_for(order_id),
        exchange="NYSE",
        exchange_type=ExchangeType.LIT_POOL,
        trade_date=f"{at}{second:02d}.250Z",
        fee=fee,
        settlement_date=f"{at}{second:02d}.500Z",
    )
