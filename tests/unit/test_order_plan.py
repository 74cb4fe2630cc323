"""Split, reservation and routing rules of the smart order router (trading_core.orders)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import TypedDict, Unpack

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading_core.common.money import has_at_most_cents
from trading_core.model.child_order import Direction, OrderType, PoolType
from trading_core.orders.plan import RouterConfig, plan_order, route, split_quantities
from trading_core.orders.request import OrderRequest

CONFIG = RouterConfig(
    split_size=1000,
    dark_pool_tickers=frozenset({"AAPL", "MSFT"}),
    venue_fees={"NYSE": Decimal("0.0000036"), "EBS": Decimal("0.0000090")},
)


SEED_REQUEST = OrderRequest(
    customer_id="000002",
    direction=Direction.BUY,
    ticker="COIN",
    order_type=OrderType.LIMIT,
    quantity=8614,
    price=Decimal("161.90"),
)


class RequestFields(TypedDict, total=False):
    """The fields of an `OrderRequest`, any of which a test may override."""

    customer_id: str
    direction: Direction
    ticker: str
    order_type: OrderType
    quantity: int
    price: Decimal | None


def request(**overrides: Unpack[RequestFields]) -> OrderRequest:
    return dataclasses.replace(SEED_REQUEST, **overrides)


def ids() -> Callable[[], str]:
    counter = itertools.count()
    return lambda: f"id-{next(counter)}"


def test_the_seed_order_splits_into_eight_thousands_and_614() -> None:
    assert split_quantities(8614, 1000) == [1000] * 8 + [614]
    assert split_quantities(1000, 1000) == [1000]
    assert split_quantities(999, 1000) == [999]


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=10**4))
def test_children_sum_to_the_quantity_and_never_exceed_the_split_size(quantity: int, size: int) -> None:
    parts = split_quantities(quantity, size)
    assert sum(parts) == quantity
    assert all(0 < part <= size for part in parts)
    assert len(parts) == -(-quantity // size)
    assert parts[:-1] == [size] * (len(parts) - 1)


@pytest.mark.parametrize(("quantity", "size"), [(0, 10), (-1, 10), (10, 0)])
def test_split_refuses_non_positive_numbers(quantity: int, size: int) -> None:
    with pytest.raises(ValueError):
        split_quantities(quantity, size)


@given(
    quantity=st.integers(min_value=1, max_value=99_000),
    price=st.integers(min_value=1, max_value=10**7).map(lambda n: Decimal(n) / 100),
    direction=st.sampled_from(Direction),
)
def test_a_plan_reserves_enough_for_every_child(quantity: int, price: Decimal, direction: Direction) -> None:
    plan = plan_order(
        request(quantity=quantity, price=price, direction=direction),
        CONFIG,
        order_date="2026-01-02T10:00:00.000Z",
        new_id=ids(),
        reference_price=lambda _: Decimal("100"),
    )

    assert sum(child.quantity for child in plan.children) == quantity
    assert {child.initial_quantity for child in plan.children} == {quantity}
    assert {child.split for child in plan.children} == {len(plan.children) > 1}
    assert {child.parent_order_id for child in plan.children} == {plan.parent_order_id}
    assert len({child.order_id for child in plan.children} | {plan.parent_order_id}) == len(plan.children) + 1
    if direction is Direction.SELL:
        assert plan.reservation == 0
    else:
        for child in plan.children:
            notional = price * child.quantity
            assert child.reserved_amount >= notional + notional * Decimal("0.0000090") - Decimal("0.005")
        assert has_at_most_cents(plan.reservation)


def test_a_market_buy_reserves_at_its_protection_price() -> None:
    plan = plan_order(
        request(order_type=OrderType.MARKET, price=None, quantity=10),
        CONFIG,
        order_date="2026-01-02T10:00:00.000Z",
        new_id=ids(),
        reference_price=lambda _: Decimal("100.00"),
    )

    [child] = plan.children
    assert child.protection_price == Decimal("110.00")
    assert child.reserved_amount == Decimal("1100.00") + Decimal("0.01")


def test_routing_sends_dark_pool_tickers_to_the_dark_pool() -> None:
    children = [
        child
        for ticker in ("AAPL", "COIN", "MSFT")
        for child in plan_order(
            request(ticker=ticker, quantity=1500),
            CONFIG,
            order_date="2026-01-02T10:00:00.000Z",
            new_id=ids(),
            reference_price=lambda _: Decimal(1),
        ).children
    ]

    routed = route(children, CONFIG.dark_pool_tickers)

    assert [child.ticker for child in routed[PoolType.DARK]] == ["AAPL", "AAPL", "MSFT", "MSFT"]
    assert [child.ticker for child in routed[PoolType.LIT]] == ["COIN", "COIN"]
