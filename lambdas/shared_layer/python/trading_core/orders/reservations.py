"""What a child order holds while it lives, as TransactWriteItems operations (docs/architecture.md §2).

A buy holds funds on the customer record (`ReservedFunds`, taken from `AvailableFunds`); a sell holds
quantity on the customer's position (`sell_reservation`: `ReservedQuantity`, taken from
`AvailableQuantity`), so a sell of more than the customer holds is refused `insufficient position`.
Short selling is not offered. The router reserves with `reserve_operation`
in the transaction that writes the children; whatever ends a child without a fill (a failed routing,
a cancel, an expiry) gives back exactly that with `release_operation`, in the same transaction as
the child's move out of ACCEPTED/OPEN, so a reservation is released once or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from trading_core.common import keys
from trading_core.common.money import ZERO
from trading_core.customers import record
from trading_core.customers.position import AVAILABLE_QUANTITY, QUANTITY, RESERVED_QUANTITY
from trading_core.model.child_order import ChildOrder, Direction
from trading_core.orders.funds import FundsUnavailable, InsufficientPosition, UnknownCustomer, UnreadableCustomer
from trading_core.orders.plan import PlannedOrder


def reserve_operation(table: str, plan: PlannedOrder, now: str) -> dict[str, Any]:
    """The operation that reserves the plan's funds (a buy) or quantity (a sell).

    Its condition fails (with the old item returned) when the customer is unknown, its record lacks
    or garbles the funds, or the funds do not cover the plan; for a sell, when the position lacks the
    quantity (`sell_refusal` then says why)."""
    if plan.request.direction is Direction.SELL:
        return sell_reservation(table, plan.request.customer_id, plan.request.ticker, _quantity(plan.children), now)
    key = keys.customer_key(plan.request.customer_id)
    need = plan.reservation
    return {
        "Update": {
            "TableName": table,
            "Key": key,
            "UpdateExpression": "SET AvailableFunds = AvailableFunds - :need, "
            "ReservedFunds = ReservedFunds + :need, Updated = :now",
            "ConditionExpression": f"attribute_exists(#pk) AND {record.FUNDS_ARE_NUMBERS} AND AvailableFunds >= :need",
            "ExpressionAttributeNames": {"#pk": keys.PK},
            "ExpressionAttributeValues": {":need": need, ":now": now, **record.NUMBER_TYPE},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def sell_reservation(table: str, customer_id: str, ticker: str, quantity: int, now: str) -> dict[str, Any]:
    """Moves `quantity` of the position from `AvailableQuantity` to `ReservedQuantity`, on condition that
    it is available: a sell never exceeds the holding (no short selling), whatever the concurrency.

    The position is written only by the aggregator (after its customer's update, which requires the
    customer), so a position that holds the quantity implies a known customer; one not there fails the
    condition like one too small. A position written before positions carried `AvailableQuantity`
    counts its whole `Quantity` as available and gains the attribute here."""
    return {
        "Update": {
            "TableName": table,
            "Key": keys.position_key(customer_id, ticker),
            "UpdateExpression": f"SET {AVAILABLE_QUANTITY} = if_not_exists({AVAILABLE_QUANTITY}, #quantity) - :q, "
            f"{RESERVED_QUANTITY} = if_not_exists({RESERVED_QUANTITY}, :zero) + :q, Updated = :now",
            "ConditionExpression": f"{AVAILABLE_QUANTITY} >= :q OR "
            f"(attribute_not_exists({AVAILABLE_QUANTITY}) AND #quantity >= :q)",
            "ExpressionAttributeNames": {"#quantity": QUANTITY},
            "ExpressionAttributeValues": {":q": quantity, ":zero": 0, ":now": now},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def available_quantity(position: Mapping[str, Any] | None) -> int:
    """What a sell could reserve of `position` (0 when there is none)."""
    if not position:
        return 0
    if AVAILABLE_QUANTITY in position:
        return int(position[AVAILABLE_QUANTITY])
    return max(int(position.get(QUANTITY, 0)), 0)


def sell_refusal(
    client: Any, table: str, plan: PlannedOrder, position: Mapping[str, Any] | None
) -> InsufficientPosition | UnknownCustomer | UnreadableCustomer:
    """Why a sell's reservation failed, given the position its condition returned: without one, a
    consistent read of the customer tells an unknown customer apart (it only chooses the reason: the
    write has already decided)."""
    required = _quantity(plan.children)
    if not position:
        customer_id = plan.request.customer_id
        try:
            item = client.get_item(TableName=table, Key=keys.customer_key(customer_id), ConsistentRead=True).get("Item")
        except (ClientError, BotoCoreError) as error:
            raise FundsUnavailable(f"could not read customer {customer_id}: {error}") from error
        if not item:
            return UnknownCustomer(customer_id)
        try:
            record.read_funds(item)
        except record.UnreadableCustomer as error:
            return UnreadableCustomer(str(error))
    return InsufficientPosition(required=required, available=available_quantity(position))


def release_operation(table: str, children: Sequence[ChildOrder], now: str) -> dict[str, Any] | None:
    """The operation that gives back what `children` (of one customer, one direction) reserved, or
    None when they reserved nothing: funds for buys, the position's quantity for sells."""
    if not children:
        return None
    if children[0].direction is Direction.SELL:
        return {
            "Update": {
                "TableName": table,
                "Key": keys.position_key(children[0].customer_id, children[0].ticker),
                "UpdateExpression": f"SET {AVAILABLE_QUANTITY} = {AVAILABLE_QUANTITY} + :q, "
                f"{RESERVED_QUANTITY} = {RESERVED_QUANTITY} - :q, Updated = :now",
                "ConditionExpression": f"attribute_exists(#pk) AND {RESERVED_QUANTITY} >= :q",
                "ExpressionAttributeNames": {"#pk": keys.PK},
                "ExpressionAttributeValues": {":q": _quantity(children), ":now": now},
            }
        }
    amount = sum((child.reserved_amount for child in children), ZERO)
    if amount <= ZERO:
        return None
    return {
        "Update": {
            "TableName": table,
            "Key": keys.customer_key(children[0].customer_id),
            "UpdateExpression": "SET AvailableFunds = AvailableFunds + :amount, "
            "ReservedFunds = ReservedFunds - :amount, Updated = :now",
            "ConditionExpression": "attribute_exists(#pk)",
            "ExpressionAttributeNames": {"#pk": keys.PK},
            "ExpressionAttributeValues": {":amount": amount, ":now": now},
        }
    }


def _quantity(children: Sequence[ChildOrder]) -> int:
    return sum(child.quantity for child in children)
