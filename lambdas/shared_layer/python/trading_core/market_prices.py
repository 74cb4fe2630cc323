"""The reference price of market orders from stored market data (DESIGN §2 "Lit pool", issue #4).

The router (protection price of market buys), the dark pool and the lit pool all price a market order
with `reference_price_from_env()`: the latest stored close of the ticker in the MarketData table
(`MARKET_DATA_TABLE_NAME`), else `pricing.synthetic_price`, remembered briefly per warm function
(`pricing.CachedReferencePrice`). So the three agree on the
price of a market order.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from botocore.exceptions import BotoCoreError, ClientError

from trading_core.market_data import store_from_env
from trading_core.pricing import CachedReferencePrice, PriceUnavailable, ReferencePrice, synthetic_price


class StoredClose:
    """The latest stored close (or None) whose AWS failures become `PriceUnavailable`, so callers can
    tell "the table did not answer" (retry) from a bug, and never fall back to a made-up price."""

    def __init__(self, latest_close: Callable[[str], Decimal | None]) -> None:
        self._latest_close = latest_close

    def __call__(self, ticker: str) -> Decimal | None:
        try:
            return self._latest_close(ticker)
        except (ClientError, BotoCoreError) as error:
            raise PriceUnavailable(f"no reference price for {ticker}: {error}") from error


def reference_price_from_env() -> ReferencePrice:
    return CachedReferencePrice(StoredClose(store_from_env().latest_close), synthetic_price)
