"""What `GET /customers/{customerId}/positions` shows of one position: the position as stored (with the
defaults of `customers.position`) valued at the market price of the request's instant.

    marketValue   = cents(quantity * marketPrice)
    unrealizedPnl = marketValue - costBasis

A ticker without market data has no price: `marketPrice`, `priceTime`, `marketValue` and
`unrealizedPnl` are then null. A position whose shares were all sold is shown only while it carries
realized P&L (`is_shown`); one bought and sold back at no gain or loss, or never filled, is left out.
`averageCost` is costBasis / quantity rounded once to the cent, like every amount on the wire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from trading_core.common.money import ZERO, cents, money_str
from trading_core.customers.position import REALIZED_PNL, VERSION, read_position
from trading_core.market.price import MarketQuote
from trading_core.model.items import item_to_wire

TICKER_PREFIX: Final = "TICKER#"


@dataclass(frozen=True)
class Valuation:
    market_value: Decimal
    unrealized_pnl: Decimal


def value(quantity: int, cost_basis: Decimal, market_price: Decimal) -> Valuation:
    """The position at `market_price`, to the cent (half-up)."""
    market_value = cents(market_price * quantity)
    return Valuation(market_value, market_value - cost_basis)


def average_cost_cents(cost_basis: Decimal, quantity: int) -> Decimal:
    """basis / quantity rounded once, to the cent (0 for an empty position)."""
    return ZERO if quantity <= 0 else cents(cost_basis / quantity)


def realized_pnl(item: Mapping[str, Any]) -> Decimal:
    realized = item.get(REALIZED_PNL, ZERO)
    if isinstance(realized, bool) or not isinstance(realized, int | Decimal):
        raise ValueError(f"position {REALIZED_PNL} is not a number: {realized!r}")
    return Decimal(realized)


def is_shown(item: Mapping[str, Any]) -> bool:
    """Held shares, or none left but a realized gain or loss."""
    return read_position(item).quantity != 0 or realized_pnl(item) != ZERO


def ticker_of(item: Mapping[str, Any]) -> str:
    return str(item["SK"]).removeprefix(TICKER_PREFIX)


def position_wire(item: Mapping[str, Any], quote: MarketQuote | None) -> dict[str, Any]:
    """The position camelCase with money as 2-decimal strings, valued at `quote` (None: no price)."""
    state = read_position(item)
    stored = item_to_wire({name: value for name, value in item.items() if name != VERSION})
    wire = {
        "ticker": ticker_of(item),
        **stored,
        "quantity": state.quantity,
        "availableQuantity": state.available,
        "reservedQuantity": state.reserved,
        "costBasis": money_str(state.cost_basis),
        "averageCost": money_str(average_cost_cents(state.cost_basis, state.quantity)),
        "realizedPnl": money_str(realized_pnl(item)),
    }
    if quote is None:
        return {**wire, "marketPrice": None, "priceTime": None, "marketValue": None, "unrealizedPnl": None}
    valuation = value(state.quantity, state.cost_basis, quote.price)
    return {
        **wire,
        "marketPrice": money_str(quote.price),
        "priceTime": quote.at,
        "marketValue": money_str(valuation.market_value),
        "unrealizedPnl": money_str(valuation.unrealized_pnl),
    }
