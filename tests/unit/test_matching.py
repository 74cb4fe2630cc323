"""Matching engines: deterministic fills, trade ids derived from order ids, the dark pool's match share."""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.trade_samples import DARK, LIT, child_order, order_id
from trading_core.common.clock import parse_iso
from trading_core.common.ids import TRADE_NAMESPACE
from trading_core.common.money import cents
from trading_core.market_data.synthetic import synthetic_price
from trading_core.model.child_order import ChildOrder, Direction, OrderType
from trading_core.model.trade import ExchangeType
from trading_core.pools.matching import execution_price, fill_lit, match_dark

ORDERS = st.builds(
    child_order,
    n=st.integers(0, 10**9),
    customer_id=st.sampled_from(["000001", "000002"]),
    direction=st.sampled_from(Direction),
    ticker=st.sampled_from(["AAPL", "COIN", "TSLA"]),
    order_type=st.sampled_from(OrderType),
    quantity=st.integers(1, 1000),
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
)


@given(st.lists(ORDERS, max_size=20))
def test_reprocessing_orders_gives_the_same_trades(orders: list[ChildOrder]) -> None:
    assert match_dark(orders, DARK, synthetic_price) == match_dark(list(orders), DARK, synthetic_price)
    assert fill_lit(orders, LIT, synthetic_price) == fill_lit(list(orders), LIT, synthetic_price)


@given(st.lists(ORDERS, max_size=20, unique_by=lambda order: order.order_id))
def test_dark_pool_partitions_orders_into_trades_and_forwarded_orders(orders: list[ChildOrder]) -> None:
    result = match_dark(orders, DARK, synthetic_price)
    matched = {trade.order_id for trade in result.trades}
    forwarded = {order.order_id for order in result.unmatched}
    assert matched.isdisjoint(forwarded)
    assert matched | forwarded == {order.order_id for order in orders}
    assert result.unmatched == [order for order in orders if order.order_id in forwarded]
    assert all(
        trade.exchange in DARK.venues and trade.exchange_type is ExchangeType.DARK_POOL for trade in result.trades
    )


@given(ORDERS)
def test_a_fill_carries_the_order_and_derives_its_trade_id(order: ChildOrder) -> None:
    (trade,) = fill_lit([order], LIT, synthetic_price)
    assert trade.trade_id == str(uuid.uuid5(TRADE_NAMESPACE, order.order_id))
    assert (trade.customer_id, trade.direction, trade.ticker, trade.quantity, trade.order_id) == (
        order.customer_id,
        order.direction,
        order.ticker,
        order.quantity,
        order.order_id,
    )
    assert trade.reserved_amount == order.reserved_amount
    assert trade.exchange in LIT.venues and trade.exchange_type is ExchangeType.LIT_POOL
    assert trade.fee == cents(trade.price * trade.quantity * LIT.venue_fees[trade.exchange])
    latency = parse_iso(trade.trade_date) - parse_iso(order.order_date)
    assert 50 <= latency.total_seconds() * 1000 <= 900


@given(ORDERS)
def test_a_buy_never_costs_more_than_its_reservation(order: ChildOrder) -> None:
    (trade,) = fill_lit([order], LIT, synthetic_price)
    if order.direction is Direction.BUY:
        assert trade.notional + trade.fee <= order.reserved_amount


def test_limit_orders_fill_at_their_limit_and_market_orders_at_the_reference() -> None:
    limit = child_order(1, price=Decimal("12.34"))
    market_sell = child_order(2, direction=Direction.SELL, order_type=OrderType.MARKET, ticker="COIN")
    assert execution_price(limit, synthetic_price) == Decimal("12.34")
    assert execution_price(market_sell, synthetic_price) == synthetic_price("COIN")


def test_market_buys_are_capped_at_their_protection_price() -> None:
    order = child_order(3, order_type=OrderType.MARKET, ticker="COIN")
    assert order.protection_price is not None
    assert execution_price(order, lambda ticker: Decimal("99999")) == order.protection_price
    assert execution_price(order, lambda ticker: Decimal("1.005")) == Decimal("1.01")


@pytest.mark.parametrize("probability", ["0", "0.25", "0.5", "0.9", "1"])
def test_dark_pool_matches_close_to_the_configured_share(probability: str) -> None:
    config = dataclasses.replace(DARK, match_probability=Decimal(probability))
    orders = [child_order(n) for n in range(4000)]
    share = Decimal(len(match_dark(orders, config, synthetic_price).trades)) / len(orders)
    # Binomial standard deviation at 4000 draws is at most 0.8%; the bound is about four of them.
    assert abs(share - Decimal(probability)) <= Decimal("0.03")


def test_dark_pool_spreads_matches_over_its_venues() -> None:
    trades = match_dark([child_order(n) for n in range(600)], DARK, synthetic_price).trades
    assert {trade.exchange for trade in trades} == set(DARK.venues)


def test_the_same_order_id_matches_the_same_way_whatever_else_is_in_the_batch() -> None:
    alone = match_dark([child_order(7)], DARK, synthetic_price)
    together = match_dark([child_order(n) for n in range(20)], DARK, synthetic_price)
    assert bool(alone.trades) == any(trade.order_id == order_id(7) for trade in together.trades)
