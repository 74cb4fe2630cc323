"""`DELETE /orders/{orderId}`: cancel a live child order, or every live child of a parent order
(docs/architecture.md §2 "Order lifecycle").

A child id cancels that child; a parent id (its ORDER item holds the children, `model.order_item`)
cancels each of its children still ACCEPTED or OPEN. The children end as CANCELLED in
the same transaction that gives back exactly what they reserved (`orders.book_store.end_children`):
a child whose condition fails there was filled, expired or cancelled first, and is reported with the
status it was found in. So a cancel racing a fill has one outcome: the ORDER item decides.

Answers (the handler maps them to HTTP statuses: 200, 409, 404, 400):

- `Cancellation`: `{"orderId", "cancelled": [child ids], "released": {"funds": "<2 decimals>",
  "quantity": n}, "notCancelled": [{"orderId", "status"}]}`: `funds` is what the cancelled buys had
  reserved, `quantity` the shares the cancelled sells had reserved;
- `NotCancellable`: `{"message": "order <id> is FILLED", "errors": [], "orderId", "status", "notCancelled"}`:
  a child no longer live, or a parent none of whose children is (`status` is then the children's
  common status, else `DONE`; a parent the router refused is `REFUSED`);
- `OrderNotFound`: the id names no order; `InvalidOrderId`: a malformed id, with the field.

Every refusal's body is the one error body `{"message", "errors": [...]}` (`trading_core.api.errors`,
written out here: that package imports this one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from trading_core.common.clock import Clock, to_iso
from trading_core.common.money import ZERO, money_str
from trading_core.contracts import ORDER_ID_PATTERN
from trading_core.model.child_order import LIVE_STATUSES, ChildOrder, Direction
from trading_core.orders.book import Ended
from trading_core.queries.parameters import ORDER_ID_HINT

_ORDER_ID: Final = re.compile(ORDER_ID_PATTERN)
CANCEL_REASON: Final = "cancelled by request"
MIXED_STATUS: Final = "DONE"


class CancelRefused(Exception):
    def body(self) -> dict[str, Any]:
        return {"message": str(self), "errors": []}


class InvalidOrderId(CancelRefused):
    def __init__(self, order_id: str) -> None:
        super().__init__("invalid order id")
        self.order_id = order_id

    def body(self) -> dict[str, Any]:
        return {"message": "invalid request", "errors": [{"field": "orderId", "message": ORDER_ID_HINT}]}


class OrderNotFound(CancelRefused):
    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} not found")


class NotCancellable(CancelRefused):
    def __init__(self, order_id: str, status: str, not_cancelled: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(f"order {order_id} is {status}")
        self.order_id = order_id
        self.status = status
        self.not_cancelled = list(not_cancelled)

    def body(self) -> dict[str, Any]:
        return {
            "message": str(self),
            "errors": [],
            "orderId": self.order_id,
            "status": self.status,
            "notCancelled": [{"orderId": child, "status": status} for child, status in self.not_cancelled],
        }


@dataclass(frozen=True)
class StoredChild:
    child: ChildOrder
    status: str


@dataclass(frozen=True)
class StoredOrder:
    """An ORDER item read for a cancel: a child (`children` is itself) or a parent and its children."""

    order_id: str
    is_parent: bool
    children: tuple[StoredChild, ...]
    status: str | None = None
    """A parent's own status, when it has one (`REFUSED`: the router refused it, it has no children)."""


class CancelStore(Protocol):
    def order(self, order_id: str) -> StoredOrder | None: ...

    def cancel(self, children: Sequence[ChildOrder], reason: str, now: str) -> Ended:
        """Ends `children` (one customer, one direction) as CANCELLED with their reservation released."""
        ...


@dataclass(frozen=True)
class Cancellation:
    order_id: str
    cancelled: tuple[ChildOrder, ...]
    not_cancelled: tuple[tuple[str, str], ...]

    @property
    def released_funds(self) -> Any:
        return sum((c.reserved_amount for c in self.cancelled if c.direction is Direction.BUY), ZERO)

    @property
    def released_quantity(self) -> int:
        return sum(c.quantity for c in self.cancelled if c.direction is Direction.SELL)

    def body(self) -> dict[str, Any]:
        return {
            "orderId": self.order_id,
            "cancelled": [child.order_id for child in self.cancelled],
            "released": {"funds": money_str(self.released_funds), "quantity": self.released_quantity},
            "notCancelled": [{"orderId": child, "status": status} for child, status in self.not_cancelled],
        }


def common_status(statuses: Sequence[str]) -> str:
    distinct = set(statuses)
    return distinct.pop() if len(distinct) == 1 else MIXED_STATUS


class OrderCanceller:
    def __init__(self, *, store: CancelStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def cancel(self, order_id: str | None) -> Cancellation:
        if not order_id or not _ORDER_ID.match(order_id):
            raise InvalidOrderId(order_id or "")
        stored = self._store.order(order_id)
        if stored is None:
            raise OrderNotFound(order_id)
        live = [entry.child for entry in stored.children if entry.status in LIVE_STATUSES]
        not_cancelled = [
            (entry.child.order_id, entry.status) for entry in stored.children if entry.status not in LIVE_STATUSES
        ]
        if not live:
            status = stored.status if not stored.children and stored.status else None
            raise NotCancellable(
                order_id, status or common_status([status for _, status in not_cancelled]), not_cancelled
            )
        cancelled: list[ChildOrder] = []
        now = to_iso(self._clock())
        for group in _groups(live):
            ended = self._store.cancel(group, CANCEL_REASON, now)
            cancelled += ended.ended
            not_cancelled += sorted(ended.moved_on.items())
        if not cancelled:
            # Every live child moved on between the read and the write (a fill, an expiry).
            raise NotCancellable(order_id, common_status([status for _, status in not_cancelled]), not_cancelled)
        return Cancellation(order_id, tuple(cancelled), tuple(not_cancelled))


def _groups(children: Sequence[ChildOrder]) -> list[list[ChildOrder]]:
    """By customer and direction (a parent's children share both; the grouping keeps a release exact)."""
    groups: dict[tuple[str, Direction], list[ChildOrder]] = {}
    for child in children:
        groups.setdefault((child.customer_id, child.direction), []).append(child)
    return list(groups.values())
