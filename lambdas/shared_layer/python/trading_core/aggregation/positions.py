"""Position maths of fills: quantity, reserved quantity, cost basis (average-cost method) and
realized P&L, exact to the cent (docs/architecture.md §2).

- A buy adds its shares (available at once to sell) and its notional to the cost basis; its fee is
  a fee (`TotalCommissionPaid`), not a cost of the shares.
- A sell takes its shares from the reserved quantity (its order reserved them, `orders.reservations`)
  and the cost of the shares sold from the basis: `basis * sold / held`, rounded half-up to the cent;
  selling the last shares takes the whole remaining basis, so no fraction of a cent is ever left on
  an empty position. Realized P&L = notional - that cost (the fee again is a fee).
- `AverageCost` = basis / held, rounded half-up to 4 decimals, is for reading only: no amount is
  computed from it, so its rounding never reaches money.

Since the basis only ever moves by whole cents, cash + Σ basis = deposits - withdrawals - fees +
realized P&L holds to the cent after every fill (`customers.ledger`). Short selling is not offered:
a sell of more than the position holds cannot be reserved, and is not modelled here (were one
applied, it would take the whole basis and leave a negative quantity at cost 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from trading_core.common.money import ZERO, cents
from trading_core.customers.position import PositionState
from trading_core.model.child_order import Direction
from trading_core.model.trade import Trade

AVERAGE_COST_PLACES: Final = Decimal("0.0001")


def sold_cost(basis: Decimal, held: int, sold: int) -> Decimal:
    """The cost of `sold` of `held` shares whose cost basis is `basis`, at average cost, in cents."""
    if sold <= 0:
        return ZERO
    if held <= 0:
        return ZERO
    if sold >= held:
        return basis
    return cents(basis * sold / held)


def average_cost(basis: Decimal, held: int) -> Decimal:
    """For reading: basis / held to 4 decimals (0 for an empty position)."""
    if held <= 0:
        return ZERO
    return (basis / held).quantize(AVERAGE_COST_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class PositionChange:
    """The fills of one batch on one position, from the state it was read in."""

    start: PositionState
    quantity: int = 0
    available: int = 0
    reserved: int = 0
    cost_basis: Decimal = ZERO  # the change of the basis
    realized_pnl: Decimal = ZERO
    nr_trades: int = 0
    bought: int = 0
    sold: int = 0
    trade_ids: list[str] = field(default_factory=list)

    @property
    def held(self) -> int:
        return self.start.quantity + self.quantity

    @property
    def basis(self) -> Decimal:
        return self.start.cost_basis + self.cost_basis

    def apply(self, trade: Trade) -> Decimal:
        """Applies one fill after those already applied; returns its realized P&L."""
        self.nr_trades += 1
        self.trade_ids.append(trade.trade_id)
        if trade.direction is Direction.BUY:
            self.quantity += trade.quantity
            self.available += trade.quantity
            self.bought += trade.quantity
            self.cost_basis += trade.notional
            return ZERO
        cost = sold_cost(self.basis, self.held, trade.quantity)
        realized = trade.notional - cost
        self.quantity -= trade.quantity
        self.reserved -= trade.quantity
        self.sold += trade.quantity
        self.cost_basis -= cost
        self.realized_pnl += realized
        return realized
