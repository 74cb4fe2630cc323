"""Reference prices for market orders and the fee arithmetic shared by the router and the pools
(docs/architecture.md §3 "Reference price of market orders")."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Final

from trading_core.common.money import cents, cents_up
from trading_core.market_data.synthetic import synthetic_price

ReferencePrice = Callable[[str], Decimal]

# Market buys reserve funds at the reference price plus this collar, and never fill above it.
MARKET_ORDER_COLLAR = Decimal("0.10")


def protection_price(reference: Decimal) -> Decimal:
    return cents_up(reference * (1 + MARKET_ORDER_COLLAR))


# How long a warm function keeps a ticker's stored price, and the absence of one (`CachedReferencePrice`).
REFERENCE_PRICE_TTL_SECONDS: Final = 60.0
NO_PRICE_TTL_SECONDS: Final = 5.0


class PriceUnavailable(RuntimeError):
    """The reference price could not be read (e.g. the MarketData table did not answer).

    Never replaced by a made-up price: the router refuses the order as retryable, a pool fails the
    invocation so the delivery is retried.
    """


class CachedReferencePrice:
    """A `ReferencePrice`: the stored price of the ticker (`stored`, e.g. the latest close), else
    `fallback(ticker)`, each remembered per ticker for a short while so a batch of child orders of
    one ticker costs one read, not one per order.

    A stored price is kept `ttl_seconds`: closes change once a day (history is stored up to
    yesterday), so it is the current one except in the minute after new history lands. The absence
    of one is kept only `no_price_ttl_seconds`: the router has just asked for that ticker's data,
    which arrives within seconds. Either way a market buy never fills above the protection price its
    reservation was made at. Failures are not cached.
    """

    def __init__(
        self,
        stored: Callable[[str], Decimal | None],
        fallback: ReferencePrice | None = None,
        *,
        ttl_seconds: float = REFERENCE_PRICE_TTL_SECONDS,
        no_price_ttl_seconds: float = NO_PRICE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stored = stored
        self._fallback = fallback or synthetic_price
        self._ttl = ttl_seconds
        self._no_price_ttl = no_price_ttl_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, Decimal | None]] = {}

    def __call__(self, ticker: str) -> Decimal:
        now = self._clock()
        cached = self._cache.get(ticker)
        if cached is not None and now - cached[0] < (self._ttl if cached[1] is not None else self._no_price_ttl):
            price = cached[1]
        else:
            price = self._stored(ticker)
            self._cache[ticker] = (now, price)
        return price if price is not None else self._fallback(ticker)


def fee(notional: Decimal, rate: Decimal) -> Decimal:
    return cents(notional * rate)


def max_fee(notional: Decimal, venue_fees: Mapping[str, Decimal]) -> Decimal:
    """The fee at the costliest venue: what a reservation must cover before the venue is known."""
    return fee(notional, max(venue_fees.values(), default=Decimal(0)))
