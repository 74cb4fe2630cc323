"""Simulated dark and lit pool matching engines.

An order reaches a pool marketable, carrying the market price it was found marketable at and that
instant (`ChildOrder.market_price`, `priced_at`, decided once by the router or the order book from
`market.price`). The pools fill at that price, dated at that instant; every other choice (match or
not, venue) is a hash of the order id. So reprocessing an order yields the very same trade.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from trading_core.common.ids import choose, trade_id_for, unit_interval
from trading_core.common.money import cents, to_decimal
from trading_core.common.parameters import ParameterReader, parse_fees, split_list
from trading_core.contracts import (
    DARK_POOL_MATCH_PROBABILITY_PARAMETER,
    DARK_POOLS_PARAMETER,
    LIT_POOLS_PARAMETER,
    VENUE_FEES_PARAMETER,
)
from trading_core.market.price import is_marketable
from trading_core.model.child_order import ChildOrder, Direction
from trading_core.model.trade import ExchangeType, Trade
from trading_core.pools.pricing import fee


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


class NotMarketable(ValueError):
    """An order reached a pool without a market price that lets it fill: a bug upstream, never filled
    at a made-up price (the delivery fails and ends in the function's failure queue)."""


def execution_price(order: ChildOrder) -> Decimal:
    """The market price the order carries: never above a buy's limit (or the protection price its
    reservation was made at), never below a sell's limit."""
    if order.market_price is None or order.priced_at is None:
        raise NotMarketable(f"order {order.order_id} reached a pool without a market price")
    price = cents(order.market_price)
    if not is_marketable(order.direction, order.price, price):
        raise NotMarketable(f"order {order.order_id} is not marketable at {price} (limit {order.price})")
    if order.direction is Direction.BUY and order.protection_price is not None and price > order.protection_price:
        raise NotMarketable(f"order {order.order_id} at {price} exceeds its protection price {order.protection_price}")
    return price


def fill(order: ChildOrder, venue: str, exchange_type: ExchangeType, config: VenueConfig) -> Trade:
    price = execution_price(order)
    return Trade(
        **{**order.ticket_terms(), "price": price},
        trade_id=trade_id_for(order.order_id),
        exchange=venue,
        exchange_type=exchange_type,
        trade_date=str(order.priced_at),
        fee=fee(cents(price * order.quantity), config.venue_fees[venue]),
    )


def match_dark(orders: list[ChildOrder], config: VenueConfig) -> DarkPoolResult:
    """Matches a share of orders (the configured probability) at the price they carry; the rest go on
    to the lit pools with it."""
    for order in orders:
        execution_price(order)  # an unfillable order fails this delivery, not the lit pool's later
    trades: list[Trade] = []
    unmatched: list[ChildOrder] = []
    for order in orders:
        if unit_interval("dark-match", order.order_id) < config.match_probability:
            venue = choose(config.venues, "dark-venue", order.order_id)
            trades.append(fill(order, venue, ExchangeType.DARK_POOL, config))
        else:
            unmatched.append(order)
    return DarkPoolResult(trades=trades, unmatched=unmatched)


def fill_lit(orders: list[ChildOrder], config: VenueConfig) -> list[Trade]:
    """Lit pools fill every order at the price it carries."""
    return [
        fill(order, choose(config.venues, "lit-venue", order.order_id), ExchangeType.LIT_POOL, config)
        for order in orders
    ]
