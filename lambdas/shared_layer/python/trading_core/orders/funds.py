"""What reserving a parent order's funds (a buy) or holdings (a sell) can come to, and the store the
router reserves them in.

Every decision is a DynamoDB condition evaluated by the write itself (never read-then-decide), so
concurrent requests can never commit more money than a customer has, nor sell more shares than it
holds (`orders.funds_store`, `orders.reservations`). Short selling is not offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from trading_core.model.child_order import ChildOrder
from trading_core.orders.plan import PlannedOrder


@dataclass(frozen=True)
class Reserved:
    amount: Decimal


@dataclass(frozen=True)
class UnknownCustomer:
    customer_id: str


@dataclass(frozen=True)
class InsufficientFunds:
    required: Decimal
    available: Decimal

    @property
    def shortfall(self) -> Decimal:
        return self.required - self.available


@dataclass(frozen=True)
class InsufficientPosition:
    """A sell of more shares than the customer's position has available (held, not already reserved
    by other live sells); no position at all is available 0."""

    required: int
    available: int

    @property
    def reason(self) -> str:
        return f"insufficient position: the order needs {self.required}, available {self.available}"


@dataclass(frozen=True)
class UnreadableCustomer:
    """The customer's record holds funds that are not numbers: refused, naming the field."""

    reason: str


@dataclass(frozen=True)
class AlreadyPlaced:
    """A first run of the request's `Idempotency-Key` already wrote this order (its id derives from the key):
    nothing was reserved again; `item` is its ORDER item as stored (`orders.placed`)."""

    item: dict[str, Any]


ReservationOutcome = (
    Reserved | UnknownCustomer | InsufficientFunds | InsufficientPosition | UnreadableCustomer | AlreadyPlaced
)


class FundsUnavailable(RuntimeError):
    """The store could not decide (throttling, conflicts, outage); nothing was written."""


class FundsStore(Protocol):
    def reserve(self, plan: PlannedOrder, now: str, *, defer: bool = False) -> ReservationOutcome:
        """`defer`: the ORDER item is written by `place_deferred`, with the others of the request (for fresh ids
        only: its write is not conditional)."""
        ...

    def reserve_all(
        self, plans: Sequence[PlannedOrder], now: str, *, defer: bool = False
    ) -> list[ReservationOutcome | FundsUnavailable]:
        """Each plan's outcome, in order, as `reserve` one by one would give them (`FundsUnavailable`: this one
        could not be decided); the store may reserve several on one item together."""
        ...

    def place_deferred(self) -> set[str]:
        """Writes the deferred ORDER items; the parent order ids not placed (their reservations given back, or
        kept while it is unknown whether the item was written), to be refused as `could not be processed`."""
        ...

    def release(self, children: Sequence[ChildOrder], now: str, reason: str) -> list[ChildOrder]: ...

    def keep_refused(self, items: Sequence[dict[str, Any]]) -> None:
        """Writes the parent ORDER items of refused orders (`orders.refusals`); raises `FundsUnavailable`."""
