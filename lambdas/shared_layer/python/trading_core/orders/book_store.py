"""Resting orders in TradesStore: the sparse `RestingOrders` index (only OPEN child orders carry
`RestingTicker`) and the one way a live child ends without a fill, shared by the order book (EXPIRED)
and the canceller (CANCELLED).

`end_children` is one transaction per at most 99 children of one customer and direction: each child's
`end_operation` (condition `Status IN (ACCEPTED, OPEN)`) and one `release_operation` of what exactly
those children reserved. A child whose condition fails moved on (a fill, a cancel, an expiry came
first): the transaction is sent again without it, so it is neither ended nor released, and the
reservation of the others is released once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from trading_core.common.dynamodb import MAX_TRANSACTION_ITEMS, chunked, every_page, transact_conditionally
from trading_core.contracts import RESTING_ORDERS_INDEX, RESTING_TICKER_ATTRIBUTE
from trading_core.model.child_order import EXPIRED, ChildOrder
from trading_core.model.items import item_to_wire
from trading_core.orders.book import Ended
from trading_core.orders.reservations import end_operation, release_operation

CHILDREN_PER_TRANSACTION: Final = MAX_TRANSACTION_ITEMS - 1
"""One release plus at most 99 children in a transaction of 100 items."""


class StoreUnavailable(RuntimeError):
    """TradesStore kept conflicting: nothing was written; try again."""


def child_from_item(item: dict[str, Any]) -> ChildOrder:
    return ChildOrder.from_wire(item_to_wire(item))


def end_children(client: Any, table: str, children: Sequence[ChildOrder], status: str, reason: str, now: str) -> Ended:
    """Ends live `children` (one customer, one direction) with `status`, releasing what they reserved."""
    result = Ended()
    for chunk in chunked(list(children), CHILDREN_PER_TRANSACTION):
        pending = list(chunk)
        while pending:
            release = release_operation(table, pending, now)
            operations = [release] if release else []
            offset = len(operations)
            operations.extend(end_operation(table, child, status, reason, now) for child in pending)
            reasons = transact_conditionally(client, operations, unavailable=StoreUnavailable)
            if reasons is None:
                result.ended.extend(pending)
                break
            moved_on = {
                index - offset: cancel.item
                for index, cancel in enumerate(reasons)
                if index >= offset and cancel.condition_failed
            }
            if not moved_on:
                raise StoreUnavailable(f"could not end the orders of {pending[0].customer_id}: {reasons}")
            for index, item in moved_on.items():
                result.moved_on[pending[index].order_id] = str((item or {}).get("Status", "UNKNOWN"))
            pending = [child for index, child in enumerate(pending) if index not in moved_on]
    return result


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
        for item in every_page(getattr(self._table, operation), IndexName=RESTING_ORDERS_INDEX, **request):
            yield child_from_item(item)

    def expire(self, children: Sequence[ChildOrder], reason: str, now: str) -> list[ChildOrder]:
        return end_children(self._client, self._name, children, EXPIRED, reason, now).ended
