"""Parent ORDER items: the order as the customer sent it, kept beside its children (accepted) or alone with
the reason it was refused, and listed per customer by the sparse `CustomerOrderKeys` index.

Only parent items carry the index's attributes: `OrderCustomer` (the customer id) and `OrderKey`
(`<orderDate iso>#<parentOrderId>`), so a Query of one customer read backwards is newest first, and a
range of order days is a `BETWEEN` on `OrderKey`.
"""

from __future__ import annotations

from typing import Final

from trading_core.contracts import ORDER_CUSTOMER_ATTRIBUTE, ORDER_KEY_ATTRIBUTE

REFUSED: Final = "REFUSED"
"""`Status` of a parent order the router refused (unknown customer, insufficient funds, ...): it has no
children, and `StatusReason` says why."""
STATUS_REASON: Final = "StatusReason"


def order_index_key(order_date: str, parent_order_id: str) -> str:
    return f"{order_date}#{parent_order_id}"


def customer_order_attributes(customer_id: str, order_date: str, parent_order_id: str) -> dict[str, str]:
    """What puts a parent ORDER item in the customer's list of orders."""
    return {
        ORDER_CUSTOMER_ATTRIBUTE: customer_id,
        ORDER_KEY_ATTRIBUTE: order_index_key(order_date, parent_order_id),
    }
