"""Refused orders are kept (issue 10 point 1): one REFUSED parent ORDER item per refusal that is the order's
own fate, in the customer's list of orders, named by `orderId` in the answer; transient failures are not
kept; an Idempotency-Key retry writes the same ids again."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from tests.seed import SEED_ORDER
from tests.unit.test_order_router import NOW, FakeFunds, FakePublisher, FakeReferences, intake, submit
from trading_core.common.clock import to_iso
from trading_core.contracts import ORDER_CUSTOMER_ATTRIBUTE, ORDER_KEY_ATTRIBUTE
from trading_core.model.order_item import child_items
from trading_core.orders.refusals import keyed_order_id
from trading_core.orders.request import SubmittedOrder, parse_body
from trading_core.orders.router import Answer, RoutingResult, Submit

UNKNOWN = {**SEED_ORDER, "customerId": "000099"}
POOR = {**SEED_ORDER, "customerId": "000003", "quantity": 1, "price": "100.01"}
HUGE = {**SEED_ORDER, "quantity": 100_000}
NEVER_HEARD_OF = {**SEED_ORDER, "ticker": "ZZZZ"}


def funds() -> FakeFunds:
    return FakeFunds(**{"000002": "2000000", "000003": "100.00"})


def test_each_refusal_is_kept_as_a_refused_parent_order_named_in_the_answer() -> None:
    store, publisher = funds(), FakePublisher()

    result = submit(intake(store, publisher), UNKNOWN, POOR, HUGE, NEVER_HEARD_OF, SEED_ORDER)

    body = result.body()
    assert len(body["orders"]) == 9  # the seed order is accepted as ever
    refused = body["invalidOrders"]
    assert [entry["reason"] for entry in refused] == [
        "unknown customer 000099",
        "insufficient funds: the order needs 100.01, available 100.00",
        "quantity 100000 exceeds the maximum of 98000 per order with split size 1000",
        "unknown ticker",
    ]
    assert store.keep_calls == 1  # one write for the whole request
    kept = {item["OrderId"]: item for item in store.kept}
    assert [entry["orderId"] for entry in refused] == list(kept)
    for entry in refused:
        item = kept[entry["orderId"]]
        sent = entry["order"]
        assert item["PK"] == item["SK"] == f"ORDER#{entry['orderId']}"
        assert (item["Kind"], item["Status"], item["StatusReason"], child_items(item)) == (
            "PARENT",
            "REFUSED",
            entry["reason"],
            [],
        )
        assert (item["CustomerId"], item["Ticker"], item["Quantity"], str(item["Price"])) == (
            sent["customerId"],
            sent["ticker"],
            sent["quantity"],
            sent["price"],
        )
        assert item[ORDER_CUSTOMER_ATTRIBUTE] == sent["customerId"]
        assert item[ORDER_KEY_ATTRIBUTE] == f"{to_iso(NOW)}#{entry['orderId']}"
    # the unknown ticker has no market price; the others met one
    assert "MarketPriceAtOrder" not in kept[refused[3]["orderId"]]
    assert "MarketPriceAtOrder" in kept[refused[0]["orderId"]]
    # the top-up of the order refused for funds is recorded under the refused order's id
    [check] = [
        order for event in publisher.events if "invalidOrders" in event.detail for order in event.detail["orders"]
    ]
    assert check["orderId"] == refused[1]["orderId"]
    assert result.metrics()["RefusedOrdersKept"] == 4


def test_transient_failures_are_not_kept_and_name_no_order() -> None:
    store, references = funds(), FakeReferences()
    store.fail_reserve = True

    result = submit(intake(store, FakePublisher(), references=references), SEED_ORDER)

    assert result.body()["invalidOrders"] == [
        {"order": SEED_ORDER, "reason": "could not be processed, try again", "orderId": None}
    ]
    assert store.keep_calls == 0 and store.kept == []


def test_a_routing_failure_names_the_parent_order_it_wrote() -> None:
    store, publisher = funds(), FakePublisher(fail_calls={0})

    result = submit(intake(store, publisher), SEED_ORDER)

    [entry] = result.body()["invalidOrders"]
    assert entry["reason"] == "could not be routed, try again"
    assert entry["orderId"] == store.plans[0].parent_order_id  # the parent is there, its children REJECTED
    assert store.kept == []


def test_when_the_refusals_cannot_be_written_the_answer_still_refuses_but_names_no_order() -> None:
    store = funds()
    store.fail_keep = True

    result = submit(intake(store, FakePublisher()), UNKNOWN, SEED_ORDER)

    assert result.body()["invalidOrders"] == [{"order": UNKNOWN, "reason": "unknown customer 000099", "orderId": None}]
    assert len(result.routed) == 9
    assert result.metrics()["RefusedOrdersKept"] == 0


def test_with_an_idempotency_key_a_retry_keeps_the_same_refused_orders() -> None:
    orders = parse_body(json.dumps([SEED_ORDER, UNKNOWN, POOR]))
    first_store, again_store = funds(), funds()

    first = intake(first_store, FakePublisher()).submit(orders, idempotency_key="key-1")
    again = intake(again_store, FakePublisher()).submit(orders, idempotency_key="key-1")
    other = intake(funds(), FakePublisher()).submit(orders, idempotency_key="key-2")

    ids = [entry.order_id for entry in first.invalid]
    assert ids == [keyed_order_id("key-1", 1), keyed_order_id("key-1", 2)]
    assert [entry.order_id for entry in again.invalid] == ids
    assert [item["OrderId"] for item in again_store.kept] == ids
    assert not set(ids) & {entry.order_id for entry in other.invalid}
    assert all(uuid.UUID(str(order_id)).version == 5 for order_id in ids)


class RunOnce:
    """An idempotency store that runs the submission (the first time a key is seen)."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def run(self, key: str, orders: Sequence[SubmittedOrder], submit: Submit) -> Answer:
        self.keys.append(key)
        result: RoutingResult = submit(orders)
        return Answer(result.body(), result.metrics())


def test_handle_passes_the_idempotency_key_to_the_ids_of_refused_orders() -> None:
    router = intake(funds(), FakePublisher())
    router.idempotency = RunOnce()

    answer = router.handle(json.dumps(UNKNOWN), idempotency_key="abc")

    invalid: list[dict[str, Any]] = answer.body["invalidOrders"]
    assert [entry["orderId"] for entry in invalid] == [keyed_order_id("abc", 0)]
