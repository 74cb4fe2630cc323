"""What `GET /orders/{orderId}` shows: a child order as stored, or a parent order with its children and
the status they add up to (docs/architecture.md §2 "Order lifecycle").

A parent is PARTIALLY_FILLED while some children are filled and others still live; once none is live
it is FILLED if every child filled, else it ends as its unfilled children did (CANCELLED, EXPIRED or
REJECTED, in that precedence) with `filledQuantity` telling how much traded, as FIX reports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from trading_core.contracts import ORDER_ID_ATTRIBUTE, RESTING_TICKER_ATTRIBUTE
from trading_core.model.child_order import (
    ACCEPTED,
    CANCELLED,
    EXPIRED,
    FILLED,
    LIVE_STATUSES,
    OPEN,
    REJECTED,
)
from trading_core.model.items import item_to_wire

PARTIALLY_FILLED: Final = "PARTIALLY_FILLED"
_FINAL_PRECEDENCE: Final = (CANCELLED, EXPIRED, REJECTED)
_INTERNAL: Final = frozenset({RESTING_TICKER_ATTRIBUTE, "Kind"})


def parent_status(statuses: Sequence[str]) -> str:
    filled = sum(1 for status in statuses if status == FILLED)
    live = [status for status in statuses if status in LIVE_STATUSES]
    if live:
        if filled:
            return PARTIALLY_FILLED
        return OPEN if OPEN in live else ACCEPTED
    if filled == len(statuses):
        return FILLED
    return next(status for status in _FINAL_PRECEDENCE if status in statuses)


def child_wire(item: dict[str, Any]) -> dict[str, Any]:
    return item_to_wire({name: value for name, value in item.items() if name not in _INTERNAL})


def parent_wire(parent: dict[str, Any], children: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The parent order with its children in the order they were split."""
    by_id = {str(child[ORDER_ID_ATTRIBUTE]): child for child in children}
    ordered = [by_id[child_id] for child_id in parent.get("ChildOrderIds", []) if child_id in by_id]
    statuses = [str(child.get("Status")) for child in ordered]
    filled = sum(int(child["Quantity"]) for child in ordered if child.get("Status") == FILLED)
    open_quantity = sum(int(child["Quantity"]) for child in ordered if child.get("Status") in LIVE_STATUSES)
    wire = child_wire({name: value for name, value in parent.items() if name != "ChildOrderIds"})
    return {
        **wire,
        "kind": "parent",
        "status": parent_status(statuses) if statuses else ACCEPTED,
        "filledQuantity": filled,
        "openQuantity": open_quantity,
        "children": [child_wire(child) for child in ordered],
    }
