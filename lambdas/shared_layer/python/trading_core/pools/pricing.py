"""The protection price of market buys and the fee arithmetic shared by the router and the pools."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from trading_core.common.money import cents, cents_up

# Market buys reserve funds at the market price plus this collar, and never fill above it.
MARKET_ORDER_COLLAR = Decimal("0.10")


def protection_price(market: Decimal) -> Decimal:
    return cents_up(market * (1 + MARKET_ORDER_COLLAR))


def fee(notional: Decimal, rate: Decimal) -> Decimal:
    return cents(notional * rate)


def max_fee(notional: Decimal, venue_fees: Mapping[str, Decimal]) -> Decimal:
    """The fee at the costliest venue: what a reservation must cover before the venue is known."""
    return fee(notional, max(venue_fees.values(), default=Decimal(0)))
