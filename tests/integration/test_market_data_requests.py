"""The router asks for the market data of stale tickers only, in either mode (a ticker with none is looked up
synchronously first, so it is fresh); orders are priced at the one market price (the stored quote, else the
latest close, walked to the order's instant) and the pools fill at it (moto)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from lambdas.order_router import handler as router
from tests.integration.api_events import api_event, json_body, lambda_context
from tests.integration.conftest import TradingAws
from tests.integration.flow import OrderFlow, reset_handlers
from tests.integration.quote_lookup import QuoteSummaryFunction, install_quote_summary
from tests.seed import SEED_ORDER
from trading_core.common.clock import parse_iso, utc_now
from trading_core.contracts import STEP_FUNCTIONS_MODE
from trading_core.market.walk import walk_price
from trading_core.market_data.model import PriceBar
from trading_core.market_data.providers.offline import OfflineProvider
from trading_core.market_data.requests import execution_name
from trading_core.market_data.step_functions import StepFunctionsStarter
from trading_core.market_data.store import DEFAULT_MAX_AGE, MarketDataStore
from trading_core.market_data.synthetic import synthetic_price
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


def store_stale_summary(aws: TradingAws, ticker: str) -> None:
    """A summary written longer ago than `DEFAULT_MAX_AGE`: it prices orders, and is asked to be refreshed."""
    store = MarketDataStore(aws.market_data_table, clock=lambda: utc_now() - DEFAULT_MAX_AGE - timedelta(1))
    store.put_summary(OfflineProvider().quote_summary(ticker))


@pytest.fixture
def quote_summary(aws: TradingAws, monkeypatch: pytest.MonkeyPatch) -> QuoteSummaryFunction:
    return install_quote_summary(monkeypatch)


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
    store_stale_summary(aws, "COIN")
    store_stale_summary(aws, "AAPL")

    body = post([SEED_ORDER, {**SEED_ORDER, "ticker": "MSFT"}, {**SEED_ORDER, "ticker": "AAPL", "quantity": 10}])

    assert len(body["orders"]) == 19 and body["invalidOrders"] == []
    assert aws.bus.market_data_requests() == [{"tickers": ["AAPL", "COIN"]}]
    assert aws.workflow_b_executions() == []
    # The order flow went on the configured transport as before; the request is not part of it.
    assert {(source, kind) for source, kind, _ in aws.bus.drain()} == {("SmartOrderRouter", "Orders")}


def test_step_function_mode_starts_workflow_b_with_the_stale_tickers(aws: TradingAws) -> None:
    aws.set_market_data_invoke_mode(STEP_FUNCTIONS_MODE)
    store_fresh_summary(aws, "MSFT")
    store_stale_summary(aws, "COIN")
    store_stale_summary(aws, "AAPL")

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


def test_a_ticker_without_market_data_is_looked_up_synchronously_and_then_fresh(
    aws: TradingAws, quote_summary: QuoteSummaryFunction
) -> None:
    body = post([SEED_ORDER, {**SEED_ORDER, "ticker": "KO", "quantity": 10}])

    assert body["invalidOrders"] == [] and len(body["orders"]) == 10
    assert quote_summary.invocations == [{"tickers": ["COIN", "KO"]}]
    assert not aws.market_data_store().is_stale("COIN", utc_now())
    assert aws.bus.market_data_requests() == []
    assert aws.workflow_b_executions() == []


def test_refused_orders_request_nothing(aws: TradingAws) -> None:
    store_stale_summary(aws, "COIN")

    post({**SEED_ORDER, "customerId": "000099"})

    assert aws.bus.market_data_requests() == []


def test_a_warm_router_asks_once_for_a_ticker(aws: TradingAws) -> None:
    store_stale_summary(aws, "COIN")

    post(SEED_ORDER)
    post({**SEED_ORDER, "quantity": 10})

    assert aws.bus.market_data_requests() == [{"tickers": ["COIN"]}]


def test_a_failed_request_is_counted_and_the_orders_stand(aws: TradingAws, capsys: pytest.CaptureFixture[str]) -> None:
    store_stale_summary(aws, "COIN")
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


# --- the one market price ---------------------------------------------------------------------------


def test_router_and_pools_agree_on_the_price_of_a_market_buy(aws: TradingAws, bus_type: str) -> None:
    for ticker in ("COIN", "AAPL"):  # a lit-pool and a dark-pool ticker (dev parameters); no quote stored
        store_history(aws, ticker)
    flow = OrderFlow(aws, bus_type)
    market_buy = {"customerId": "000002", "direction": "Buy", "type": "Market", "quantity": 1500}

    status, body = flow.post_orders([{**market_buy, "ticker": "COIN"}, {**market_buy, "ticker": "AAPL"}])
    flow.run_until_idle()

    assert status == 200 and body["invalidOrders"] == []
    # the reference is the latest close; the market price that close walked to the order's instant
    market = {
        child["ticker"]: walk_price(LATEST_CLOSE, child["ticker"], parse_iso(child["orderDate"]))
        for child in body["orders"]
    }
    for child in body["orders"]:
        assert child["marketPrice"] == str(market[child["ticker"]]) and child["pricedAt"] == child["orderDate"]
        assert child["protectionPrice"] == str(protection_price(market[child["ticker"]]))
    status, trades = flow.get("/trades/000002", {"tradeDate": utc_now().strftime("%Y-%m-%d")})
    assert status == 200
    assert sorted(trade["orderId"] for trade in trades["trades"]) == sorted(c["orderId"] for c in body["orders"])
    order_dates = {child["orderId"]: child["orderDate"] for child in body["orders"]}
    for trade in trades["trades"]:
        assert trade["price"] == str(market[trade["ticker"]])
        assert trade["tradeDate"] == order_dates[trade["orderId"]]  # dated when it was priced
    assert {trade["exchangeType"] for trade in trades["trades"]} >= {"LitPool"}


def test_a_stale_quote_still_prices_before_the_close_and_is_requested(aws: TradingAws) -> None:
    """Old data is still the best price there is: the stored quote comes before the latest close; the router
    asks for newer data all the same."""
    store_history(aws, "COIN")
    store_stale_summary(aws, "COIN")
    quote = OfflineProvider().quote_summary("COIN").price
    assert quote != LATEST_CLOSE

    body = post({"customerId": "000002", "direction": "Buy", "ticker": "COIN", "type": "Market", "quantity": 10})

    [child] = body["orders"]
    market = walk_price(quote, "COIN", parse_iso(child["orderDate"]))
    assert (child["marketPrice"], child["protectionPrice"]) == (str(market), str(protection_price(market)))
    assert aws.bus.market_data_requests() == [{"tickers": ["COIN"]}]
