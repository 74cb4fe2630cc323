"""The canceller's reads and writes in TradesStore (`orders.cancel.CancelStore`): the ORDER item by
its id (consistent GetItem), a parent's children (consistent BatchGetItem), and the cancel itself
(`orders.book_store.end_children` with CANCELLED)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trading_core.common import keys
from trading_core.common.dynamodb import batch_get
from trading_core.contracts import ORDER_ID_ATTRIBUTE
from trading_core.model.child_order import CANCELLED, ChildOrder
from trading_core.orders.book import Ended
from trading_core.orders.book_store import child_from_item, end_children
from trading_core.orders.cancel import StoredChild, StoredOrder
from trading_core.orders.plan import PARENT_KIND


class DynamoCancelStore:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._name = table.name
        self._client = table.meta.client

    def order(self, order_id: str) -> StoredOrder | None:
        item = self._table.get_item(Key=keys.order_key(order_id), ConsistentRead=True).get("Item")
        if item is None:
            return None
        if item.get("Kind") != PARENT_KIND:
            return StoredOrder(order_id, False, (StoredChild(child_from_item(item), str(item.get("Status"))),))
        child_ids = [str(child_id) for child_id in item.get("ChildOrderIds", [])]
        found = {
            str(child[ORDER_ID_ATTRIBUTE]): child
            for child in batch_get(self._client, self._name, [keys.order_key(child_id) for child_id in child_ids])
        }
        children = tuple(
            StoredChild(child_from_item(found[child_id]), str(found[child_id].get("Status")))
            for child_id in child_ids
            if child_id in found
        )
        status = item.get("Status")
        return StoredOrder(order_id, True, children, None if status is None else str(status))

    def cancel(self, children: Sequence[ChildOrder], reason: str, now: str) -> Ended:
        return end_children(self._client, self._name, children, CANCELLED, reason, now)
