"""The position item as stored (`CUST#<id>` / `TICKER#<ticker>`), read with defaults.

Attributes: `Quantity` (shares held), `AvailableQuantity` (what new sells may reserve),
`ReservedQuantity` (held for live sells), `CostBasis` (what the held shares cost, average-cost method,
in cents), `AverageCost` (`CostBasis / Quantity`, for reading only, 4 decimals), `RealizedPnl`,
`NrTrades`, `TotalBought`, `TotalSold` and `Version` (the aggregator's optimistic lock).

Quantity = AvailableQuantity + ReservedQuantity. The router moves quantity between the last two
(`orders.reservations`); the aggregator alone changes `Quantity` and the cost. A position written
before these attributes existed is read with `AvailableQuantity = Quantity`, `ReservedQuantity`,
`CostBasis`, `RealizedPnl` and `Version` 0 (its shares were bought before costs were kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from trading_core.common.money import ZERO

QUANTITY: Final = "Quantity"
AVAILABLE_QUANTITY: Final = "AvailableQuantity"
RESERVED_QUANTITY: Final = "ReservedQuantity"
COST_BASIS: Final = "CostBasis"
AVERAGE_COST: Final = "AverageCost"
REALIZED_PNL: Final = "RealizedPnl"
VERSION: Final = "Version"


@dataclass(frozen=True)
class PositionState:
    """What the aggregator needs of a position before applying fills to it."""

    quantity: int = 0
    available: int = 0
    reserved: int = 0
    cost_basis: Decimal = ZERO
    version: int = 0
    # False for a position stored without `AvailableQuantity` (or not stored at all).
    has_available: bool = False
    exists: bool = False


def _integer(item: Mapping[str, Any], name: str) -> int:
    value = item.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError(f"position {name} is not a number: {value!r}")
    return int(value)


def read_position(item: Mapping[str, Any] | None) -> PositionState:
    if not item:
        return PositionState()
    quantity = _integer(item, QUANTITY)
    reserved = _integer(item, RESERVED_QUANTITY)
    has_available = AVAILABLE_QUANTITY in item
    available = _integer(item, AVAILABLE_QUANTITY) if has_available else quantity - reserved
    basis = item.get(COST_BASIS, ZERO)
    if isinstance(basis, bool) or not isinstance(basis, int | Decimal):
        raise ValueError(f"position {COST_BASIS} is not a number: {basis!r}")
    return PositionState(
        quantity=quantity,
        available=available,
        reserved=reserved,
        cost_basis=Decimal(basis),
        version=_integer(item, VERSION),
        has_available=has_available,
        exists=True,
    )
