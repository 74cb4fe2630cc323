"""The canceller's reads and writes in TradesStore (`orders.cancel.CancelStore`): the ORDER item that holds
the id (one consistent GetItem: a parent's children are in it) and the cancel itself
(`orders.book_store.end_children` with CANCELLED)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trading_core.common.ids import child_number
from trading_core.model.child_order import CANCELLED, ChildOrder
from trading_core.model.order_item import child_item, child_items
from trading_core.orders.book import Ended
from trading_core.orders.book_store import child_from_item, end_children, read_order_item
from trading_core.orders.cancel import StoredChild, StoredOrder


class DynamoCancelStore:
    def __init__(self, table: Any) -> None:
        self._name = table.name
        self._client = table.meta.client

    def order(self, order_id: str) -> StoredOrder | None:
        item = read_order_item(self._client, self._name, order_id)
        if item is None:
            return None
        if child_number(order_id) != 0:
            child = child_item(item, order_id)
            if child is None:
                return None
            return StoredOrder(order_id, False, (StoredChild(child_from_item(child), str(child["Status"])),))
        children = tuple(StoredChild(child_from_item(child), str(child["Status"])) for child in child_items(item))
        status = item.get("Status")
        return StoredOrder(order_id, True, children, None if status is None else str(status))

    def cancel(self, children: Sequence[ChildOrder], reason: str, now: str) -> Ended:
        return end_children(self._client, self._name, children, CANCELLED, reason, now)
