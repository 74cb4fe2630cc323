"""What `GET /orders/{orderId}` shows: a child order as stored, or a parent order with its children and
the status they add up to (docs/architecture.md §2 "Order lifecycle").

A parent is PARTIALLY_FILLED while some children are filled and others still live; once none is live
it is FILLED if every child filled, else it ends as its unfilled children did (CANCELLED, EXPIRED or
REJECTED, in that precedence) with `filledQuantity` telling how much traded, as FIX reports it. A parent
the router refused is REFUSED, with its `reason` and no children.

What the fills came to is read from the FILLED children (settlement writes `FillPrice` and `FillFee` on
their entries of the ORDER item): `notional` = the sum of each fill's price x quantity to the cent, `fees`
their fees, `averagePrice` = notional / filledQuantity to the cent (null while nothing is filled). A fill
whose price is not known makes all three null rather than wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from trading_core.common.ids import child_number
from trading_core.common.money import ZERO, cents, money_str
from trading_core.contracts import (
    ORDER_CUSTOMER_ATTRIBUTE,
    ORDER_ID_ATTRIBUTE,
    ORDER_KEY_ATTRIBUTE,
    RESTING_TICKER_ATTRIBUTE,
)
from trading_core.model.child_order import (
    ACCEPTED,
    CANCELLED,
    EXPIRED,
    FILL_FEE,
    FILL_PRICE,
    FILLED,
    LIVE_STATUSES,
    OPEN,
    REJECTED,
    SETTLED_BY,
)
from trading_core.model.items import item_to_wire
from trading_core.model.order_item import CHILDREN, SHARED_TERMS, VERSION
from trading_core.model.parent_order import REFUSED, STATUS_REASON

PARTIALLY_FILLED: Final = "PARTIALLY_FILLED"
_FINAL_PRECEDENCE: Final = (CANCELLED, EXPIRED, REJECTED)
_INTERNAL: Final = frozenset({RESTING_TICKER_ATTRIBUTE, "Kind", ORDER_CUSTOMER_ATTRIBUTE, ORDER_KEY_ATTRIBUTE})
_PARENT_ONLY: Final = frozenset({CHILDREN, VERSION, SETTLED_BY, *SHARED_TERMS, "Status", STATUS_REASON})


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


def fills_wire(fills: Sequence[dict[str, Any]]) -> dict[str, str | None]:
    """`averagePrice`, `notional` and `fees` of the FILLED children's items."""
    if any(FILL_PRICE not in fill or FILL_FEE not in fill for fill in fills):
        return {"averagePrice": None, "notional": None, "fees": None}
    quantity = sum(int(fill["Quantity"]) for fill in fills)
    notional = sum((cents(Decimal(fill[FILL_PRICE]) * int(fill["Quantity"])) for fill in fills), ZERO)
    fees = sum((Decimal(fill[FILL_FEE]) for fill in fills), ZERO)
    return {
        "averagePrice": money_str(notional / quantity) if quantity else None,
        "notional": money_str(notional),
        "fees": money_str(fees),
    }


def parent_wire(parent: dict[str, Any], children: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The parent order with its children in the order they were split (a refused one has none)."""
    wire = child_wire({name: value for name, value in parent.items() if name not in _PARENT_ONLY})
    if parent.get("Status") == REFUSED:
        return {
            **wire,
            "kind": "parent",
            "status": REFUSED,
            "reason": parent.get(STATUS_REASON),
            "filledQuantity": 0,
            "openQuantity": 0,
            **fills_wire([]),
            "children": [],
        }
    ordered = sorted(children, key=lambda child: child_number(str(child[ORDER_ID_ATTRIBUTE])))
    statuses = [str(child.get("Status")) for child in ordered]
    fills = [child for child in ordered if child.get("Status") == FILLED]
    open_quantity = sum(int(child["Quantity"]) for child in ordered if child.get("Status") in LIVE_STATUSES)
    return {
        **wire,
        "kind": "parent",
        "status": parent_status(statuses) if statuses else ACCEPTED,
        "filledQuantity": sum(int(child["Quantity"]) for child in fills),
        "openQuantity": open_quantity,
        **fills_wire(fills),
        "children": [child_wire(child) for child in ordered],
    }
