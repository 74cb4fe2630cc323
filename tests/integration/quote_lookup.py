"""The router's synchronous ticker lookup in the moto world, and the market prices tests expect.

The Lambda client the router invokes the quote-summary function with is replaced by
`QuoteSummaryFunction` (`tests.integration.in_process_function`), which runs `lambdas.quote_summary.handler`
in-process. The
rest of the path is the deployed one: the router reads the MarketData table, invokes the function for
tickers it holds nothing of, refuses `unknown ticker` for those the provider does not list.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import pytest

from tests.integration.in_process_function import InProcessFunction, prepare_market_data_function
from trading_core.contracts import TICKER_LOOKUP_FUNCTION_ENV
from trading_core.market.price import MarketPrices
from trading_core.market_data.model import QuoteSummary
from trading_core.market_data.store import MarketDataStore

QUOTE_SUMMARY_FUNCTION: Final = "trading-system-dev-quote-summary"


class QuoteSummaryFunction(InProcessFunction):
    """The quote-summary function, run in-process."""

    def __init__(self, function_name: str = QUOTE_SUMMARY_FUNCTION) -> None:
        super().__init__(function_name, "quote_summary", timeout_seconds=10)


def install_quote_summary(monkeypatch: pytest.MonkeyPatch) -> QuoteSummaryFunction:
    """Inside mock_aws: the function's environment and bucket, and the router's lookup through it.

    Returns the fake so a test can read its invocations; installing again replaces it."""
    from lambdas.order_router import handler as router
    from lambdas.quote_summary import handler as quote_summary
    from trading_core.orders.ticker_lookup import FunctionTickerLookup

    prepare_market_data_function(monkeypatch, TICKER_LOOKUP_FUNCTION_ENV, QUOTE_SUMMARY_FUNCTION)
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
