"""Orders the router refused, kept: a parent ORDER item with `Status: REFUSED` and the reason, no children,
in the customer's list of orders (`model.parent_order`), so the refusal can be read back later
(`GET /orders/{orderId}`, `GET /customers/{customerId}/orders`).

Only refusals that are the order's own fate are kept (unknown customer or ticker, insufficient funds or
position, too large, an unreadable customer record); a transient failure ("try again") is not, and a
malformed request is refused whole before anything is written. The refused orders of a request are
written together at its end (BatchWriteItem, 25 per call), one item each.

Ids: with an `Idempotency-Key`, every order's id, refused or placed, is derived from the key and the order's
place in the request (uuid5, its last byte 0 as every parent order id's), so a rerun of the key (a request
not replayed because one of its orders failed transiently, or whose first answer was lost) writes the same
refused item again, not a second one, and finds the orders it placed (`orders.placed`); without a key, a
fresh id.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, Final

from trading_core.common.ids import parent_order_id_of
from trading_core.model.parent_order import REFUSED, STATUS_REASON
from trading_core.orders.plan import parent_attributes
from trading_core.orders.request import OrderRequest

KEYED_ORDER_NAMESPACE: Final = uuid.UUID("3d0f6c1e-8a47-5b29-b6e3-52c9a1f07d84")


def keyed_order_id(idempotency_key: str, index: int) -> str:
    """The id of the request's `index`-th order, refused or placed, the same on every run of the key."""
    return parent_order_id_of(str(uuid.uuid5(KEYED_ORDER_NAMESPACE, f"{idempotency_key}\n{index}")))


def refused_item(
    request: OrderRequest, order_id: str, order_date: str, reason: str, market_price: Decimal | None
) -> dict[str, Any]:
    """The parent ORDER item of a refused order: the order as sent, `REFUSED` and why."""
    return {
        **parent_attributes(request, order_id, order_date, market_price),
        "Status": REFUSED,
        STATUS_REASON: reason,
        "Updated": order_date,
    }
