"""Resting orders in TradesStore: the sparse `RestingOrders` index (only ORDER items with an OPEN child
carry `RestingTicker`) and the one way a live child ends without a fill, shared by the order book
(EXPIRED), the canceller (CANCELLED) and the router (REJECTED, when it could not route).

`end_children` ends children parent by parent: it reads their ORDER items (consistently, one BatchGetItem),
keeps the children
still ACCEPTED or OPEN, and writes one transaction: the `release_operation` of exactly what those reserved
and the item's put with them ended, on condition of the version it read (`model.order_item`). A child
found no longer live moved on (a fill, a cancel, an expiry came first): it is neither ended nor released.
When the item changed between the read and the write, it is read again, so the reservation is released
once or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from trading_core.common.dynamodb import batch_get, every_page, transact_conditionally
from trading_core.common.ids import child_number, child_order_id, parent_order_id_of
from trading_core.contracts import ORDER_ID_ATTRIBUTE, RESTING_ORDERS_INDEX, RESTING_TICKER_ATTRIBUTE
from trading_core.model.child_order import EXPIRED, LIVE_STATUSES, OPEN, ChildOrder
from trading_core.model.items import item_to_wire
from trading_core.model.order_item import (
    MAX_VERSION_ATTEMPTS,
    child_items,
    item_key,
    version_of,
    versioned_put,
    with_children,
)
from trading_core.orders.book import Ended
from trading_core.orders.reservations import release_operation


class StoreUnavailable(RuntimeError):
    """TradesStore kept conflicting: nothing was written; try again."""


def child_from_item(item: dict[str, Any]) -> ChildOrder:
    return ChildOrder.from_wire(item_to_wire(item))


def read_order_item(client: Any, table: str, order_id: str) -> dict[str, Any] | None:
    """The ORDER item holding `order_id` (a parent's or a child's id), read consistently."""
    item: dict[str, Any] | None = client.get_item(TableName=table, Key=item_key(order_id), ConsistentRead=True).get(
        "Item"
    )
    return item


def end_children(client: Any, table: str, children: Sequence[ChildOrder], status: str, reason: str, now: str) -> Ended:
    """Ends the live ones of `children` (one customer, one direction) with `status`, releasing what they
    reserved, as their ORDER items say."""
    result = Ended()
    by_parent: dict[str, set[int]] = {}
    for child in children:
        by_parent.setdefault(parent_order_id_of(child.order_id), set()).add(child_number(child.order_id))
    read = {str(item[ORDER_ID_ATTRIBUTE]): item for item in batch_get(client, table, [item_key(p) for p in by_parent])}
    for parent_id, numbers in by_parent.items():
        _end(client, table, parent_id, numbers, read.get(parent_id), status, reason, now, result)
    return result


def _end(
    client: Any,
    table: str,
    parent_id: str,
    numbers: set[int],
    item: dict[str, Any] | None,
    status: str,
    reason: str,
    now: str,
    result: Ended,
) -> None:
    """`item`: the ORDER item as read with the others; after a failed version condition it is read again."""
    for attempt in range(MAX_VERSION_ATTEMPTS):
        if attempt:
            item = read_order_item(client, table, parent_id)
        stored = {child_number(str(child[ORDER_ID_ATTRIBUTE])): child for child in child_items(item or {})}
        live = [child_from_item(stored[n]) for n in sorted(numbers) if stored.get(n, {}).get("Status") in LIVE_STATUSES]
        moved_on = {
            n: str(stored.get(n, {}).get("Status", "UNKNOWN"))
            for n in numbers
            if n not in stored or stored[n]["Status"] not in LIVE_STATUSES
        }
        if not live:
            _moved_on(parent_id, moved_on, result)
            return
        assert item is not None
        ended = with_children(
            item,
            {child_number(c.order_id): {"Status": status, "StatusReason": reason, "Updated": now} for c in live},
            now,
        )
        release = release_operation(table, live, now)
        operations = ([release] if release else []) + [{"Put": versioned_put(table, ended, version_of(item))}]
        reasons = transact_conditionally(client, operations, unavailable=StoreUnavailable)
        if reasons is None:
            result.ended.extend(live)
            _moved_on(parent_id, moved_on, result)
            return
        if not reasons[-1].condition_failed:
            raise StoreUnavailable(f"could not end the children of {parent_id}: {reasons}")
    raise StoreUnavailable(f"order {parent_id} kept changing while its children were ended")


def _moved_on(parent_id: str, statuses: dict[int, str], result: Ended) -> None:
    for number, status in statuses.items():
        result.moved_on[child_order_id(parent_id, number)] = status


class DynamoRestingOrders:
    """The order book's view of TradesStore (`orders.book.RestingOrders`)."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._name = table.name
        self._client = table.meta.client

    def of_tickers(self, tickers: Sequence[str]) -> Iterator[ChildOrder]:
        """One paged Query of the index per ticker."""
        for ticker in tickers:
            yield from self._pages(
                "query",
                KeyConditionExpression="#ticker = :ticker",
                ExpressionAttributeNames={"#ticker": RESTING_TICKER_ATTRIBUTE},
                ExpressionAttributeValues={":ticker": ticker},
            )

    def all(self) -> Iterator[ChildOrder]:
        """A paged Scan of the (sparse) index: the resting orders only."""
        yield from self._pages("scan")

    def _pages(self, operation: str, **request: Any) -> Iterator[ChildOrder]:
        """The OPEN children of the ORDER items in the index (which projects whole items)."""
        for item in every_page(getattr(self._table, operation), IndexName=RESTING_ORDERS_INDEX, **request):
            for child in child_items(item):
                if child["Status"] == OPEN:
                    yield child_from_item(child)

    def expire(self, children: Sequence[ChildOrder], reason: str, now: str) -> list[ChildOrder]:
        return end_children(self._client, self._name, children, EXPIRED, reason, now).ended
