"""Split, marketability, reservation, expiry and routing rules of the smart order router (trading_core.orders)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import UTC, time
from decimal import Decimal
from typing import TypedDict, Unpack

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading_core.common import keys
from trading_core.common.money import has_at_most_cents
from trading_core.contracts import (
    DARK_POOL_TICKERS_PARAMETER,
    MARKET_CLOSE_TIME_PARAMETER,
    MAX_CHILDREN_PER_ORDER,
    ORDER_CUSTOMER_ATTRIBUTE,
    ORDER_KEY_ATTRIBUTE,
    ORDER_SPLIT_SIZE_PARAMETER,
    VENUE_FEES_PARAMETER,
)
from trading_core.model.child_order import (
    ACCEPTED,
    OPEN,
    PARENT_KIND,
    ChildOrder,
    Direction,
    OrderType,
    PoolType,
    TimeInForce,
)
from trading_core.model.items import item_to_wire
from trading_core.model.order_item import child_items
from trading_core.orders.plan import PlannedOrder, RouterConfig, plan_order, route, split_quantities
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
    time_in_force: TimeInForce


ORDER_DATE = "2026-01-02T10:00:00.000Z"


def plan(
    market_price: Decimal = Decimal("100.00"), order_date: str = ORDER_DATE, **overrides: Unpack[RequestFields]
) -> PlannedOrder:
    return plan_order(request(**overrides), CONFIG, order_date=order_date, new_id=ids(), market_price=market_price)


def request(**overrides: Unpack[RequestFields]) -> OrderRequest:
    return dataclasses.replace(SEED_REQUEST, **overrides)


def ids() -> Callable[[], str]:
    counter = itertools.count()
    return lambda: f"id-{next(counter)}-00"  # a parent order's id ends in 00 (common.ids)


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
    quantity=st.integers(min_value=1, max_value=MAX_CHILDREN_PER_ORDER * CONFIG.split_size),
    price=st.integers(min_value=1, max_value=10**7).map(lambda n: Decimal(n) / 100),
    direction=st.sampled_from(Direction),
)
def test_a_plan_reserves_enough_for_every_child(quantity: int, price: Decimal, direction: Direction) -> None:
    planned = plan(quantity=quantity, price=price, direction=direction)

    assert sum(child.quantity for child in planned.children) == quantity
    assert {child.initial_quantity for child in planned.children} == {quantity}
    assert {child.split for child in planned.children} == {len(planned.children) > 1}
    assert {child.parent_order_id for child in planned.children} == {planned.parent_order_id}
    assert len({child.order_id for child in planned.children} | {planned.parent_order_id}) == len(planned.children) + 1
    if direction is Direction.SELL:
        assert planned.reservation == 0
    else:
        for child in planned.children:
            notional = price * child.quantity
            assert child.reserved_amount >= notional + notional * Decimal("0.0000090") - Decimal("0.005")
        assert has_at_most_cents(planned.reservation)


def test_a_market_buy_reserves_at_its_protection_price() -> None:
    [child] = plan(Decimal("100.00"), order_type=OrderType.MARKET, price=None, quantity=10).children
    assert child.protection_price == Decimal("110.00")
    assert child.reserved_amount == Decimal("1100.00") + Decimal("0.01")
    assert (child.market_price, child.priced_at) == (Decimal("100.00"), ORDER_DATE)


def test_a_limit_buy_reserves_at_its_limit_whatever_the_market() -> None:
    # a buy at 161.90 with the market at 40.79 fills lower, but its reservation covers its limit
    [child] = plan(Decimal("40.79"), quantity=1000).children
    notional = Decimal("161900.00")
    assert child.reserved_amount == notional + Decimal("1.46")  # 161900 * 0.0000090 = 1.4571 -> cents up
    assert child.protection_price is None


@pytest.mark.parametrize(
    ("direction", "order_type", "limit", "market", "marketable"),
    [
        (Direction.BUY, OrderType.LIMIT, "161.90", "40.79", True),
        (Direction.BUY, OrderType.LIMIT, "161.90", "161.90", True),
        (Direction.BUY, OrderType.LIMIT, "161.90", "161.91", False),
        (Direction.BUY, OrderType.LIMIT, "1.00", "79.79", False),
        (Direction.SELL, OrderType.LIMIT, "100.00", "100.01", True),
        (Direction.SELL, OrderType.LIMIT, "100.00", "100.00", True),
        (Direction.SELL, OrderType.LIMIT, "9999.00", "40.79", False),
        (Direction.BUY, OrderType.MARKET, None, "40.79", True),
        (Direction.SELL, OrderType.MARKET, None, "40.79", True),
    ],
)
def test_marketable_orders_are_priced_for_a_pool_and_the_others_rest(
    direction: Direction, order_type: OrderType, limit: str | None, market: str, marketable: bool
) -> None:
    price = None if limit is None else Decimal(limit)
    planned = plan(Decimal(market), direction=direction, order_type=order_type, price=price, quantity=2500)

    assert planned.marketable is marketable
    assert planned.market_price == Decimal(market) and planned.order_date == ORDER_DATE
    assert len(planned.children) == 3
    for child in planned.children:
        if marketable:
            assert (child.market_price, child.priced_at, child.initial_status) == (
                Decimal(market),
                ORDER_DATE,
                ACCEPTED,
            )
        else:
            assert (child.market_price, child.priced_at, child.initial_status) == (None, None, OPEN)
    # resting: its ORDER item is in the resting-orders index under its ticker
    assert ("RestingTicker" in planned.order_item(ORDER_DATE)) is not marketable
    if not marketable:
        assert planned.order_item(ORDER_DATE)["RestingTicker"] == planned.request.ticker


@pytest.mark.parametrize(
    ("order_date", "expires_at"),
    [
        ("2026-01-02T10:00:00.000Z", "2026-01-02T21:00:00.000Z"),
        ("2026-01-02T20:59:59.999Z", "2026-01-02T21:00:00.000Z"),
        ("2026-01-02T21:00:00.000Z", "2026-01-03T21:00:00.000Z"),
        ("2026-01-02T23:30:00.000Z", "2026-01-03T21:00:00.000Z"),
    ],
)
def test_day_children_expire_at_the_next_close(order_date: str, expires_at: str) -> None:
    for market in (Decimal("100.00"), Decimal("200.00")):  # marketable or resting alike
        planned = plan(market, order_date=order_date, price=Decimal("150.00"), quantity=1500)
        assert {child.time_in_force for child in planned.children} == {TimeInForce.DAY}
        assert {child.expires_at for child in planned.children} == {expires_at}


def test_the_close_comes_from_the_configuration() -> None:
    config = dataclasses.replace(CONFIG, market_close=time(14, 30))
    planned = plan_order(request(), config, order_date=ORDER_DATE, new_id=ids(), market_price=Decimal(100))
    assert {child.expires_at for child in planned.children} == {"2026-01-02T14:30:00.000Z"}


def test_gtc_children_never_expire() -> None:
    planned = plan(Decimal("200.00"), time_in_force=TimeInForce.GTC, price=Decimal("150.00"), quantity=1500)
    assert {(child.time_in_force, child.expires_at) for child in planned.children} == {(TimeInForce.GTC, None)}
    assert {child.to_wire()["timeInForce"] for child in planned.children} == {"GTC"}


def test_the_parent_item_records_the_order_and_its_children() -> None:
    planned = plan(Decimal("40.79"), quantity=2500)

    item = planned.order_item(ORDER_DATE)

    assert item == {
        **keys.order_key(planned.parent_order_id),
        "Kind": PARENT_KIND,
        "OrderId": planned.parent_order_id,
        "CustomerId": "000002",
        "Direction": "Buy",
        "Ticker": "COIN",
        "Type": "Limit",
        "Quantity": 2500,
        "Price": Decimal("161.90"),
        "TimeInForce": "DAY",
        "OrderDate": ORDER_DATE,
        "MarketPriceAtOrder": Decimal("40.79"),
        # In the customer's list of orders (the sparse CustomerOrderKeys index), by order time.
        ORDER_CUSTOMER_ATTRIBUTE: "000002",
        ORDER_KEY_ATTRIBUTE: f"{ORDER_DATE}#{planned.parent_order_id}",
        # What the children share, decided once: the close a DAY order expires at, the market it was priced at.
        "ExpiresAt": "2026-01-02T21:00:00.000Z",
        "MarketPrice": Decimal("40.79"),
        "PricedAt": ORDER_DATE,
        "Children": {
            # `Updated` left out until the child changes: it is the order date until then
            str(number): {"Quantity": quantity, "ReservedAmount": child.reserved_amount, "Status": "ACCEPTED"}
            for number, (quantity, child) in enumerate(zip((1000, 1000, 500), planned.children, strict=True), 1)
        },
        "Version": 1,
        "Updated": ORDER_DATE,
    }
    # The children as they are read back: the very child orders planned, ids derived from the parent's.
    assert [ChildOrder.from_wire(item_to_wire(child)) for child in child_items(item)] == list(planned.children)
    assert [child.order_id for child in planned.children] == [f"id-0-0{n}" for n in (1, 2, 3)]


def test_a_market_order_s_parent_item_has_no_price_and_its_market_price_to_the_cent() -> None:
    item = plan(Decimal("40.7851"), order_type=OrderType.MARKET, price=None, time_in_force=TimeInForce.GTC).order_item(
        ORDER_DATE
    )
    assert "Price" not in item
    assert (item["Type"], item["TimeInForce"], item["MarketPriceAtOrder"]) == ("Market", "GTC", Decimal("40.79"))


def test_the_configuration_is_read_with_the_close_time() -> None:
    values = {
        ORDER_SPLIT_SIZE_PARAMETER: "500",
        DARK_POOL_TICKERS_PARAMETER: "AAPL,MSFT",
        VENUE_FEES_PARAMETER: '{"NYSE": "0.0000036"}',
        MARKET_CLOSE_TIME_PARAMETER: "20:00",
    }
    config = RouterConfig.load(lambda names: {name: values[name] for name in names})
    assert (config.split_size, config.market_close) == (500, time(20, 0, tzinfo=UTC))
    with pytest.raises(ValueError, match="25:00"):
        RouterConfig.load(
            lambda names: {name: {**values, MARKET_CLOSE_TIME_PARAMETER: "25:00"}[name] for name in names}
        )


def test_routing_sends_dark_pool_tickers_to_the_dark_pool() -> None:
    children = [
        child
        for ticker in ("AAPL", "COIN", "MSFT")
        for child in plan(Decimal(1), ticker=ticker, quantity=1500).children
    ]

    routed = route(children, CONFIG.dark_pool_tickers)

    assert [child.ticker for child in routed[PoolType.DARK]] == ["AAPL", "AAPL", "MSFT", "MSFT"]
    assert [child.ticker for child in routed[PoolType.LIT]] == ["COIN", "COIN"]
