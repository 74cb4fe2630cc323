"""The funds raiser (route CreditCheckOrders): tops a customer up by what a refused order lacked.

A top-up is a deposit (a DEPOSIT ledger entry, `customers.ledger`), made only when the stage's
`auto-top-up` parameter is `true` (dev, the original's behaviour; prod has it off, so money enters only
as a real deposit). Once per refused parent order: the CreditCheck order's `orderId` is the marker's
key, written in the same transaction as the deposit (`customers.top_up_store`), so a redelivered
event changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from trading_core.common.money import ZERO, cents_up, to_decimal
from trading_core.contracts import AUTO_TOP_UP_ON

logger = logging.getLogger(__name__)


class TopUpOutcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    UNKNOWN_CUSTOMER = "unknown customer"
    UNREADABLE_CUSTOMER = "unreadable customer"
    DISABLED = "disabled"


def auto_top_up_enabled(value: str) -> bool:
    """The `auto-top-up` parameter: only `true` turns it on (anything else, e.g. a typo, is off)."""
    return value.strip().lower() == AUTO_TOP_UP_ON


@dataclass(frozen=True, kw_only=True)
class TopUp:
    """Raises a customer's funds after a failed credit check; `order_id` makes it happen once."""

    order_id: str
    customer_id: str
    amount: Decimal


def top_up_amount(shortfall: Decimal) -> Decimal:
    """The shortfall rounded up to the cent: exactly what the refused order lacked, so resubmitting it
    succeeds (unless other orders spend the money first). The original set every customer to a flat
    10,000,000, which hid real balances; a top-up here is auditable through its marker's `Amount`."""
    return cents_up(shortfall)


def top_up_from_wire(order: dict[str, Any]) -> TopUp:
    """A CreditCheck order (see `orders.router.credit_check_wire`); raises ValueError when malformed."""
    order_id, customer_id = order.get("orderId"), order.get("customerId")
    if not isinstance(order_id, str) or not order_id or not isinstance(customer_id, str) or not customer_id:
        raise ValueError("orderId and customerId are required")
    shortfall = to_decimal(order.get("shortfall"))
    if shortfall <= ZERO:
        raise ValueError(f"shortfall must be positive, got {shortfall}")
    return TopUp(order_id=order_id, customer_id=customer_id, amount=top_up_amount(shortfall))


class TopUpStore(Protocol):
    def top_up(self, top_up: TopUp, now: str) -> TopUpOutcome: ...


def raise_funds(
    store: TopUpStore, orders: list[dict[str, Any]], now: str, *, enabled: bool = True
) -> dict[TopUpOutcome, int]:
    """Apply every CreditCheck order once (each counted DISABLED, nothing written, when `enabled` is
    False). Malformed orders, unknown customers and unreadable customer records are logged and skipped
    (retrying cannot fix them); store errors propagate so the bus redelivers the event."""
    counts = dict.fromkeys(TopUpOutcome, 0)
    for order in orders:
        try:
            top_up = top_up_from_wire(order)
        except ValueError as error:
            logger.error("skipping malformed CreditCheck order %s: %s", order, error)
            continue
        if not enabled:
            counts[TopUpOutcome.DISABLED] += 1
            continue
        outcome = store.top_up(top_up, now)
        if outcome is TopUpOutcome.UNKNOWN_CUSTOMER:
            logger.warning("skipping top-up of unknown customer %s (order %s)", top_up.customer_id, top_up.order_id)
        counts[outcome] += 1
    return counts
