"""ORDER items for tests: written as the router writes them, read back child by child
(`trading_core.model.order_item`), so tests assert on children as they did when each had its own item."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from trading_core.common.ids import child_number
from trading_core.model.child_order import PARENT_KIND, ChildOrder
from trading_core.model.order_item import CHILDREN, child_item, child_items, item_key, new_order_item, with_children

NOW = "2026-03-02T14:30:00.000Z"


def order_items(
    children: Sequence[ChildOrder], statuses: str | Mapping[str, str] | None = None, now: str = NOW
) -> list[dict[str, Any]]:
    """The ORDER items of `children` (grouped by parent), each child ACCEPTED or OPEN as the router writes
    it, or with the status `statuses` gives (one for all, or per child order id)."""
    by_parent: dict[str, list[ChildOrder]] = {}
    for child in children:
        by_parent.setdefault(child.parent_order_id, []).append(child)
    items = []
    for parent_id, group in by_parent.items():
        ordered = sorted(group, key=lambda child: child_number(child.order_id))
        assert [child_number(child.order_id) for child in ordered] == list(range(1, len(ordered) + 1)), parent_id
        first = ordered[0]
        parent = {
            **item_key(parent_id),
            "Kind": PARENT_KIND,
            "OrderId": parent_id,
            "CustomerId": first.customer_id,
            "Direction": first.direction.value,
            "Ticker": first.ticker,
            "Type": first.order_type.value,
            "Quantity": first.initial_quantity,
            "TimeInForce": first.time_in_force.value,
            "OrderDate": first.order_date,
            **({} if first.price is None else {"Price": first.price}),
        }
        item = new_order_item(parent, ordered, now)
        if statuses is not None:
            changes = {
                child_number(child.order_id): {
                    "Status": statuses
                    if isinstance(statuses, str)
                    else statuses.get(child.order_id, child.initial_status)
                }
                for child in ordered
            }
            item = with_children(item, changes, now)
            item["Version"] = 1
        items.append(item)
    return items


def put_orders(table: Any, children: Sequence[ChildOrder], statuses: str | Mapping[str, str] | None = None) -> None:
    for item in order_items(children, statuses):
        table.put_item(Item=item)


def stored_order_items(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The ORDER items of parent orders among `items` (a scan of TradesStore)."""
    return [
        dict(item)
        for item in items
        if str(item["PK"]).startswith("ORDER#") and item["SK"] == item["PK"] and item.get("Kind") == PARENT_KIND
    ]


def stored_children(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every child order held by the ORDER items among `items`, as a child item of its own was."""
    return [child for item in stored_order_items(items) if CHILDREN in item for child in child_items(item)]


def stored_child(table: Any, order_id: str) -> dict[str, Any] | None:
    """The child as stored (consistent read of its ORDER item), or None."""
    item = table.get_item(Key=item_key(order_id), ConsistentRead=True).get("Item")
    return None if item is None else child_item(item, order_id)
