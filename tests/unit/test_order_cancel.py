"""Cancel rules: a child or every live child of a parent; what is released; 409 for an order no longer
live (also when it moved on between the read and the write); 404; 400 for a malformed id."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from tests.trade_samples import child_order
from trading_core.model.child_order import ChildOrder, Direction
from trading_core.orders.book import Ended
from trading_core.orders.cancel import (
    CancelRefused,
    InvalidOrderId,
    NotCancellable,
    OrderCanceller,
    OrderNotFound,
    StoredChild,
    StoredOrder,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
PARENT = "6f9a1c2e-0000-4000-8000-000000000001"


class FakeStore:
    def __init__(self, orders: dict[str, StoredOrder], moved_on: dict[str, str] | None = None) -> None:
        self.orders = orders
        self.moved_on = moved_on or {}
        self.calls: list[tuple[list[str], str, str]] = []

    def order(self, order_id: str) -> StoredOrder | None:
        return self.orders.get(order_id)

    def cancel(self, children: Sequence[ChildOrder], reason: str, now: str) -> Ended:
        self.calls.append(([c.order_id for c in children], reason, now))
        return Ended(
            ended=[c for c in children if c.order_id not in self.moved_on],
            moved_on={c.order_id: self.moved_on[c.order_id] for c in children if c.order_id in self.moved_on},
        )


def parent_with(statuses: list[str], direction: Direction = Direction.BUY) -> tuple[StoredOrder, list[ChildOrder]]:
    children = [
        dataclasses.replace(child_order(n, direction=direction, priced=False), parent_order_id=PARENT)
        for n in range(1, len(statuses) + 1)
    ]
    stored = StoredOrder(PARENT, True, tuple(StoredChild(c, s) for c, s in zip(children, statuses, strict=True)))
    return stored, children


def canceller(store: FakeStore) -> OrderCanceller:
    return OrderCanceller(store=store, clock=lambda: NOW)


def test_a_parent_cancels_its_live_children_in_one_call_and_reports_the_others() -> None:
    stored, children = parent_with(["OPEN", "FILLED", "ACCEPTED", "EXPIRED"])
    store = FakeStore({PARENT: stored})

    result = canceller(store).cancel(PARENT)

    assert store.calls == [
        ([children[0].order_id, children[2].order_id], "cancelled by request", "2026-03-02T15:00:00.000Z")
    ]
    body = result.body()
    assert body["cancelled"] == [children[0].order_id, children[2].order_id]
    assert body["released"] == {
        "funds": f"{children[0].reserved_amount + children[2].reserved_amount:.2f}",
        "quantity": 0,
    }
    assert body["notCancelled"] == [
        {"orderId": children[1].order_id, "status": "FILLED"},
        {"orderId": children[3].order_id, "status": "EXPIRED"},
    ]


def test_a_sell_releases_its_quantity_not_funds() -> None:
    stored, children = parent_with(["OPEN", "OPEN"], Direction.SELL)
    body = canceller(FakeStore({PARENT: stored})).cancel(PARENT).body()
    assert body["released"] == {"funds": "0.00", "quantity": sum(c.quantity for c in children)}


def test_a_child_no_longer_live_is_a_409_naming_its_status() -> None:
    child = child_order(1)
    store = FakeStore({child.order_id: StoredOrder(child.order_id, False, (StoredChild(child, "FILLED"),))})
    with pytest.raises(NotCancellable) as refused:
        canceller(store).cancel(child.order_id)
    assert refused.value.body()["message"] == f"order {child.order_id} is FILLED"
    assert store.calls == []


def test_a_parent_with_nothing_live_is_a_409_with_the_common_status_or_done() -> None:
    stored, _ = parent_with(["FILLED", "FILLED"])
    with pytest.raises(NotCancellable, match=f"order {PARENT} is FILLED"):
        canceller(FakeStore({PARENT: stored})).cancel(PARENT)
    stored, _ = parent_with(["FILLED", "CANCELLED"])
    with pytest.raises(NotCancellable, match=f"order {PARENT} is DONE"):
        canceller(FakeStore({PARENT: stored})).cancel(PARENT)


def test_a_fill_between_the_read_and_the_write_makes_it_a_409() -> None:
    child = child_order(1, priced=False)
    store = FakeStore(
        {child.order_id: StoredOrder(child.order_id, False, (StoredChild(child, "OPEN"),))},
        moved_on={child.order_id: "FILLED"},
    )
    with pytest.raises(NotCancellable, match="is FILLED"):
        canceller(store).cancel(child.order_id)


def test_a_refused_parent_is_a_409_that_says_refused() -> None:
    refused = StoredOrder(PARENT, True, (), status="REFUSED")
    with pytest.raises(NotCancellable) as conflict:
        canceller(FakeStore({PARENT: refused})).cancel(PARENT)
    assert conflict.value.body() == {
        "message": f"order {PARENT} is REFUSED",
        "errors": [],
        "orderId": PARENT,
        "status": "REFUSED",
        "notCancelled": [],
    }


def test_unknown_and_malformed_ids() -> None:
    unknown_id = "6f9a1c2e-0000-4000-8000-0000000000ff"
    with pytest.raises(OrderNotFound) as unknown:
        canceller(FakeStore({})).cancel(unknown_id)
    assert unknown.value.body() == {"message": f"order {unknown_id} not found", "errors": []}
    for bad in ("", "a b", "x" * 65, "semi;colon", "nope", "not-a-uuid", unknown_id + "0", None):
        with pytest.raises(InvalidOrderId) as invalid:
            canceller(FakeStore({})).cancel(bad)
        assert invalid.value.body() == {
            "message": "invalid request",
            "errors": [{"field": "orderId", "message": "must be a UUID"}],
        }
    assert issubclass(InvalidOrderId, CancelRefused)
