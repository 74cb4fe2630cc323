"""Hold marks: what ties a reservation to its parent order, now that the router writes them apart
(docs/architecture.md §11).

The router reserves with one conditional update of the customer (a buy) or the position (a sell) that also
sets the order's hold, `H#<parentOrderId>` = [what it reserved, when (epoch seconds)], on condition that the
order has none yet; then it puts the ORDER item, on condition that there is none. No transaction (two write
units per item): the update alone decides the funds, as the transaction's first item did, and the put alone
decides that the order is placed once.

A hold whose ORDER item exists means nothing more: it is removed by a later reservation on the same item
(the router knows the orders it placed; it looks up the others once the item holds `MAX_FOREIGN_HOLDS` of
them), so an item carries a few holds at most. A hold whose ORDER item is still missing `ORPHAN_AFTER`
seconds after it was made is an orphan: its router stopped between the two writes (a put that failed is
compensated at once), and no router is still running then (the function's timeout is shorter). The next
reservation on that item that looks it up gives back exactly what it holds and removes it, on condition that
it is still there, so it is given back once.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from trading_core.common.clock import parse_iso
from trading_core.customers.position import AVAILABLE_QUANTITY, RESERVED_QUANTITY
from trading_core.model.items import HOLD_PREFIX

ORPHAN_AFTER: Final = 300
"""Seconds after which a hold without its ORDER item is an orphan: ten times the router's 30 s timeout."""
MAX_FOREIGN_HOLDS: Final = 4
"""Holds of other runs on an item that make a reservation look their orders up, to remove them."""


def hold_name(parent_order_id: str) -> str:
    return f"{HOLD_PREFIX}{parent_order_id}"


def is_hold(name: str) -> bool:
    return name.startswith(HOLD_PREFIX)


def epoch(now: str) -> int:
    return int(parse_iso(now).timestamp())


def holds_of(item: Mapping[str, Any] | None) -> dict[str, tuple[Decimal, int]]:
    """The item's holds: parent order id -> (amount or quantity held, epoch seconds it was made)."""
    holds: dict[str, tuple[Decimal, int]] = {}
    for name, value in (item or {}).items():
        if is_hold(name) and isinstance(value, list) and len(value) == 2:
            holds[name[len(HOLD_PREFIX) :]] = (Decimal(value[0]), int(value[1]))
    return holds


def with_hold(
    update: Mapping[str, Any], parent_order_id: str, held: Decimal | int, now: str, remove: set[str]
) -> dict[str, Any]:
    """The reservation's UpdateItem request (`reservations.reserve_operation`'s body) that also sets the order's
    hold, on condition that it has none, removes the holds `remove` names (orders known placed) and returns the
    item as written."""
    names = {**update.get("ExpressionAttributeNames", {}), "#hold": hold_name(parent_order_id)}
    removed = sorted(remove - {parent_order_id})
    names.update({f"#r{index}": hold_name(order_id) for index, order_id in enumerate(removed)})
    expression = f"{update['UpdateExpression']}, #hold = :hold"
    if removed:
        expression += " REMOVE " + ", ".join(f"#r{index}" for index in range(len(removed)))
    return {
        **update,
        "UpdateExpression": expression,
        "ConditionExpression": f"({update['ConditionExpression']}) AND attribute_not_exists(#hold)",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": {**update["ExpressionAttributeValues"], ":hold": [held, epoch(now)]},
        "ReturnValues": "ALL_NEW",
    }


def with_holds(update: Mapping[str, Any], held: Mapping[str, Decimal], now: str, remove: set[str]) -> dict[str, Any]:
    """As `with_hold`, for the orders of one request that reserve their sum on one item together: each one's
    hold, each on condition that it is not there."""
    orders = list(held)
    names = {**update.get("ExpressionAttributeNames", {})}
    names.update({f"#h{index}": hold_name(order_id) for index, order_id in enumerate(orders)})
    values = {**update["ExpressionAttributeValues"]}
    values.update({f":h{index}": [held[order_id], epoch(now)] for index, order_id in enumerate(orders)})
    removed = sorted(remove - set(orders))
    names.update({f"#r{index}": hold_name(order_id) for index, order_id in enumerate(removed)})
    expression = update["UpdateExpression"] + "".join(f", #h{index} = :h{index}" for index in range(len(orders)))
    if removed:
        expression += " REMOVE " + ", ".join(f"#r{index}" for index in range(len(removed)))
    absent = " AND ".join(f"attribute_not_exists(#h{index})" for index in range(len(orders)))
    return {
        **update,
        "UpdateExpression": expression,
        "ConditionExpression": f"({update['ConditionExpression']}) AND {absent}",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ReturnValues": "ALL_NEW",
    }


def release_hold(
    table: str, key: Mapping[str, str], parent_order_id: str, held: Decimal, *, sell: bool, now: str
) -> dict[str, Any]:
    """The UpdateItem request that gives back what the hold of `parent_order_id` reserved on `key` and removes
    it, on condition that it is still there (so it is given back once)."""
    if sell:
        moves = f"{AVAILABLE_QUANTITY} = {AVAILABLE_QUANTITY} + :held, "
        moves += f"{RESERVED_QUANTITY} = {RESERVED_QUANTITY} - :held"
        amount: Decimal | int = int(held)
    else:
        moves = "AvailableFunds = AvailableFunds + :held, ReservedFunds = ReservedFunds - :held"
        amount = held
    return {
        "TableName": table,
        "Key": dict(key),
        "UpdateExpression": f"SET {moves}, Updated = :now REMOVE #hold",
        "ConditionExpression": "attribute_exists(#hold)",
        "ExpressionAttributeNames": {"#hold": hold_name(parent_order_id)},
        "ExpressionAttributeValues": {":held": amount, ":now": now},
    }
