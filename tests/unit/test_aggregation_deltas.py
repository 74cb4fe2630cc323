"""Aggregation maths: funds move by each trade's cash flow, reservations are released, exact to the cent."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tests.trade_samples import child_order, trade, trades
from trading_core.aggregation.deltas import aggregate
from trading_core.common.money import has_at_most_cents
from trading_core.model.child_order import Direction, OrderType
from trading_core.model.trade import Trade

CUSTOMERS = ["000001", "000002", "000003"]
TICKERS = ["AAPL", "COIN", "TSLA"]

ORDERS = st.builds(
    child_order,
    n=st.integers(0, 10**9),
    customer_id=st.sampled_from(CUSTOMERS),
    direction=st.sampled_from(Direction),
    ticker=st.sampled_from(TICKERS),
    order_type=st.sampled_from(OrderType),
    quantity=st.integers(1, 1000),
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
)
TRADES = st.lists(ORDERS, max_size=40, unique_by=lambda order: order.order_id).map(trades)


def test_a_buy_pays_notional_plus_fee_and_releases_its_reservation() -> None:
    bought = trade(1, direction=Direction.BUY, quantity=100, price=Decimal("150.25"))
    customer = aggregate([bought]).customers["000001"]
    assert bought.notional == Decimal("15025.00")
    assert customer.remaining == -(Decimal("15025.00") + bought.fee)
    assert customer.reserved == -bought.reserved_amount
    assert customer.available == bought.reserved_amount - Decimal("15025.00") - bought.fee
    assert (customer.nr_trades, customer.commission, customer.invested) == (1, bought.fee, Decimal("15025.00"))


def test_a_sell_receives_notional_minus_fee() -> None:
    sold = trade(2, direction=Direction.SELL, quantity=10, price=Decimal("99.99"))
    customer = aggregate([sold]).customers["000001"]
    assert sold.reserved_amount == 0
    assert customer.remaining == customer.available == Decimal("999.90") - sold.fee
    assert customer.invested == Decimal("-999.90")
    position = aggregate([sold]).positions[("000001", "AAPL")]
    assert (position.quantity, position.bought, position.sold, position.nr_trades) == (-10, 0, 10, 1)


@given(TRADES)
def test_funds_move_by_the_sum_of_cash_flows_to_the_cent(batch: list[Trade]) -> None:
    totals = aggregate(batch)
    for customer_id, customer in totals.customers.items():
        mine = [item for item in batch if item.customer_id == customer_id]
        assert customer.remaining == sum((item.cash_flow for item in mine), Decimal(0))
        assert customer.commission == sum((item.fee for item in mine), Decimal(0))
        assert customer.nr_trades == len(mine)
        for amount in (customer.remaining, customer.available, customer.reserved, customer.commission):
            assert has_at_most_cents(amount)


@given(TRADES, st.data())
def test_available_equals_remaining_minus_reserved_after_any_batches(batch: list[Trade], data: st.DataObject) -> None:
    """The router reserves for every order; the trades then arrive in any split of batches."""
    funds = Decimal("1000000.00")
    remaining: dict[str, Decimal] = defaultdict(lambda: funds)
    reserved: dict[str, Decimal] = defaultdict(Decimal)
    available: dict[str, Decimal] = defaultdict(lambda: funds)
    for item in batch:
        reserved[item.customer_id] += item.reserved_amount
        available[item.customer_id] -= item.reserved_amount
    cuts = sorted(data.draw(st.lists(st.integers(0, len(batch)), max_size=4)))
    for start, end in zip([0, *cuts], [*cuts, len(batch)], strict=True):
        for customer_id, delta in aggregate(batch[start:end]).customers.items():
            remaining[customer_id] += delta.remaining
            reserved[customer_id] += delta.reserved
            available[customer_id] += delta.available
    for customer_id in {item.customer_id for item in batch}:
        assert available[customer_id] == remaining[customer_id] - reserved[customer_id]
        assert reserved[customer_id] == 0
        assert available[customer_id] == funds + sum(
            (item.cash_flow for item in batch if item.customer_id == customer_id), Decimal(0)
        )


@given(TRADES)
def test_positions_and_ticker_days_count_every_share(batch: list[Trade]) -> None:
    totals = aggregate(batch)
    for (customer_id, ticker), position in totals.positions.items():
        mine = [item for item in batch if (item.customer_id, item.ticker) == (customer_id, ticker)]
        assert position.bought == sum(item.quantity for item in mine if item.direction is Direction.BUY)
        assert position.sold == sum(item.quantity for item in mine if item.direction is Direction.SELL)
        assert position.quantity == position.bought - position.sold
        assert position.nr_trades == len(mine)
    for (ticker, day), ticker_day in totals.ticker_days.items():
        mine = [item for item in batch if (item.ticker, item.trade_day) == (ticker, day)]
        assert (ticker_day.nr_trades, ticker_day.total_quantity) == (len(mine), sum(item.quantity for item in mine))
        assert ticker_day.total_notional == sum((item.notional for item in mine), Decimal(0))
    assert totals.key_count == len(totals.customers) + len(totals.positions) + len(totals.ticker_days)


@given(TRADES, st.integers(0, 40))
def test_aggregates_of_two_batches_add_up_to_those_of_their_union(batch: list[Trade], cut: int) -> None:
    whole, first, second = aggregate(batch), aggregate(batch[:cut]), aggregate(batch[cut:])
    for customer_id, customer in whole.customers.items():
        parts = [part.customers[customer_id] for part in (first, second) if customer_id in part.customers]
        assert customer.remaining == sum((part.remaining for part in parts), Decimal(0))
        assert customer.available == sum((part.available for part in parts), Decimal(0))
