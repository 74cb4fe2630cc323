"""The router asks for the market data of stale tickers only, in either mode; market orders are priced
at the latest stored close by the router, the dark pool and the lit pool alike (moto)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from lambdas.dark_pool import handler as dark_pool
from lambdas.lit_pool import handler as lit_pool
from lambdas.order_router import handler as router
from tests.integration.api_events import api_event, json_body, lambda_context
from tests.integration.conftest import TradingAws
from tests.integration.flow import OrderFlow, reset_handlers
from tests.integration.stream_events import FakeContext, bus_delivery
from tests.seed import SEED_ORDER
from tests.trade_samples import child_order
from trading_core.common.clock import utc_now
from trading_core.contracts import STEP_FUNCTIONS_MODE
from trading_core.market_data.model import PriceBar
from trading_core.market_data.providers.offline import OfflineProvider
from trading_core.market_data.requests import execution_name
from trading_core.market_data.step_functions import StepFunctionsStarter
from trading_core.market_data.store import DEFAULT_MAX_AGE, MarketDataStore
from trading_core.market_data.synthetic import synthetic_price
from trading_core.model.child_order import Direction, OrderType
from trading_core.model.trade import Trade
from trading_core.pools.pricing import protection_price

LATEST_CLOSE = Decimal("123.45")


@pytest.fixture
def aws(trading_aws: TradingAws) -> Iterator[TradingAws]:
    reset_handlers()
    trading_aws.put_customer("000002", funds="10000000.00")
    yield trading_aws
    reset_handlers()


def post(body: Any) -> dict[str, Any]:
    response = router.lambda_handler(api_event("POST", "/orders", body=body), lambda_context("order_router"))
    assert response["statusCode"] == 200, response
    return dict(json_body(response))


def store_fresh_summary(aws: TradingAws, ticker: str) -> None:
    """A summary written now: the ticker's data is fresh for `DEFAULT_MAX_AGE`."""
    aws.market_data_store().put_summary(OfflineProvider().quote_summary(ticker))


def store_history(aws: TradingAws, ticker: str) -> None:
    """Two daily bars, the latest closing at `LATEST_CLOSE` (far from the synthetic price)."""
    assert abs(synthetic_price(ticker) - LATEST_CLOSE) > 1
    bar = PriceBar(
        ticker=ticker,
        day="2026-03-02",
        open=Decimal("118.00"),
        high=Decimal("121.00"),
        low=Decimal("117.50"),
        close=Decimal("120.00"),
        adj_close=Decimal("120.00"),
        volume=1_000_000,
    )
    latest = dataclasses.replace(bar, day="2026-03-03", close=LATEST_CLOSE, adj_close=LATEST_CLOSE)
    aws.market_data_store().put_history(ticker, [bar, latest])


# --- requests ---------------------------------------------------------------------------------------


def test_eventbridge_mode_puts_a_market_data_event_for_stale_tickers_whatever_the_bus_type(
    aws: TradingAws, bus_type: str
) -> None:
    store_fresh_summary(aws, "MSFT")

    body = post([SEED_ORDER, {**SEED_ORDER, "ticker": "MSFT"}, {**SEED_ORDER, "ticker": "AAPL", "quantity": 10}])

    assert len(body["orders"]) == 19 and body["invalidOrders"] == []
    assert aws.bus.market_data_requests() == [{"tickers": ["AAPL", "COIN"]}]
    assert aws.workflow_b_executions() == []
    # The order flow went on the configured transport as before; the request is not part of it.
    assert {(source, kind) for source, kind, _ in aws.bus.drain()} == {("SmartOrderRouter", "Orders")}


def test_step_function_mode_starts_workflow_b_with_the_stale_tickers(aws: TradingAws) -> None:
    aws.set_market_data_invoke_mode(STEP_FUNCTIONS_MODE)
    store_fresh_summary(aws, "MSFT")

    post([SEED_ORDER, {**SEED_ORDER, "ticker": "MSFT"}, {**SEED_ORDER, "ticker": "AAPL", "quantity": 10}])

    [execution] = aws.workflow_b_executions()
    assert execution["input"] == {"detail": {"tickers": [{"ticker": "AAPL"}, {"ticker": "COIN"}]}}
    assert execution["name"].startswith("sor-")
    assert aws.bus.market_data_requests() == []


def test_fresh_tickers_trigger_nothing(aws: TradingAws) -> None:
    for ticker in ("COIN", "AAPL"):
        store_fresh_summary(aws, ticker)

    post([SEED_ORDER, {**SEED_ORDER, "ticker": "AAPL", "quantity": 10}])
    aws.set_market_data_invoke_mode(STEP_FUNCTIONS_MODE)
    post(SEED_ORDER)

    assert aws.bus.market_data_requests() == []
    assert aws.workflow_b_executions() == []


def test_refused_orders_request_nothing(aws: TradingAws) -> None:
    post({**SEED_ORDER, "customerId": "000099"})

    assert aws.bus.market_data_requests() == []


def test_a_warm_router_asks_once_for_a_ticker(aws: TradingAws) -> None:
    post(SEED_ORDER)
    post({**SEED_ORDER, "quantity": 10})

    assert aws.bus.market_data_requests() == [{"tickers": ["COIN"]}]


def test_a_failed_request_is_counted_and_the_orders_stand(aws: TradingAws, capsys: pytest.CaptureFixture[str]) -> None:
    aws.set_market_data_invoke_mode(STEP_FUNCTIONS_MODE)
    aws.stepfunctions.delete_state_machine(stateMachineArn=aws.workflow_b_arn)
    capsys.readouterr()

    body = post(SEED_ORDER)

    assert len(body["orders"]) == 9 and body["invalidOrders"] == []
    [(_, _, detail)] = aws.bus.drain()
    assert len(detail["orders"]) == 9
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [metrics["MarketDataRequestFailures"] for metrics in emitted] == [[1.0]]


def test_an_execution_already_started_for_the_same_tickers_and_minute_is_a_success(aws: TradingAws) -> None:
    name = execution_name(["COIN"], utc_now())
    starter = StepFunctionsStarter(lambda: boto3.client("stepfunctions"), aws.workflow_b_arn)
    starter(name, '{"detail":{"tickers":[{"ticker":"COIN"}]}}')
    [listed] = aws.stepfunctions.list_executions(stateMachineArn=aws.workflow_b_arn)["executions"]
    aws.stepfunctions.stop_execution(executionArn=listed["executionArn"])  # finished: a restart is refused

    starter(name, '{"detail":{"tickers":[{"ticker":"COIN"}]}}')

    assert [execution["name"] for execution in aws.workflow_b_executions()] == [name]


# --- the reference price of market orders ----------------------------------------------------------


def test_lit_pool_market_orders_fill_at_the_latest_close(aws: TradingAws, bus_type: str) -> None:
    store_history(aws, "COIN")
    orders = [
        child_order(1, ticker="COIN", order_type=OrderType.MARKET, direction=Direction.SELL),
        dataclasses.replace(
            child_order(2, ticker="COIN", order_type=OrderType.MARKET),
            protection_price=protection_price(LATEST_CLOSE),
        ),
        child_order(3, ticker="COIN", price=Decimal("99.99")),
        child_order(4, ticker="IBM", order_type=OrderType.MARKET, direction=Direction.SELL),  # no history
    ]
    detail = {"poolType": "Lit", "orders": [order.to_wire() for order in orders]}

    event = bus_delivery(detail, bus_type, source="SmartOrderRouter", detail_type="Orders")
    lit_pool.lambda_handler(event, FakeContext("lit_pool"))

    trades = {t.order_id: t for _, _, d in aws.bus.drain() for t in map(Trade.from_wire, d["trades"])}
    assert [trades[order.order_id].price for order in orders] == [
        LATEST_CLOSE,
        LATEST_CLOSE,
        Decimal("99.99"),
        synthetic_price("IBM"),
    ]


def test_dark_pool_market_orders_fill_at_the_latest_close(aws: TradingAws) -> None:
    store_history(aws, "AAPL")
    orders = [child_order(n, ticker="AAPL", order_type=OrderType.MARKET, direction=Direction.SELL) for n in range(20)]
    detail = {"poolType": "Dark", "orders": [order.to_wire() for order in orders]}

    dark_pool.lambda_handler(detail, FakeContext("dark_pool"))

    trades = [Trade.from_wire(t) for _, kind, d in aws.bus.drain() if kind == "Trades" for t in d["trades"]]
    assert trades
    assert {trade.price for trade in trades} == {LATEST_CLOSE}


def test_router_and_pools_agree_on_the_price_of_a_market_buy(aws: TradingAws, bus_type: str) -> None:
    for ticker in ("COIN", "AAPL"):  # a lit-pool and a dark-pool ticker (dev parameters)
        store_history(aws, ticker)
    flow = OrderFlow(aws, bus_type)
    market_buy = {"customerId": "000002", "direction": "Buy", "type": "Market", "quantity": 1500}

    status, body = flow.post_orders([{**market_buy, "ticker": "COIN"}, {**market_buy, "ticker": "AAPL"}])
    flow.run_until_idle()

    assert status == 200 and body["invalidOrders"] == []
    assert {child["protectionPrice"] for child in body["orders"]} == {str(protection_price(LATEST_CLOSE))}
    status, trades = flow.get("/trades/000002", {"tradeDate": utc_now().strftime("%Y-%m-%d")})
    assert status == 200
    assert sorted(trade["orderId"] for trade in trades["trades"]) == sorted(c["orderId"] for c in body["orders"])
    assert {trade["price"] for trade in trades["trades"]} == {str(LATEST_CLOSE)}


def test_stale_summary_with_history_still_prices_and_is_requested(aws: TradingAws) -> None:
    """Old data is still the best price there is; the router asks for newer data all the same."""
    store_history(aws, "COIN")
    store = MarketDataStore(aws.market_data_table, clock=lambda: utc_now() - DEFAULT_MAX_AGE - timedelta(1))
    store.put_summary(OfflineProvider().quote_summary("COIN"))

    body = post({"customerId": "000002", "direction": "Buy", "ticker": "COIN", "type": "Market", "quantity": 10})

    assert body["orders"][0]["protectionPrice"] == str(protection_price(LATEST_CLOSE))
    assert aws.bus.market_data_requests() == [{"tickers": ["COIN"]}]
