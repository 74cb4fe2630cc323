"""The offline provider answers for listed tickers only, as Yahoo does: an order for a symbol nobody lists
is refused `unknown ticker` locally as in the cloud."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from trading_core.market_data.model import TickerNotFound
from trading_core.market_data.providers.offline import OfflineProvider
from trading_core.market_data.providers.offline_universe import OFFLINE_TICKERS

PROVIDER = OfflineProvider(clock=lambda: datetime(2026, 3, 4, 15, 0, tzinfo=UTC))


@pytest.mark.parametrize("ticker", ["NOTAREALTICKER", "coin", "ZZZZ", "COIN.X"])
def test_an_unlisted_ticker_has_no_quote_and_no_history(ticker: str) -> None:
    with pytest.raises(TickerNotFound, match=ticker.replace(".", r"\.")):
        PROVIDER.quote_summary(ticker)
    assert PROVIDER.history(ticker, date(2026, 2, 2), date(2026, 2, 27)) == []


def test_the_tickers_every_test_and_the_readme_trade_are_listed() -> None:
    traded = {"COIN", "AAPL", "MSFT", "TSLA", "IBM", "SHOP", "HOOD", "KO", "NFLX", "ADBE", "ORCL", "INTC", "MU"}
    assert traded <= OFFLINE_TICKERS
    assert "NOTAREALTICKER" not in OFFLINE_TICKERS


@pytest.mark.parametrize("ticker", sorted(OFFLINE_TICKERS))
def test_every_listed_ticker_has_a_quote_and_history(ticker: str) -> None:
    quote = PROVIDER.quote_summary(ticker)
    assert quote.ticker == ticker and quote.price > 0
    assert len(PROVIDER.history(ticker, date(2026, 2, 2), date(2026, 2, 27))) == 20
