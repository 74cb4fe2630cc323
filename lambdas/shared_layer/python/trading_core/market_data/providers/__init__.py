"""Market-data providers: `offline` (deterministic, the local cloud and the tests) and `yfinance` (the
cloud), chosen by `MARKET_DATA_PROVIDER`."""

from __future__ import annotations

from trading_core.contracts import MARKET_DATA_PROVIDER_ENV, MARKET_DATA_PROVIDERS, OFFLINE_PROVIDER, YFINANCE_PROVIDER
from trading_core.market_data.model import MarketDataProvider
from trading_core.market_data.providers.offline import OfflineProvider
from trading_core.market_data.providers.yfinance import YFinanceProvider


def provider_named(name: str) -> MarketDataProvider:
    if name == OFFLINE_PROVIDER:
        return OfflineProvider()
    if name == YFINANCE_PROVIDER:
        return YFinanceProvider()
    raise ValueError(f"{MARKET_DATA_PROVIDER_ENV}={name!r}; expected one of {', '.join(MARKET_DATA_PROVIDERS)}")
