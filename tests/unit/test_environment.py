"""Each function's environment is checked when its composition root first runs: a missing or malformed
variable fails that invocation with a message naming the variable (docs/contracts.md "Functions")."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from trading_core import contracts
from trading_core.common.environment import (
    InvalidEnvironment,
    MarketDataFetchEnvironment,
    OrderBookEnvironment,
    OrderRouterEnvironment,
    load,
)

# What the constructs set, per function: the variables its code reads.
ENVIRONMENTS: dict[str, dict[str, str]] = {
    contracts.ORDER_ROUTER_FUNCTION: {
        contracts.TRADES_TABLE_ENV: "trades",
        contracts.IDEMPOTENCY_TABLE_ENV: "idempotency",
        contracts.PARAMETER_PREFIX_ENV: "/trading-system/dev",
        contracts.EVENT_BUS_ENV: "bus",
        contracts.ORDERS_TOPIC_ENV: "arn:aws:sns:us-east-1:123456789012:orders",
        contracts.MARKET_DATA_TABLE_ENV: "market-data",
        contracts.TICKER_MAP_WORKFLOW_ENV: "arn:aws:states:us-east-1:123456789012:stateMachine:map",
        contracts.TICKER_LOOKUP_FUNCTION_ENV: "trading-system-dev-quote-summary",
    },
    contracts.DARK_POOL_FUNCTION: {
        contracts.PARAMETER_PREFIX_ENV: "/trading-system/dev",
        contracts.EVENT_BUS_ENV: "bus",
        contracts.ORDERS_TOPIC_ENV: "arn:aws:sns:us-east-1:123456789012:orders",
    },
    contracts.ORDER_BOOK_FUNCTION: {
        contracts.TRADES_TABLE_ENV: "trades",
        contracts.MARKET_DATA_TABLE_ENV: "market-data",
        contracts.PARAMETER_PREFIX_ENV: "/trading-system/dev",
        contracts.EVENT_BUS_ENV: "bus",
        contracts.ORDERS_TOPIC_ENV: "arn:aws:sns:us-east-1:123456789012:orders",
    },
    contracts.ORDER_CANCELLER_FUNCTION: {contracts.TRADES_TABLE_ENV: "trades"},
    contracts.POST_TRADE_FUNCTION: {contracts.TRADES_TABLE_ENV: "trades"},
    contracts.TRADE_ARCHIVER_FUNCTION: {
        contracts.TRADES_BUCKET_ENV: "trades-bucket",
        contracts.PARAMETER_PREFIX_ENV: "/trading-system/dev",
        contracts.EVENT_BUS_ENV: "bus",
        contracts.ORDERS_TOPIC_ENV: "arn:aws:sns:us-east-1:123456789012:orders",
    },
    contracts.AGGREGATOR_FUNCTION: {contracts.TRADES_TABLE_ENV: "trades"},
    contracts.STORAGE_ANALYZER_FUNCTION: {contracts.TRADES_TABLE_ENV: "trades"},
    contracts.FUNDS_RAISER_FUNCTION: {
        contracts.TRADES_TABLE_ENV: "trades",
        contracts.PARAMETER_PREFIX_ENV: "/trading-system/dev",
    },
    contracts.DATA_API_FUNCTION: {
        contracts.TRADES_TABLE_ENV: "trades",
        contracts.MARKET_DATA_TABLE_ENV: "market-data",
    },
    contracts.QUOTE_SUMMARY_FUNCTION: {
        contracts.MARKET_DATA_TABLE_ENV: "market-data",
        contracts.MARKET_DATA_BUCKET_ENV: "market-data-bucket",
    },
    contracts.MARKET_DATA_API_FUNCTION: {contracts.MARKET_DATA_TABLE_ENV: "market-data"},
    contracts.NO_DATA_NOTIFIER_FUNCTION: {contracts.EVENT_BUS_ENV: "bus"},
}
ENVIRONMENTS[contracts.LIT_POOL_FUNCTION] = ENVIRONMENTS[contracts.DARK_POOL_FUNCTION]
ENVIRONMENTS[contracts.HISTORICAL_DATA_FUNCTION] = ENVIRONMENTS[contracts.QUOTE_SUMMARY_FUNCTION]
ENVIRONMENTS[contracts.MARKET_DATA_FETCHER_FUNCTION] = ENVIRONMENTS[contracts.QUOTE_SUMMARY_FUNCTION]
ALL_VARIABLES = sorted({name for environment in ENVIRONMENTS.values() for name in environment})


def handler(function: str) -> ModuleType:
    return importlib.import_module(f"lambdas.{function}.handler")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No variable of the contract set; every handler's composition root built anew."""
    for name in ALL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    clear()
    yield monkeypatch
    clear()


def clear() -> None:
    for function in [*ENVIRONMENTS, contracts.CUSTOMER_SEEDER_FUNCTION]:
        handler(function).build.cache_clear()


@pytest.mark.parametrize(
    ("function", "missing"),
    [(function, name) for function, variables in sorted(ENVIRONMENTS.items()) for name in sorted(variables)],
)
def test_a_missing_variable_fails_the_first_invocation_naming_it(
    environment: pytest.MonkeyPatch, function: str, missing: str
) -> None:
    for name, value in ENVIRONMENTS[function].items():
        if name != missing:
            environment.setenv(name, value)

    with pytest.raises(InvalidEnvironment, match=f"environment variable {missing} is not set"):
        handler(function).build()


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(InvalidEnvironment) as raised:
        load(OrderBookEnvironment, {contracts.PARAMETER_PREFIX_ENV: "trading-system/dev"})

    assert raised.value.problems == [
        "environment variable TRADES_TABLE_NAME is not set",
        "environment variable MARKET_DATA_TABLE_NAME is not set",
        "environment variable PARAMETER_PREFIX='trading-system/dev' must start with '/'",
        "environment variable EVENT_BUS_NAME is not set",
        "environment variable ORDERS_TOPIC_ARN is not set",
    ]
    assert str(raised.value).startswith("OrderBookEnvironment: environment variable TRADES_TABLE_NAME")


def test_a_complete_environment_is_read_into_the_model() -> None:
    router = load(OrderRouterEnvironment, {**ENVIRONMENTS[contracts.ORDER_ROUTER_FUNCTION], "UNRELATED": "x"})

    assert router.trades_table == "trades"
    assert router.parameter_prefix == "/trading-system/dev"
    assert router.ticker_map_workflow.endswith(":map")


@pytest.mark.parametrize(
    ("value", "provider"), [(None, "yfinance"), ("offline", "offline"), (" YFinance ", "yfinance")]
)
def test_the_market_data_provider_defaults_to_yfinance(value: str | None, provider: str) -> None:
    environ = dict(ENVIRONMENTS[contracts.QUOTE_SUMMARY_FUNCTION])
    if value is not None:
        environ[contracts.MARKET_DATA_PROVIDER_ENV] = value

    assert load(MarketDataFetchEnvironment, environ).provider == provider


def test_an_unknown_market_data_provider_is_refused() -> None:
    environ = {**ENVIRONMENTS[contracts.QUOTE_SUMMARY_FUNCTION], contracts.MARKET_DATA_PROVIDER_ENV: "bloomberg"}

    with pytest.raises(InvalidEnvironment, match="MARKET_DATA_PROVIDER='bloomberg' expected one of offline, yfinance"):
        load(MarketDataFetchEnvironment, environ)


def test_the_customer_seeder_answers_failed_naming_the_variable(environment: pytest.MonkeyPatch) -> None:
    sent: list[dict[str, Any]] = []
    event = {
        "RequestType": "Create",
        "ResponseURL": "https://example.invalid/signed",
        "LogicalResourceId": "Customers",
        "ResourceProperties": {},
    }

    answer = handler(contracts.CUSTOMER_SEEDER_FUNCTION).handle_custom_resource(
        event,
        seeder=handler(contracts.CUSTOMER_SEEDER_FUNCTION).build,
        now="2026-01-02T00:00:00.000Z",
        send=lambda url, body: sent.append(json.loads(body)),
    )

    assert answer["Status"] == "FAILED"
    assert "environment variable TRADES_TABLE_NAME is not set" in answer["Reason"]
    assert sent == [answer]
