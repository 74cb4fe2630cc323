"""Reference prices for market orders and the fee arithmetic shared by the router and the pools."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Final

from trading_core.ids import bounded_int
from trading_core.money import cents, cents_up

ReferencePrice = Callable[[str], Decimal]

# Market buys reserve funds at the reference price plus this collar, and never fill above it.
MARKET_ORDER_COLLAR = Decimal("0.10")
# How long a warm function keeps a ticker's reference price (see `CachedReferencePrice`).
REFERENCE_PRICE_TTL_SECONDS: Final = 60.0


class PriceUnavailable(RuntimeError):
    """The reference price could not be read (e.g. the MarketData table did not answer).

    Never replaced by a made-up price: the router refuses the order as retryable, a pool fails the
    invocation so the delivery is retried.
    """


class CachedReferencePrice:
    """Remembers each ticker's reference price for `ttl_seconds`, so a batch of child orders of one
    ticker costs one read, not one per order.

    Closes change once a day (history is stored up to yesterday), so a price at most a minute old is
    the current one except in the minute after new history lands; a market buy still never fills
    above the protection price its reservation was made at. Failures are not cached.
    """

    def __init__(
        self,
        price: ReferencePrice,
        ttl_seconds: float = REFERENCE_PRICE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._price = price
        self._ttl = ttl_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, Decimal]] = {}

    def __call__(self, ticker: str) -> Decimal:
        now = self._clock()
        cached = self._cache.get(ticker)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        price = self._price(ticker)
        self._cache[ticker] = (now, price)
        return price


def synthetic_price(ticker: str) -> Decimal:
    """A stable price per ticker (10.00 to 500.00) for when no market data is stored."""
    return Decimal(bounded_int(1_000, 50_000, "synthetic-price", ticker.upper())) / 100


def protection_price(reference: Decimal) -> Decimal:
    return cents_up(reference * (1 + MARKET_ORDER_COLLAR))


def fee(notional: Decimal, rate: Decimal) -> Decimal:
    return cents(notional * rate)


def max_fee(notional: Decimal, venue_fees: Mapping[str, Decimal]) -> Decimal:
    """The fee at the costliest venue: what a reservation must cover before the venue is known."""
    return fee(notional, max(venue_fees.values(), default=Decimal(0)))
