"""The ORDER item: one per accepted parent order, holding its children (docs/architecture.md §4).

A parent order and its children are one item, `ORDER#<parentOrderId>`: the order as sent, the terms its
children share (`ExpiresAt`, `ProtectionPrice`, and `MarketPrice`/`PricedAt` when the router found it
marketable) and `Children`, one entry per child by number: its `Quantity`, `ReservedAmount`, `Status`,
then once it changed `Updated` and `StatusReason` or its fill (`FillPrice`, `FillFee`, `FillDate`, and
`SettledBy`, the delivery that filled it). What an entry would repeat is left out, since a write is billed per
KB: `Updated` until the child first changes (it is the order's `OrderDate` until then) and, for a child filled
by the item's last write, its settlement date and delivery (the item's own `Updated` and `SettledBy`; every
write spells out the earlier ones first); `FillPrice` when it is the
order's `MarketPrice` and `FillDate` when it is its `PricedAt` (a fill at the price the router found). So an
order of ten children is written, and settled, in one unit. A child's id is its parent's with the child's
number in the last byte (`common.ids`), so every order id names this item.

Every write after the router's is a whole-item put on condition of the `Version` that was read
(`versioned_put`): settlement's fills and the ends of a cancel, an expiry or a failed routing. One
conditional write thus decides each child's fate, and of two racing writers the second reads again and
finds the child no longer live. One item instead of one per child: a parent of ten children is one write
unit where it was eleven, and one read instead of a BatchGetItem.

`child_items` gives each child as it was stored when children had items of their own (the same attributes),
so the readers (views, the canceller, the order book) see children as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from trading_core.common import keys
from trading_core.common.ids import child_number, child_order_id, parent_order_id_of, trade_id_for
from trading_core.contracts import ORDER_ID_ATTRIBUTE, RESTING_TICKER_ATTRIBUTE
from trading_core.model.child_order import (
    FILL_ATTRIBUTES,
    FILL_DATE,
    FILL_FEE,
    FILL_PRICE,
    FILLED,
    OPEN,
    SETTLED_BY,
    TRADE_ID,
    ChildOrder,
)

CHILDREN: Final = "Children"
VERSION: Final = "Version"
MAX_VERSION_ATTEMPTS: Final = 5
"""Reads and puts of one ORDER item before a writer gives up (and is retried), when others keep changing it."""
SHARED_TERMS: Final = ("ExpiresAt", "ProtectionPrice", "MarketPrice", "PricedAt")
"""Child terms the router decides once per parent order, kept on the parent item."""
_TICKET_TERMS: Final = ("CustomerId", "Direction", "Ticker", "Type")


def item_key(order_id: str) -> dict[str, str]:
    """The key of the ORDER item that holds `order_id`, a parent's or a child's."""
    return keys.order_key(parent_order_id_of(order_id))


def new_order_item(parent: Mapping[str, Any], children: Sequence[ChildOrder], now: str) -> dict[str, Any]:
    """The ORDER item as the router writes it: the parent's attributes (`orders.plan.parent_attributes`) and
    its children, ACCEPTED when priced marketable, else OPEN (and the item in the resting-orders index)."""
    item = {
        **parent,
        **_shared_terms(children[0]),
        CHILDREN: {
            str(number): {
                "Quantity": child.quantity,
                "ReservedAmount": child.reserved_amount,
                "Status": child.initial_status,
            }
            for number, child in enumerate(children, start=1)
        },
        VERSION: 1,
        "Updated": now,
    }
    if any(child.initial_status == OPEN for child in children):
        item[RESTING_TICKER_ATTRIBUTE] = children[0].ticker
    return item


def _shared_terms(child: ChildOrder) -> dict[str, Any]:
    terms = {
        "ExpiresAt": child.expires_at,
        "ProtectionPrice": child.protection_price,
        "MarketPrice": child.market_price,
        "PricedAt": child.priced_at,
    }
    return {name: value for name, value in terms.items() if value is not None}


def children_of(item: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    """The item's child entries by number, in split order."""
    return {int(number): dict(entry) for number, entry in sorted(item.get(CHILDREN, {}).items(), key=_number)}


def _number(pair: tuple[str, Any]) -> int:
    return int(pair[0])


def child_items(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each child of the parent item as a child ORDER item of its own was (`ChildOrder.to_item` plus its
    state and fill), in split order."""
    children = children_of(item)
    parent_id = str(item[ORDER_ID_ATTRIBUTE])
    split = "Yes" if len(children) > 1 else "No"
    expanded = []
    for number, entry in children.items():
        order_id = child_order_id(parent_id, number)
        child: dict[str, Any] = {name: item[name] for name in _TICKET_TERMS}
        child["Quantity"] = entry["Quantity"]
        if "Price" in item:
            child["Price"] = item["Price"]
        child.update(
            {
                ORDER_ID_ATTRIBUTE: order_id,
                "OrderDate": item["OrderDate"],
                "InitialQuantity": item["Quantity"],
                "Split": split,
                "ParentOrderId": parent_id,
                "ReservedAmount": entry["ReservedAmount"],
                "TimeInForce": item["TimeInForce"],
            }
        )
        child.update({name: item[name] for name in SHARED_TERMS if name in item})
        child.update({**keys.order_key(order_id), "Status": entry["Status"]})
        if entry["Status"] == OPEN:
            child[RESTING_TICKER_ATTRIBUTE] = item["Ticker"]
        child["Updated"] = _updated(item, entry)
        if "StatusReason" in entry:
            child["StatusReason"] = entry["StatusReason"]
        if FILL_FEE in entry:
            child[TRADE_ID] = trade_id_for(order_id)
            child[FILL_PRICE] = entry.get(FILL_PRICE, item.get("MarketPrice"))
            child.update({name: entry[name] for name in FILL_ATTRIBUTES if name in entry})
            if FILL_DATE not in entry and "PricedAt" in item:
                child[FILL_DATE] = item["PricedAt"]
        expanded.append(child)
    return expanded


def _updated(item: Mapping[str, Any], entry: Mapping[str, Any]) -> Any:
    """When the child last changed: as its entry says; else, filled, at the item's last write; else never since
    the order was placed."""
    if "Updated" in entry:
        return entry["Updated"]
    return item["Updated"] if entry["Status"] == FILLED else item["OrderDate"]


def child_item(item: Mapping[str, Any], order_id: str) -> dict[str, Any] | None:
    """One child of the parent item, or None when it has no such child."""
    wanted = child_number(order_id)
    for child in child_items(item):
        if child_number(str(child[ORDER_ID_ATTRIBUTE])) == wanted:
            return child
    return None


def with_children(
    item: Mapping[str, Any], changes: Mapping[int, Mapping[str, Any]], now: str, *, settled_by: str | None = None
) -> dict[str, Any]:
    """The item after `changes` (child number -> attributes to set on its entry; None removes one), one version
    on, in the resting-orders index while a child is OPEN. `settled_by`: the delivery whose fills this write
    records (the children it fills carry it as the item's `SETTLED_BY`, not each on its own entry)."""
    children = {str(number): entry for number, entry in children_of(item).items()}
    for entry in children.values():
        if entry["Status"] == FILLED and "Updated" not in entry:
            entry["Updated"] = item["Updated"]  # the item's Updated is about to change
            if SETTLED_BY in item and SETTLED_BY not in entry:
                entry[SETTLED_BY] = item[SETTLED_BY]  # and so is the item's SettledBy
    for number, change in changes.items():
        entry = children[str(number)]
        for name, value in change.items():
            if value is None:
                entry.pop(name, None)
            else:
                entry[name] = value
    for entry in children.values():
        _leave_out_repeats(entry, item, now)
    updated = {**item, CHILDREN: children, VERSION: int(item.get(VERSION, 0)) + 1, "Updated": now}
    updated.pop(SETTLED_BY, None)
    if settled_by is not None:
        updated[SETTLED_BY] = settled_by
    if any(entry["Status"] == OPEN for entry in children.values()):
        updated[RESTING_TICKER_ATTRIBUTE] = item["Ticker"]
    else:
        updated.pop(RESTING_TICKER_ATTRIBUTE, None)
    return updated


def settled_by(item: Mapping[str, Any], entry: Mapping[str, Any]) -> str | None:
    """The tag of the delivery that filled the child of `entry` (None: not filled, or filled before tags were
    kept): its entry's own, or, for a child filled by the item's last write (no `Updated` of its own), the
    item's."""
    if SETTLED_BY in entry:
        return str(entry[SETTLED_BY])
    if entry.get("Status") == FILLED and "Updated" not in entry and SETTLED_BY in item:
        return str(item[SETTLED_BY])
    return None


def _leave_out_repeats(entry: dict[str, Any], item: Mapping[str, Any], now: str) -> None:
    """Drops what the entry repeats of the item after this write (see the module docstring)."""
    repeats = {FILL_DATE: item.get("PricedAt"), FILL_PRICE: item.get("MarketPrice")}
    if entry["Status"] == FILLED:
        repeats["Updated"] = now
    for name, value in repeats.items():
        if value is not None and entry.get(name) == value:
            del entry[name]


def versioned_put(table: str, item: Mapping[str, Any], read_version: int | None) -> dict[str, Any]:
    """The put of `item` on condition that the stored item is still at `read_version` (None: that there is
    none yet), as a TransactWriteItems operation's body or a PutItem request's."""
    if read_version is None:
        condition = {"ConditionExpression": "attribute_not_exists(#pk)", "ExpressionAttributeNames": {"#pk": keys.PK}}
    else:
        condition = {
            "ConditionExpression": "#version = :version",
            "ExpressionAttributeNames": {"#version": VERSION},
            "ExpressionAttributeValues": {":version": read_version},
        }
    return {"TableName": table, "Item": dict(item), **condition}


def version_of(item: Mapping[str, Any]) -> int:
    return int(item.get(VERSION, 0))
