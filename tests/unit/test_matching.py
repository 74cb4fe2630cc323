"""Matching engines: fills at the market price the order carries, dated at its pricing instant;
deterministic fills, trade ids derived from order ids, the dark pool's match share."""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.trade_samples import DARK, LIT, ORDER_DATE, child_order, order_id
from trading_core.common.ids import TRADE_NAMESPACE
from trading_core.common.money import cents
from trading_core.model.child_order import ChildOrder, Direction, OrderType
from trading_core.model.trade import ExchangeType
from trading_core.pools.matching import NotMarketable, execution_price, fill_lit, match_dark

PRICES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)


@st.composite
def marketable_orders(draw: st.DrawFn) -> ChildOrder:
    """A child order as the router sends it: its market price at or better than its limit."""
    direction = draw(st.sampled_from(Direction))
    order_type = draw(st.sampled_from(OrderType))
    limit = draw(PRICES)
    if order_type is OrderType.MARKET:
        market = draw(PRICES)
    elif direction is Direction.BUY:
        market = max(cents(limit * draw(st.decimals(min_value=Decimal("0.5"), max_value=1, places=3))), Decimal("0.01"))
    else:
        market = cents(limit * draw(st.decimals(min_value=1, max_value=2, places=3)))
    return child_order(
        draw(st.integers(0, 10**9)),
        customer_id=draw(st.sampled_from(["000001", "000002"])),
        direction=direction,
        ticker=draw(st.sampled_from(["AAPL", "COIN", "TSLA"])),
        order_type=order_type,
        quantity=draw(st.integers(1, 1000)),
        price=limit,
        market_price=market,
    )


ORDERS = marketable_orders()


@given(st.lists(ORDERS, max_size=20))
def test_reprocessing_orders_gives_the_same_trades(orders: list[ChildOrder]) -> None:
    assert match_dark(orders, DARK) == match_dark(list(orders), DARK)
    assert fill_lit(orders, LIT) == fill_lit(list(orders), LIT)


@given(st.lists(ORDERS, max_size=20, unique_by=lambda order: order.order_id))
def test_dark_pool_partitions_orders_into_trades_and_forwarded_orders(orders: list[ChildOrder]) -> None:
    result = match_dark(orders, DARK)
    matched = {trade.order_id for trade in result.trades}
    forwarded = {order.order_id for order in result.unmatched}
    assert matched.isdisjoint(forwarded)
    assert matched | forwarded == {order.order_id for order in orders}
    # forwarded as they came: the same market price and pricing instant go on to the lit pools
    assert result.unmatched == [order for order in orders if order.order_id in forwarded]
    assert all(
        trade.exchange in DARK.venues and trade.exchange_type is ExchangeType.DARK_POOL for trade in result.trades
    )


@given(ORDERS)
def test_a_fill_carries_the_order_and_derives_its_trade_id(order: ChildOrder) -> None:
    (trade,) = fill_lit([order], LIT)
    assert trade.trade_id == str(uuid.uuid5(TRADE_NAMESPACE, order.order_id))
    assert (trade.customer_id, trade.direction, trade.ticker, trade.quantity, trade.order_id) == (
        order.customer_id,
        order.direction,
        order.ticker,
        order.quantity,
        order.order_id,
    )
    assert (trade.time_in_force, trade.expires_at) == (order.time_in_force, order.expires_at)
    assert trade.reserved_amount == order.reserved_amount
    assert trade.exchange in LIT.venues and trade.exchange_type is ExchangeType.LIT_POOL
    assert trade.fee == cents(trade.price * trade.quantity * LIT.venue_fees[trade.exchange])


@given(ORDERS)
def test_a_fill_is_at_the_market_price_the_order_carries_dated_when_it_was_priced(order: ChildOrder) -> None:
    (trade,) = fill_lit([order], LIT)
    assert order.market_price is not None
    assert trade.price == cents(order.market_price)
    assert trade.trade_date == order.priced_at
    if order.price is not None:
        assert trade.price <= order.price if order.direction is Direction.BUY else trade.price >= order.price


@given(st.lists(ORDERS, min_size=1, max_size=20, unique_by=lambda order: order.order_id))
def test_the_dark_pool_fills_at_the_same_price_as_the_lit_pools(orders: list[ChildOrder]) -> None:
    lit = {trade.order_id: (trade.price, trade.trade_date) for trade in fill_lit(orders, LIT)}
    for trade in match_dark(orders, DARK).trades:
        assert (trade.price, trade.trade_date) == lit[trade.order_id]


@given(ORDERS)
def test_a_buy_never_costs_more_than_its_reservation(order: ChildOrder) -> None:
    (trade,) = fill_lit([order], LIT)
    if order.direction is Direction.BUY:
        assert trade.notional + trade.fee <= order.reserved_amount


def test_limit_orders_fill_at_the_market_not_at_their_limit() -> None:
    buy = child_order(1, price=Decimal("150.25"), market_price=Decimal("140.10"))
    sell = child_order(2, direction=Direction.SELL, price=Decimal("100.00"), market_price=Decimal("120.55"))
    at_the_limit = child_order(3, price=Decimal("12.34"), market_price=Decimal("12.34"))
    assert execution_price(buy) == Decimal("140.10")
    assert execution_price(sell) == Decimal("120.55")
    assert execution_price(at_the_limit) == Decimal("12.34")


def test_market_orders_fill_at_the_market_price_they_carry() -> None:
    sell = child_order(2, direction=Direction.SELL, order_type=OrderType.MARKET, market_price=Decimal("40.79"))
    buy = child_order(3, order_type=OrderType.MARKET, market_price=Decimal("40.79"))
    assert buy.protection_price == Decimal("44.87")  # cents_up(40.79 * 1.10)
    assert execution_price(sell) == execution_price(buy) == Decimal("40.79")
    (trade,) = fill_lit([buy], LIT)
    assert (trade.price, trade.trade_date) == (Decimal("40.79"), ORDER_DATE)


def test_a_fractional_market_price_is_rounded_to_the_cent() -> None:
    order = dataclasses.replace(child_order(4, price=Decimal("2.00")), market_price=Decimal("1.005"))
    assert execution_price(order) == Decimal("1.01")


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(child_order(1, priced=False), id="no market price"),
        pytest.param(
            dataclasses.replace(child_order(1), priced_at=None),
            id="a market price but no pricing instant",
        ),
        pytest.param(child_order(1, price=Decimal("150.25"), market_price=Decimal("150.26")), id="buy above limit"),
        pytest.param(
            child_order(1, direction=Direction.SELL, price=Decimal("100.00"), market_price=Decimal("99.99")),
            id="sell below limit",
        ),
        pytest.param(
            dataclasses.replace(
                child_order(1, order_type=OrderType.MARKET, market_price=Decimal("100.00")),
                market_price=Decimal("110.01"),
            ),
            id="market buy above its protection price",
        ),
    ],
)
def test_an_order_that_is_not_marketable_at_the_price_it_carries_is_never_filled(order: ChildOrder) -> None:
    with pytest.raises(NotMarketable, match=order.order_id):
        execution_price(order)
    with pytest.raises(NotMarketable):
        fill_lit([order], LIT)
    with pytest.raises(NotMarketable):
        # whether or not the dark pool would match it: forwarded orders need a price too
        match_dark([order], dataclasses.replace(DARK, match_probability=Decimal(1)))


@pytest.mark.parametrize("probability", ["0", "0.25", "0.5", "0.9", "1"])
def test_dark_pool_matches_close_to_the_configured_share(probability: str) -> None:
    config = dataclasses.replace(DARK, match_probability=Decimal(probability))
    orders = [child_order(n) for n in range(4000)]
    share = Decimal(len(match_dark(orders, config).trades)) / len(orders)
    # Binomial standard deviation at 4000 draws is at most 0.8%; the bound is about four of them.
    assert abs(share - Decimal(probability)) <= Decimal("0.03")


def test_dark_pool_spreads_matches_over_its_venues() -> None:
    trades = match_dark([child_order(n) for n in range(600)], DARK).trades
    assert {trade.exchange for trade in trades} == set(DARK.venues)


def test_the_same_order_id_matches_the_same_way_whatever_else_is_in_the_batch() -> None:
    alone = match_dark([child_order(7)], DARK)
    together = match_dark([child_order(n) for n in range(20)], DARK)
    assert bool(alone.trades) == any(trade.order_id == order_id(7) for trade in together.trades)
