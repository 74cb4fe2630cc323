"""Dark and lit pools against moto, on both transports: what each publishes, in the contract's shapes, at the
market price each order carries."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from constructs_lib.routes import ORDER_FLOW_ROUTES
from lambdas.dark_pool import handler as dark_pool
from lambdas.lit_pool import handler as lit_pool
from tests.integration.conftest import TradingAws, stage_parameters
from tests.integration.quote_lookup import store_quote
from tests.integration.stream_events import FakeContext, bus_delivery
from tests.trade_samples import ORDER_DATE, child_order
from trading_core.common.ids import unit_interval
from trading_core.model.child_order import ChildOrder, Direction, OrderType
from trading_core.model.trade import Trade
from trading_core.pools.matching import NotMarketable

ORDERS = [child_order(n, ticker="AAPL", order_type=[OrderType.LIMIT, OrderType.MARKET][n % 2]) for n in range(40)]


@pytest.fixture(autouse=True)
def fresh_handlers() -> Iterator[None]:
    dark_pool.build.cache_clear()
    lit_pool.build.cache_clear()
    yield
    dark_pool.build.cache_clear()
    lit_pool.build.cache_clear()


def delivered(detail: dict[str, Any], bus_type: str, source: str = "SmartOrderRouter") -> dict[str, Any]:
    return bus_delivery(detail, bus_type, source=source, detail_type="Orders")


def transports_used(aws: TradingAws) -> set[str]:
    """Which capture queues hold messages, i.e. which transport the publisher chose."""
    capture = aws.bus
    used = set()
    for url, transport in ((capture.events_queue_url, "EVENT-BRIDGE"), (capture.sns_queue_url, "SNS")):
        attributes = capture.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        if int(attributes["Attributes"]["ApproximateNumberOfMessages"]):
            used.add(transport)
    return used


def targets(source: str, detail_type: str, detail: dict[str, Any]) -> list[str]:
    """The functions the declared routes deliver an event to."""
    return [route.target for route in ORDER_FLOW_ROUTES if route.selects(source, detail_type, detail)]


def orders_detail(pool_type: str, orders: list[ChildOrder]) -> dict[str, Any]:
    return {"poolType": pool_type, "orders": [order.to_wire() for order in orders]}


def test_dark_pool_publishes_trades_and_forwards_the_rest_as_lit_orders(trading_aws: TradingAws, bus_type: str) -> None:
    result = dark_pool.lambda_handler(delivered(orders_detail("Dark", ORDERS), bus_type), FakeContext("dark_pool"))

    assert transports_used(trading_aws) == {bus_type}
    captured = trading_aws.bus.drain()
    trades = [item for source, kind, detail in captured if kind == "Trades" for item in detail["trades"]]
    forwarded = [item for source, kind, detail in captured if kind == "Orders" for item in detail["orders"]]
    assert {(source, kind) for source, kind, _ in captured} == {
        ("DarkPoolMatchingEngine", "Trades"),
        ("DarkPoolMatchingEngine", "Orders"),
    }
    for source, kind, detail in captured:
        assert targets(source, kind, detail) == (["post_trade"] if kind == "Trades" else ["lit_pool"])
    assert result == {"matched": len(trades), "forwarded": len(forwarded)}
    assert 0 < len(trades) < len(ORDERS)
    # Nothing is lost: every order is either a trade or an order for the lit pools, unchanged.
    assert sorted([t["orderId"] for t in trades] + [o["orderId"] for o in forwarded]) == sorted(
        o.order_id for o in ORDERS
    )
    assert all(item in [order.to_wire() for order in ORDERS] for item in forwarded)
    assert all(Trade.from_wire(item).exchange_type.value == "DarkPool" for item in trades)


def test_forwarded_orders_are_filled_by_the_lit_pool(trading_aws: TradingAws, bus_type: str) -> None:
    dark_pool.lambda_handler(delivered(orders_detail("Dark", ORDERS), bus_type), FakeContext("dark_pool"))
    (forwarded,) = [detail for _, kind, detail in trading_aws.bus.drain() if kind == "Orders"]

    result = lit_pool.lambda_handler(delivered(forwarded, bus_type, "DarkPoolMatchingEngine"), FakeContext("lit_pool"))

    captured = trading_aws.bus.drain()
    assert {(source, kind) for source, kind, _ in captured} == {("LitPoolMatchingEngine", "Trades")}
    assert all(targets(*event) == ["post_trade"] for event in captured)
    trades = [Trade.from_wire(item) for _, _, detail in captured for item in detail["trades"]]
    assert result == {"filled": len(forwarded["orders"])}
    assert sorted(trade.order_id for trade in trades) == sorted(order["orderId"] for order in forwarded["orders"])
    assert all(trade.exchange_type.value == "LitPool" for trade in trades)


def test_lit_pool_fills_every_order_the_same_way_on_redelivery(trading_aws: TradingAws, bus_type: str) -> None:
    event = delivered(orders_detail("Lit", ORDERS), bus_type)
    lit_pool.lambda_handler(event, FakeContext("lit_pool"))
    first = trading_aws.bus.drain()
    lit_pool.lambda_handler(event, FakeContext("lit_pool"))
    assert trading_aws.bus.drain() == first
    assert len([item for _, _, detail in first for item in detail["trades"]]) == len(ORDERS)


def test_many_orders_are_published_in_several_events(trading_aws: TradingAws, bus_type: str) -> None:
    orders = [child_order(n) for n in range(300)]
    lit_pool.lambda_handler(delivered(orders_detail("Lit", orders), bus_type), FakeContext("lit_pool"))
    captured = trading_aws.bus.drain()
    assert len(captured) > 1
    assert sum(len(detail["trades"]) for _, _, detail in captured) == 300


def test_an_event_without_orders_publishes_nothing(trading_aws: TradingAws, bus_type: str) -> None:
    assert dark_pool.lambda_handler({"poolType": "Dark", "orders": []}, FakeContext("dark_pool")) == {
        "matched": 0,
        "forwarded": 0,
    }
    assert trading_aws.bus.drain() == []


def test_both_pools_fill_at_the_price_the_order_carries_dated_when_it_was_priced(
    trading_aws: TradingAws, bus_type: str
) -> None:
    store_quote(trading_aws.market_data_table, "AAPL", "999.00")  # the pools read no market data
    carried = Decimal("140.10")
    orders = [child_order(n, ticker="AAPL", price=Decimal("150.25"), market_price=carried) for n in range(20)] + [
        child_order(n, ticker="AAPL", direction=Direction.SELL, order_type=OrderType.MARKET, market_price=carried)
        for n in range(20, 40)
    ]

    dark_pool.lambda_handler(delivered(orders_detail("Dark", orders), bus_type), FakeContext("dark_pool"))
    captured = trading_aws.bus.drain()
    [forwarded] = [detail for _, kind, detail in captured if kind == "Orders"]
    lit_pool.lambda_handler(delivered(forwarded, bus_type, "DarkPoolMatchingEngine"), FakeContext("lit_pool"))
    captured += trading_aws.bus.drain()

    trades = [Trade.from_wire(item) for _, kind, detail in captured if kind == "Trades" for item in detail["trades"]]
    assert sorted(trade.order_id for trade in trades) == sorted(order.order_id for order in orders)
    assert {trade.exchange_type.value for trade in trades} == {"DarkPool", "LitPool"}
    assert {(trade.price, trade.trade_date) for trade in trades} == {(carried, ORDER_DATE)}
    assert {(o["marketPrice"], o["pricedAt"]) for o in forwarded["orders"]} == {("140.10", ORDER_DATE)}


@pytest.mark.parametrize("pool", ["Dark", "Lit"])
def test_an_order_without_a_market_price_fails_the_delivery_and_nothing_is_published(
    trading_aws: TradingAws, pool: str
) -> None:
    orders = [child_order(1, ticker="AAPL"), child_order(2, ticker="AAPL", priced=False)]
    handler, name = (dark_pool, "dark_pool") if pool == "Dark" else (lit_pool, "lit_pool")
    # the dark pool matches the unpriced order (an unmatched one goes on to the lit pool, which refuses it)
    assert unit_interval("dark-match", orders[1].order_id) < Decimal(stage_parameters()["dark-pool-match-probability"])

    with pytest.raises(NotMarketable):
        handler.lambda_handler(delivered(orders_detail(pool, orders), "EVENT-BRIDGE"), FakeContext(name))

    assert trading_aws.bus.drain() == []
