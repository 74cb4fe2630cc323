"""Orders a first run of the same `Idempotency-Key` already wrote (`funds.AlreadyPlaced`), answered as they stand.

With a key, each order's id derives from the key and its place in the request (`orders.refusals.keyed_order_id`)
and the router's write of its ORDER item is conditional on there being none. So a rerun of the key never places
an order twice, whatever became of the first run's answer: lost after its orders were placed (the idempotency
record could not be completed, so the key was run again once its in-progress record expired), or not kept
because some order failed transiently (the client sends the same request again with the same key). The rerun
answers each such order from its item: a refusal with its reason; a placed order with its children, those a
first run could not route as they were reported then, and those still `ACCEPTED` sent to their pool again
(the first run may have stopped before it published them; a pool or settlement that got them twice settles
them once, docs/architecture.md §11).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trading_core.contracts import ORDER_ID_ATTRIBUTE
from trading_core.model.child_order import ACCEPTED, REJECTED, ChildOrder
from trading_core.model.order_item import child_items
from trading_core.model.parent_order import REFUSED, STATUS_REASON
from trading_core.orders.book_store import child_from_item
from trading_core.orders.plan import PlannedOrder
from trading_core.orders.request import OrderRequest


@dataclass(frozen=True)
class StoredOrder:
    plan: PlannedOrder | None  # the order as placed, without the children it could not route; None: refused
    refusal: str  # why the first run refused it ("" when it placed it)
    rejected: tuple[ChildOrder, ...] = ()  # children the first run could not route


def stored_order(request: OrderRequest, item: dict[str, Any]) -> StoredOrder:
    if item.get("Status") == REFUSED:
        return StoredOrder(plan=None, refusal=str(item.get(STATUS_REASON, "")))
    children = [(child_from_item(child), str(child["Status"])) for child in child_items(item)]
    kept = tuple(child for child, status in children if status != REJECTED)
    plan = PlannedOrder(
        request=request,
        parent_order_id=str(item[ORDER_ID_ATTRIBUTE]),
        children=kept,
        market_price=Decimal(item.get("MarketPriceAtOrder", 0)),
        order_date=str(item["OrderDate"]),
        unsent=frozenset(child.order_id for child, status in children if status != ACCEPTED),
    )
    return StoredOrder(plan=plan, refusal="", rejected=tuple(child for child, status in children if status == REJECTED))
