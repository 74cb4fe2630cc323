"""The one market price per ticker and instant (docs/architecture.md §3 "Market price").

price(ticker, t) = the ticker's reference price (its stored quote, else its latest stored close) moved
by the day's deterministic walk (`market.walk`). The router (marketability, reservations of market
buys), the order book (re-evaluating resting orders) and the data API use this class; the pools fill at
the price the order carries, which came from it.

A ticker with no stored market data has no price: the router then looks it up with the provider
before accepting the order (`orders.ticker_lookup`), and refuses it as `unknown ticker` if the
provider does not know it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from trading_core.common.clock import to_iso
from trading_core.market.walk import walk_price
from trading_core.model.child_order import Direction

# A warm function keeps a ticker's reference price this long (quotes are refreshed every few hours).
REFERENCE_TTL_SECONDS: Final = 30.0


class ReferenceLookup(Protocol):
    def __call__(self, tickers: list[str], *, consistent: bool = False) -> Mapping[str, Decimal]:
        """Reference prices of the tickers that have one (`MarketDataStore.reference_prices`), read eventually
        consistent unless told."""
        ...


class PriceUnavailable(RuntimeError):
    """The stored market data could not be read: never replaced by a made-up price (callers retry)."""


@dataclass(frozen=True)
class MarketQuote:
    ticker: str
    price: Decimal
    at: str


class MarketPrices:
    """Market prices from stored reference prices, each remembered `ttl_seconds` per warm function.

    References are read eventually consistent (half the read units; a quote is a snapshot of a market that has
    moved since, so one a read misses for a moment prices as the quote before it), except those just forgotten
    because a new quote was stored: the next read of them is consistent, so a ticker looked up a moment ago is
    priced by its new quote, not refused for want of one."""

    def __init__(
        self,
        reference: ReferenceLookup,
        *,
        ttl_seconds: float = REFERENCE_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._reference = reference
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, Decimal]] = {}
        self._stored_since: set[str] = set()  # forgotten after a new quote was stored: read consistently next

    def references(self, tickers: Iterable[str]) -> dict[str, Decimal]:
        """The reference price of each ticker that has one, in one lookup for those not cached (and one more,
        consistent, for those just forgotten)."""
        now = self._monotonic()
        wanted = list(dict.fromkeys(tickers))
        missing = [t for t in wanted if t not in self._cache or now - self._cache[t][0] >= self._ttl]
        stored_since = [t for t in missing if t in self._stored_since]
        try:
            found = {
                **self._read([t for t in missing if t not in self._stored_since], consistent=False),
                **self._read(stored_since, consistent=True),
            }
        except (ClientError, BotoCoreError) as error:
            raise PriceUnavailable(f"could not read the market data of {', '.join(missing)}: {error}") from error
        self._cache.update({ticker: (now, price) for ticker, price in found.items()})
        self._stored_since.difference_update(stored_since)
        return {t: self._cache[t][1] for t in wanted if t in self._cache}

    def _read(self, tickers: list[str], *, consistent: bool) -> Mapping[str, Decimal]:
        return self._reference(tickers, consistent=consistent) if tickers else {}

    def quote(self, ticker: str, at: datetime) -> MarketQuote | None:
        """The market price of `ticker` at `at`, or None if no market data of it is stored."""
        reference = self.references([ticker]).get(ticker)
        if reference is None:
            return None
        return MarketQuote(ticker, walk_price(reference, ticker, at), to_iso(at))

    def forget(self, tickers: Iterable[str]) -> None:
        """Drop cached references (after a lookup stored new ones, or a MarketDataUpdate)."""
        for ticker in tickers:
            self._cache.pop(ticker, None)
            self._stored_since.add(ticker)


def is_marketable(direction: Direction, limit: Decimal | None, market: Decimal) -> bool:
    """A market order always is; a limit buy when the market is at or below its limit, a limit sell
    when it is at or above."""
    if limit is None:
        return True
    return market <= limit if direction is Direction.BUY else market >= limit
