"""The order book against moto, on both transports: a resting order is sent when the market reaches
its limit (on the schedule and on MarketDataUpdate), fills at the market and leaves the index; a DAY
order expires at its close with its reservation released; GTC orders do not expire."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from lambdas.order_book import handler as order_book
from lambdas.post_trade import handler as post_trade
from tests.integration.api_events import lambda_context
from tests.integration.conftest import TradingAws
from tests.integration.order_items import CUSTOMER, funds, rest, status
from tests.integration.stream_events import SCHEDULED_EVENT, FakeContext, bus_delivery
from tests.trade_samples import trades
from tests.trade_store import stored_trades
from trading_core.common.clock import to_iso
from trading_core.market.walk import walk_price
from trading_core.market_data.keys import summary_key
from trading_core.model.child_order import ChildOrder

START = Decimal("1000000.00")
REFERENCE = Decimal("100.00")
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def first_dip(ticker: str) -> tuple[Decimal, datetime]:
    """The first minute after T0 at which the walk is below its price at T0: the limit a buy rests at."""
    start = walk_price(REFERENCE, ticker, T0)
    for minute in range(1, 600):
        at = T0 + timedelta(minutes=minute)
        if (price := walk_price(REFERENCE, ticker, at)) < start:
            return price, at
    raise AssertionError(f"{ticker} never dips")


@pytest.fixture
def aws(trading_aws: TradingAws) -> Iterator[TradingAws]:
    order_book.build.cache_clear()
    post_trade.build.cache_clear()
    trading_aws.put_customer(CUSTOMER, str(START))
    for ticker in ("COIN", "AAPL"):
        trading_aws.market_data_table.put_item(Item={**summary_key(ticker), "Ticker": ticker, "Price": REFERENCE})
    yield trading_aws
    order_book.build.cache_clear()
    post_trade.build.cache_clear()


def run(monkeypatch: pytest.MonkeyPatch, at: datetime, event: dict[str, Any] | None = None) -> dict[str, Any]:
    monkeypatch.setattr(order_book, "utc_now", lambda: at)
    return order_book.lambda_handler(event or SCHEDULED_EVENT, lambda_context("order_book"))


def sent(aws: TradingAws) -> list[tuple[str, dict[str, Any]]]:
    """(poolType, order) of each order the book put on the bus."""
    return [
        (detail["poolType"], order)
        for source, detail_type, detail in aws.bus.drain()
        if (source, detail_type) == ("SmartOrderRouter", "Orders") and "poolType" in detail
        for order in detail["orders"]
    ]


def settle(orders: list[dict[str, Any]], bus_type: str) -> None:
    """The lit pool fills what it got and post-trade settles it."""
    filled = trades([ChildOrder.from_wire(order) for order in orders])
    detail = {"postTrade": "True", "trades": [trade.to_wire() for trade in filled]}
    post_trade.lambda_handler(
        bus_delivery(detail, bus_type, source="LitPoolMatchingEngine", detail_type="Trades"), FakeContext("post_trade")
    )


def test_a_resting_buy_fills_when_the_market_comes_down_to_its_limit(
    aws: TradingAws, bus_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit, dip = first_dip("COIN")
    assert walk_price(REFERENCE, "COIN", T0) > limit  # not marketable when placed
    _, (child,) = rest(aws, children=1, ticker="COIN", price=limit)

    assert run(monkeypatch, T0)["sent"] == []
    assert sent(aws) == []
    assert run(monkeypatch, dip)["sent"] == [child.order_id]

    ((pool, order),) = sent(aws)
    assert (pool, order["orderId"], order["marketPrice"], order["pricedAt"]) == (
        "Lit",
        child.order_id,
        f"{limit:.2f}",
        to_iso(dip),
    )
    assert status(aws, child.order_id) == ("OPEN", True)  # until settlement moves it
    settle([order], bus_type)
    assert status(aws, child.order_id) == ("FILLED", False)
    (stored,) = stored_trades(aws.scan())
    assert (stored.price, stored.trade_date) == (limit, to_iso(dip))
    assert run(monkeypatch, dip + timedelta(minutes=1))["examined"] == 0  # the index no longer has it


def test_a_market_data_update_re_evaluates_its_tickers_only(
    aws: TradingAws, bus_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    aapl_limit, aapl_dip = first_dip("AAPL")
    _, (aapl,) = rest(aws, parent=1, children=1, ticker="AAPL", price=aapl_limit)
    _, (coin,) = rest(aws, parent=2, children=1, ticker="COIN", price=Decimal("500.00"))  # marketable

    result = run(monkeypatch, aapl_dip, {"tickers": ["AAPL"]})

    assert (result["examined"], result["sent"]) == (1, [aapl.order_id])
    assert [(pool, order["orderId"]) for pool, order in sent(aws)] == [("Dark", aapl.order_id)]
    assert status(aws, coin.order_id) == ("OPEN", True)


def test_a_day_order_expires_at_its_close_releasing_its_reservation(
    aws: TradingAws, bus_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, day = rest(aws, parent=1, children=2, price=Decimal("1.00"))
    _, (gtc,) = rest(aws, parent=2, children=1, price=Decimal("1.00"), expires_at=None)
    close = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)

    assert run(monkeypatch, close - timedelta(milliseconds=1))["expired"] == []
    result = run(monkeypatch, close)

    assert sorted(result["expired"]) == sorted(child.order_id for child in day)
    assert [status(aws, child.order_id) for child in day] == [("EXPIRED", False)] * 2
    assert status(aws, gtc.order_id) == ("OPEN", True)
    assert funds(aws) == (START - gtc.reserved_amount, gtc.reserved_amount)  # exactly the DAY orders' back
    assert sent(aws) == []
    assert run(monkeypatch, close + timedelta(minutes=1))["examined"] == 1  # the GTC one only
