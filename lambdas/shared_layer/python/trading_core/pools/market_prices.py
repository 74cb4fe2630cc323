"""The reference price of market orders from stored market data (docs/architecture.md §3).

The router (protection price of market buys), the dark pool and the lit pool all price a market order
with `reference_price(store.latest_close)`: the latest stored close of the ticker in the MarketData
table, else `synthetic_price`, remembered briefly per warm function (`CachedReferencePrice`). So the
three agree on the price of a market order.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from botocore.exceptions import BotoCoreError, ClientError

from trading_core.market_data.synthetic import synthetic_price
from trading_core.pools.pricing import CachedReferencePrice, PriceUnavailable, ReferencePrice


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


def reference_price(latest_close: Callable[[str], Decimal | None]) -> ReferencePrice:
    """`latest_close` is `MarketDataStore.latest_close`."""
    return CachedReferencePrice(StoredClose(latest_close), synthetic_price)
