"""Reference prices for market orders and the fee arithmetic shared by the router and the pools."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from trading_core.ids import bounded_int
from trading_core.money import cents, cents_up

ReferencePrice = Callable[[str], Decimal]

# Market buys reserve funds at the reference price plus this collar, and never fill above it.
MARKET_ORDER_COLLAR = Decimal("0.10")


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
