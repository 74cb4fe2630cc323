"""The stable price of a ticker for which no market data is stored.

Market orders fall back on it (`pools.pricing`), and the offline provider's closes move around it, so
the local cloud's stored prices stay near what the pools would use without them.
"""

from __future__ import annotations

from decimal import Decimal

from trading_core.common.ids import bounded_int


def synthetic_price(ticker: str) -> Decimal:
    """A stable price per ticker (10.00 to 500.00)."""
    return Decimal(bounded_int(1_000, 50_000, "synthetic-price", ticker.upper())) / 100
