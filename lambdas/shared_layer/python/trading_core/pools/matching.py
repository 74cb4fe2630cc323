"""Simulated dark and lit pool matching engines.

Every choice (match or not, venue, execution time, market price) is a pure function of the order
and the configuration, so reprocessing an order yields the very same trade.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from trading_core.common.clock import add_millis
from trading_core.common.ids import bounded_int, choose, trade_id_for, unit_interval
from trading_core.common.money import cents, to_decimal
from trading_core.common.parameters import ParameterReader, parse_fees, split_list
from trading_core.contracts import (
    DARK_POOL_MATCH_PROBABILITY_PARAMETER,
    DARK_POOLS_PARAMETER,
    LIT_POOLS_PARAMETER,
    VENUE_FEES_PARAMETER,
)
from trading_core.model.child_order import ChildOrder, Direction
from trading_core.model.trade import ExchangeType, Trade
from trading_core.pools.pricing import ReferencePrice, fee


@dataclass(frozen=True, kw_only=True)
class VenueConfig:
    """The venues of one pool type and the fee rate of every venue."""

    venues: tuple[str, ...]
    venue_fees: Mapping[str, Decimal]
    match_probability: Decimal = Decimal(1)

    @classmethod
    def load_dark(cls, read: ParameterReader) -> VenueConfig:
        values = read([DARK_POOLS_PARAMETER, VENUE_FEES_PARAMETER, DARK_POOL_MATCH_PROBABILITY_PARAMETER])
        return cls(
            venues=split_list(values[DARK_POOLS_PARAMETER]),
            venue_fees=parse_fees(values[VENUE_FEES_PARAMETER]),
            match_probability=to_decimal(values[DARK_POOL_MATCH_PROBABILITY_PARAMETER]),
        )

    @classmethod
    def load_lit(cls, read: ParameterReader) -> VenueConfig:
        values = read([LIT_POOLS_PARAMETER, VENUE_FEES_PARAMETER])
        return cls(venues=split_list(values[LIT_POOLS_PARAMETER]), venue_fees=parse_fees(values[VENUE_FEES_PARAMETER]))


@dataclass(frozen=True)
class DarkPoolResult:
    trades: list[Trade]
    unmatched: list[ChildOrder]


def execution_price(order: ChildOrder, reference_price: ReferencePrice) -> Decimal:
    """Limit orders fill at their limit; market orders at the reference price, buys capped by the
    protection price their reservation was made at."""
    if order.price is not None:
        return order.price
    reference = cents(reference_price(order.ticker))
    if order.direction is Direction.BUY and order.protection_price is not None:
        return min(reference, order.protection_price)
    return reference


def fill(
    order: ChildOrder,
    venue: str,
    exchange_type: ExchangeType,
    config: VenueConfig,
    reference_price: ReferencePrice,
) -> Trade:
    price = execution_price(order, reference_price)
    return Trade(
        customer_id=order.customer_id,
        direction=order.direction,
        ticker=order.ticker,
        order_type=order.order_type,
        quantity=order.quantity,
        price=price,
        order_id=order.order_id,
        order_date=order.order_date,
        initial_quantity=order.initial_quantity,
        split=order.split,
        parent_order_id=order.parent_order_id,
        reserved_amount=order.reserved_amount,
        trade_id=trade_id_for(order.order_id),
        exchange=venue,
        exchange_type=exchange_type,
        trade_date=add_millis(order.order_date, bounded_int(50, 900, "latency", order.order_id)),
        fee=fee(cents(price * order.quantity), config.venue_fees[venue]),
    )


def match_dark(orders: list[ChildOrder], config: VenueConfig, reference_price: ReferencePrice) -> DarkPoolResult:
    """Matches a share of orders (the configured probability); the rest go on to the lit pools."""
    trades: list[Trade] = []
    unmatched: list[ChildOrder] = []
    for order in orders:
        if unit_interval("dark-match", order.order_id) < config.match_probability:
            venue = choose(config.venues, "dark-venue", order.order_id)
            trades.append(fill(order, venue, ExchangeType.DARK_POOL, config, reference_price))
        else:
            unmatched.append(order)
    return DarkPoolResult(trades=trades, unmatched=unmatched)


def fill_lit(orders: list[ChildOrder], config: VenueConfig, reference_price: ReferencePrice) -> list[Trade]:
    """Lit pools fill every order."""
    return [
        fill(
            order,
            choose(config.venues, "lit-venue", order.order_id),
            ExchangeType.LIT_POOL,
            config,
            reference_price,
        )
        for order in orders
    ]
