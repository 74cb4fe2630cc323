"""The router's synchronous ticker lookup in the moto world, and the market prices tests expect.

moto runs no Lambda function in-process, so the Lambda client the router invokes the quote-summary
function with is replaced by `QuoteSummaryFunction`, which runs `lambdas.quote_summary.handler` (the
offline provider, storing into the moto MarketData table) in-process and answers as Lambda would. The
rest of the path is the deployed one: the router reads the MarketData table, invokes the function for
tickers it holds nothing of, refuses `unknown ticker` for those the provider does not list.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import boto3
import pytest

from tests.integration.api_events import lambda_context
from trading_core.contracts import (
    MARKET_DATA_BUCKET_ENV,
    MARKET_DATA_PROVIDER_ENV,
    OFFLINE_PROVIDER,
    TICKER_LOOKUP_FUNCTION_ENV,
)
from trading_core.market.price import MarketPrices
from trading_core.market_data.model import QuoteSummary
from trading_core.market_data.store import MarketDataStore

QUOTE_SUMMARY_FUNCTION: Final = "trading-system-dev-quote-summary"
MARKET_DATA_BUCKET: Final = "trading-system-dev-market-data-bucket"


class QuoteSummaryFunction:
    """A Lambda client whose `invoke` of the quote-summary function runs its handler in-process."""

    def __init__(self, function_name: str = QUOTE_SUMMARY_FUNCTION) -> None:
        self.function_name = function_name
        self.invocations: list[dict[str, Any]] = []
        self.fail = False

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:
        from lambdas.quote_summary import handler

        assert (FunctionName, InvocationType) == (self.function_name, "RequestResponse")
        event = json.loads(Payload)
        self.invocations.append(event)
        if self.fail:
            error = {"errorMessage": "Task timed out after 10.00 seconds", "errorType": "Sandbox.Timedout"}
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": io.BytesIO(json.dumps(error).encode())}
        result = handler.lambda_handler(event, lambda_context("quote_summary"))
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(result).encode())}


def install_quote_summary(monkeypatch: pytest.MonkeyPatch) -> QuoteSummaryFunction:
    """Inside mock_aws: the function's environment and bucket, and the router's lookup through it.

    Returns the fake so a test can read its invocations; installing again replaces it."""
    from lambdas.order_router import handler as router
    from lambdas.quote_summary import handler as quote_summary
    from trading_core.orders.ticker_lookup import FunctionTickerLookup

    s3 = boto3.client("s3", region_name="us-east-1")
    if MARKET_DATA_BUCKET not in {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=MARKET_DATA_BUCKET)
    for name, value in {
        TICKER_LOOKUP_FUNCTION_ENV: QUOTE_SUMMARY_FUNCTION,
        MARKET_DATA_BUCKET_ENV: MARKET_DATA_BUCKET,
        MARKET_DATA_PROVIDER_ENV: OFFLINE_PROVIDER,
    }.items():
        monkeypatch.setenv(name, value)
    function = QuoteSummaryFunction()
    monkeypatch.setattr(router, "FunctionTickerLookup", lambda client, name: FunctionTickerLookup(function, name))
    quote_summary.build.cache_clear()
    router.build.cache_clear()
    return function


def store_quote(market_data_table: Any, ticker: str, price: str, *, updated: datetime | None = None) -> Decimal:
    """A stored quote summary, as the quote-summary function writes it (`updated`: when, default now);
    returns its price."""
    summary = QuoteSummary(ticker=ticker, name=ticker, currency="USD", exchange="NMS", price=Decimal(price))
    store = (
        MarketDataStore(market_data_table) if updated is None else MarketDataStore(market_data_table, lambda: updated)
    )
    store.put_summary(summary)
    return Decimal(price)


def market_price(market_data_table: Any, ticker: str, at: datetime) -> Decimal:
    """The market price every component must use for `ticker` at `at`, from what the table holds."""
    quote = MarketPrices(MarketDataStore(market_data_table).reference_prices).quote(ticker, at)
    assert quote is not None, f"no market data stored for {ticker}"
    return quote.price
