"""The funds store's decisions, over a fake DynamoDB client: the reservation and its hold, the order's put, what a
failed condition says, and how releases are read and retried."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.unit.dynamodb_fakes import FAILED, NONE, FakeClient, cancelled, condition_failed, conflicting, table, wire
from trading_core.common import keys
from trading_core.common.dynamodb import MAX_BATCH_WRITE_ROUNDS
from trading_core.customers.record import FUNDS_ARE_NUMBERS
from trading_core.model.child_order import PARENT_KIND, Direction, OrderType
from trading_core.model.order_item import child_items, with_children
from trading_core.orders.funds import (
    AlreadyPlaced,
    FundsUnavailable,
    InsufficientFunds,
    Reserved,
    UnknownCustomer,
    UnreadableCustomer,
)
from trading_core.orders.funds_store import DynamoFundsStore
from trading_core.orders.holds import MAX_FOREIGN_HOLDS, ORPHAN_AFTER
from trading_core.orders.plan import PlannedOrder, RouterConfig, plan_order
from trading_core.orders.request import OrderRequest

NOW = "2026-01-02T10:00:00.000Z"
CONFIG = RouterConfig(split_size=1000, dark_pool_tickers=frozenset(), venue_fees={"NYSE": Decimal("0.0000036")})


def plan(direction: Direction = Direction.BUY, quantity: int = 2500, market: str = "10.00") -> PlannedOrder:
    """A limit order at 10.00; the market at `market` (10.00: marketable either way)."""
    return plan_order(
        OrderRequest(
            customer_id="000002",
            direction=direction,
            ticker="COIN",
            order_type=OrderType.LIMIT,
            quantity=quantity,
            price=Decimal("10.00"),
        ),
        CONFIG,
        order_date="2026-01-02T10:00:00.000Z",
        new_id=lambda: "id-00",
        market_price=Decimal(market),
    )


HOLD = "H#id-00"


def reservation(client: FakeClient, index: int = 0) -> dict[str, Any]:
    operation, request = client.writes[index]
    assert operation == "UpdateItem"
    return request


def test_a_buy_is_the_customer_update_with_its_hold_then_the_order_item_put_with_every_child() -> None:
    client = FakeClient()
    order = plan()

    assert DynamoFundsStore(table(client)).reserve(order, "2026-01-02T10:00:00.000Z") == Reserved(order.reservation)

    assert client.calls == [] and [operation for operation, _ in client.writes] == ["UpdateItem", "PutItem"]
    update = reservation(client)
    assert update["ConditionExpression"] == (
        f"(attribute_exists(#pk) AND {FUNDS_ARE_NUMBERS} AND AvailableFunds >= :need) AND attribute_not_exists(#hold)"
    )
    assert update["ExpressionAttributeNames"]["#hold"] == HOLD
    assert update["UpdateExpression"].endswith(", #hold = :hold") and "REMOVE" not in update["UpdateExpression"]
    assert update["ExpressionAttributeValues"][":hold"] == [order.reservation, 1767348000]
    assert update["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert wire(update["ExpressionAttributeValues"][":need"]) == {"N": str(order.reservation)}
    _, put = client.writes[1]
    item = put["Item"]
    assert item == order.order_item("2026-01-02T10:00:00.000Z")
    assert (item["Kind"], item["OrderId"], item["MarketPrice"]) == (PARENT_KIND, "id-00", Decimal("10.00"))
    children = child_items(item)
    assert [child["Status"] for child in children] == ["ACCEPTED"] * 3
    assert [child["OrderId"] for child in children] == ["id-01", "id-02", "id-03"]
    assert [child["OrderId"] for child in children] == [child.order_id for child in order.children]
    assert "RestingTicker" not in item and all("RestingTicker" not in child for child in children)
    assert put["ConditionExpression"] == "attribute_not_exists(#pk)"


def test_a_resting_buy_reserves_the_same_and_writes_its_children_open_in_the_book() -> None:
    client = FakeClient()
    order = plan(market="10.01")

    assert not order.marketable
    assert DynamoFundsStore(table(client)).reserve(order, NOW) == Reserved(order.reservation)

    assert wire(reservation(client)["ExpressionAttributeValues"][":need"]) == {"N": str(plan().reservation)}
    item = client.writes[1][1]["Item"]
    assert item["RestingTicker"] == "COIN"
    items = child_items(item)
    assert [(child["Status"], child["RestingTicker"]) for child in items] == [("OPEN", "COIN")] * 3
    assert all("MarketPrice" not in child and "PricedAt" not in child for child in items)
    assert item["MarketPriceAtOrder"] == Decimal("10.01")


def test_a_sell_reserves_its_quantity_on_the_position_with_its_hold() -> None:
    client = FakeClient()

    assert DynamoFundsStore(table(client)).reserve(plan(Direction.SELL), NOW) == Reserved(Decimal(0))
    update = reservation(client)
    assert update["Key"] == keys.position_key("000002", "COIN")
    assert update["ExpressionAttributeValues"][":q"] == 2500
    assert update["ExpressionAttributeValues"][":hold"][0] == 2500
    assert update["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert len(client.writes) == 2 and client.writes[1][1]["Item"]["Direction"] == "Sell"


def test_the_old_item_tells_an_unknown_customer_from_insufficient_funds() -> None:
    funds = {
        "RemainingFunds": {"N": "20"},
        "AvailableFunds": {"N": "12.5"},
        "ReservedFunds": {"N": "7.5"},
        "TotalDeposits": {"N": "20"},
    }
    old = {"PK": {"S": "CUST#000002"}, "SK": {"S": "CUST#000002"}, **funds}
    order = plan()

    unknown_client = FakeClient(condition_failed())
    unknown = DynamoFundsStore(table(unknown_client)).reserve(order, NOW)
    short = DynamoFundsStore(table(FakeClient(condition_failed(old)))).reserve(order, NOW)

    assert unknown == UnknownCustomer("000002")
    assert short == InsufficientFunds(required=order.reservation, available=Decimal("12.5"))
    assert short.shortfall == order.reservation - Decimal("12.5")
    # Nothing was written; the order's item was looked for (a first run of its key may have placed it).
    assert len(unknown_client.writes) == 1 and unknown_client.gets[0]["ConsistentRead"] is True


def test_funds_that_are_not_numbers_refuse_the_order_naming_the_field() -> None:
    old = {"PK": {"S": "CUST#000002"}, "SK": {"S": "CUST#000002"}, "RemainingFunds": {"S": "lots"}}
    client = FakeClient(condition_failed(old))

    refused = DynamoFundsStore(table(client)).reserve(plan(), NOW)

    assert refused == UnreadableCustomer("customer record 000002 cannot be read: RemainingFunds is not a number (str)")
    assert len(client.writes) == 1


def test_conflicts_are_retried_then_reported_as_unavailable() -> None:
    client = FakeClient(conflicting(), None)
    assert isinstance(DynamoFundsStore(table(client)).reserve(plan(), NOW), Reserved)
    assert [operation for operation, _ in client.writes] == ["UpdateItem", "UpdateItem", "PutItem"]

    with pytest.raises(FundsUnavailable):
        DynamoFundsStore(table(FakeClient(conflicting(), conflicting(), conflicting()))).reserve(plan(), NOW)


def test_other_errors_are_unavailable_not_refusals() -> None:
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "UpdateItem")

    with pytest.raises(FundsUnavailable):
        DynamoFundsStore(table(FakeClient(throttled))).reserve(plan(), NOW)


def test_an_order_item_that_could_not_be_written_gives_its_reservation_back_at_once() -> None:
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutItem")
    client = FakeClient(None, throttled)
    order = plan()

    with pytest.raises(FundsUnavailable):
        DynamoFundsStore(table(client)).reserve(order, NOW)

    release = client.writes[2][1]
    assert release["ConditionExpression"] == "attribute_exists(#hold)"
    assert release["ExpressionAttributeNames"] == {"#hold": HOLD}
    assert release["ExpressionAttributeValues"][":held"] == order.reservation
    assert release["UpdateExpression"] == (
        "SET AvailableFunds = AvailableFunds + :held, ReservedFunds = ReservedFunds - :held, Updated = :now "
        "REMOVE #hold"
    )


def test_an_order_a_first_run_of_its_key_placed_is_answered_from_its_item_and_reserves_nothing() -> None:
    """Its reservation went through (the first run's hold was removed since): the put finds the item, and the
    reservation is given back."""
    order = plan()
    stored_item = {"PK": {"S": "ORDER#id-00"}, "SK": {"S": "ORDER#id-00"}, "OrderId": {"S": "id-00"}}
    client = FakeClient(None, condition_failed(stored_item, "PutItem"))

    assert DynamoFundsStore(table(client)).reserve(order, NOW) == AlreadyPlaced(
        {"PK": "ORDER#id-00", "SK": "ORDER#id-00", "OrderId": "id-00"}
    )
    assert [operation for operation, _ in client.writes] == ["UpdateItem", "PutItem", "UpdateItem"]
    assert client.writes[2][1]["ExpressionAttributeValues"][":held"] == order.reservation


def test_a_reservation_that_finds_its_order_placed_answers_it() -> None:
    """The first run's hold (or its spending) failed the condition; the order's item is there."""
    order = plan()
    stored_item = {"PK": "ORDER#id-00", "SK": "ORDER#id-00", "OrderId": "id-00", "Status": "REFUSED"}
    client = FakeClient(condition_failed({"PK": {"S": "CUST#000002"}, "SK": {"S": "CUST#000002"}}), reads=[stored_item])

    assert DynamoFundsStore(table(client)).reserve(order, NOW) == AlreadyPlaced(stored_item)
    assert len(client.writes) == 1


def test_its_own_hold_without_its_order_is_being_placed_or_an_orphan_given_back() -> None:
    """A hold of the same order and no ORDER item: another run is between its two writes (try again), or, past
    `ORPHAN_AFTER`, one stopped there: its hold is given back once and the reservation made anew."""
    order = plan()
    made = 1767348000  # NOW

    def customer(at: int) -> dict[str, Any]:
        hold = {"L": [{"N": str(order.reservation)}, {"N": str(at)}]}
        return {"PK": {"S": "CUST#000002"}, "SK": {"S": "CUST#000002"}, HOLD: hold}

    fresh = FakeClient(condition_failed(customer(made - ORPHAN_AFTER + 1)))
    with pytest.raises(FundsUnavailable, match="being placed"):
        DynamoFundsStore(table(fresh)).reserve(order, NOW)
    assert len(fresh.writes) == 1

    orphan = FakeClient(condition_failed(customer(made - ORPHAN_AFTER)), None, None)
    assert DynamoFundsStore(table(orphan)).reserve(order, NOW) == Reserved(order.reservation)
    assert [operation for operation, _ in orphan.writes] == ["UpdateItem", "UpdateItem", "UpdateItem", "PutItem"]
    release = orphan.writes[1][1]
    assert (release["ExpressionAttributeNames"], release["ConditionExpression"]) == (
        {"#hold": HOLD},
        "attribute_exists(#hold)",
    )


def test_the_next_reservation_removes_the_holds_of_orders_placed_and_looks_up_many_foreign_ones() -> None:
    first, second = (
        plan(),
        plan_order(plan().request, CONFIG, order_date=NOW, new_id=lambda: "id2-00", market_price=Decimal("10.00")),
    )
    foreign = {f"H#f{n}-00": [Decimal(1), 1767348000 - ORPHAN_AFTER] for n in range(MAX_FOREIGN_HOLDS)}
    placed = {"PK": "ORDER#f0-00", "SK": "ORDER#f0-00", "OrderId": "f0-00"}
    client = FakeClient(reads=[placed])
    client.attributes = {HOLD: [first.reservation, 1767348000], **foreign}
    store = DynamoFundsStore(table(client))

    assert store.reserve(first, NOW) == Reserved(first.reservation)
    # Four holds of other runs: their orders looked up in one read; f0 was placed, the others are orphans.
    assert client.gets[-1]["Keys"] == [keys.order_key(f"f{n}-00") for n in range(MAX_FOREIGN_HOLDS)]
    given_back = [request["ExpressionAttributeNames"]["#hold"] for _, request in client.writes[2:]]
    assert given_back == [f"H#f{n}-00" for n in range(1, MAX_FOREIGN_HOLDS)]

    client.attributes = {}
    assert store.reserve(second, NOW) == Reserved(second.reservation)
    update = client.writes[2 + len(given_back)][1]
    assert update["UpdateExpression"].endswith(" REMOVE #r0, #r1")
    assert [update["ExpressionAttributeNames"][name] for name in ("#r0", "#r1")] == ["H#f0-00", HOLD]


def other(order_id: str) -> PlannedOrder:
    return plan_order(plan().request, CONFIG, order_date=NOW, new_id=lambda: order_id, market_price=Decimal("10.00"))


def test_deferred_order_items_are_written_together_and_one_left_unprocessed_gets_its_reservation_back() -> None:
    """A request without a key (fresh ids): the reservations one by one, then the ORDER items in one
    BatchWriteItem; one still unprocessed after its rounds was not written, so its reservation is given back."""
    first, second = plan(), other("id2-00")
    unprocessed = {"t": [{"PutRequest": {"Item": second.order_item(NOW)}}]}
    client = FakeClient(None, None, *[unprocessed] * MAX_BATCH_WRITE_ROUNDS)
    store = DynamoFundsStore(table(client))

    assert store.reserve(first, NOW, defer=True) == Reserved(first.reservation)
    assert store.reserve(second, NOW, defer=True) == Reserved(second.reservation)
    assert [operation for operation, _ in client.writes] == ["UpdateItem", "UpdateItem"]

    assert store.place_deferred() == {"id2-00"}
    batch = client.writes[2][1]["t"]
    assert [entry["PutRequest"]["Item"] for entry in batch] == [first.order_item(NOW), second.order_item(NOW)]
    operations = [operation for operation, _ in client.writes]
    assert operations == ["UpdateItem", "UpdateItem"] + ["BatchWriteItem"] * MAX_BATCH_WRITE_ROUNDS + ["UpdateItem"]
    release = client.writes[-1][1]
    assert release["ExpressionAttributeNames"] == {"#hold": "H#id2-00"}
    assert store.place_deferred() == set()


def test_a_batch_of_order_items_that_failed_is_put_item_by_item_on_condition_there_is_none() -> None:
    """The batch may have written some: each is put on condition that there is none, so it is written either
    way; one whose put fails too keeps its reservation (it may exist, its children holding it) and is reported."""
    first, second = plan(), other("id2-00")
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "BatchWriteItem")
    down = ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}}, "PutItem")
    client = FakeClient(None, None, throttled, condition_failed(operation="PutItem"), down)
    store = DynamoFundsStore(table(client))
    store.reserve(first, NOW, defer=True)
    store.reserve(second, NOW, defer=True)

    assert store.place_deferred() == {"id2-00"}
    operations = [operation for operation, _ in client.writes]
    assert operations == ["UpdateItem", "UpdateItem", "BatchWriteItem", "PutItem", "PutItem"]
    assert client.writes[3][1]["ConditionExpression"] == "attribute_not_exists(#pk)"


def test_a_requests_orders_on_one_item_are_reserved_together_by_one_update_of_their_sum() -> None:
    first, second = plan(), other("id2-00")
    client = FakeClient()

    outcomes = DynamoFundsStore(table(client)).reserve_all([first, second], NOW, defer=True)

    assert outcomes == [Reserved(first.reservation), Reserved(second.reservation)]
    [(operation, update)] = client.writes
    assert operation == "UpdateItem"
    assert update["ExpressionAttributeValues"][":need"] == first.reservation + second.reservation
    assert [update["ExpressionAttributeNames"][name] for name in ("#h0", "#h1")] == [HOLD, "H#id2-00"]
    assert update["ConditionExpression"].endswith("AND attribute_not_exists(#h0) AND attribute_not_exists(#h1)")


def test_orders_whose_sum_the_funds_do_not_cover_are_reserved_one_by_one_in_order() -> None:
    """The sum failed its condition (nothing written): each order as alone, so the first still passes."""
    first, second = plan(), other("id2-00")
    customer = {"PK": {"S": "CUST#000002"}, "SK": {"S": "CUST#000002"}}
    funds = {"RemainingFunds": {"N": "30000"}, "AvailableFunds": {"N": "30000"}, "ReservedFunds": {"N": "0"}}
    short = condition_failed({**customer, **funds, "TotalDeposits": {"N": "30000"}})
    client = FakeClient(short, None, short)

    outcomes = DynamoFundsStore(table(client)).reserve_all([first, second], NOW, defer=True)

    assert outcomes == [
        Reserved(first.reservation),
        InsufficientFunds(required=second.reservation, available=Decimal("30000")),
    ]
    assert [operation for operation, _ in client.writes] == ["UpdateItem"] * 3


def stored(order: PlannedOrder, **statuses: str) -> dict[str, Any]:
    """The order's ORDER item as the router wrote it, some children (by number) moved on since."""
    item = order.order_item("before")
    return with_children(item, {int(n[1:]): {"Status": status} for n, status in statuses.items()}, "later")


def test_release_skips_children_that_were_filled_meanwhile() -> None:
    """The ORDER item read says the second child filled: only the others are released and REJECTED, in one
    transaction with the item's put on condition of the version read."""
    order = plan()
    client = FakeClient(reads=[stored(order, c2="FILLED")])

    released = DynamoFundsStore(table(client)).release(order.children, "now", "could not be routed")

    assert released == [order.children[0], order.children[2]]
    [operations] = client.calls
    assert client.gets[0]["ConsistentRead"] is True
    expected = order.children[0].reserved_amount + order.children[2].reserved_amount
    assert wire(operations[0]["Update"]["ExpressionAttributeValues"][":amount"]) == {"N": str(expected)}
    put = operations[1]["Put"]
    assert (put["ConditionExpression"], put["ExpressionAttributeValues"]) == ("#version = :version", {":version": 2})
    children = child_items(put["Item"])
    assert [(child["Status"], child.get("StatusReason")) for child in children] == [
        ("REJECTED", "could not be routed"),
        ("FILLED", None),
        ("REJECTED", "could not be routed"),
    ]


def test_a_release_racing_another_writer_reads_again_and_releases_only_what_is_still_live() -> None:
    """The put's version condition fails (a fill settled between the read and the write): nothing was
    written; the item is read again and the release made for the children still live."""
    order = plan()
    client = FakeClient(cancelled(NONE, FAILED), reads=[stored(order), stored(order, c1="FILLED")])

    released = DynamoFundsStore(table(client)).release(order.children, "now", "r")

    assert released == [order.children[1], order.children[2]]
    first, second = client.calls
    assert wire(first[0]["Update"]["ExpressionAttributeValues"][":amount"]) == {"N": str(order.reservation)}
    expected = order.children[1].reserved_amount + order.children[2].reserved_amount
    assert wire(second[0]["Update"]["ExpressionAttributeValues"][":amount"]) == {"N": str(expected)}


def test_a_resting_child_is_released_like_an_accepted_one() -> None:
    order = plan(market="10.01")
    client = FakeClient(reads=[stored(order)])

    assert DynamoFundsStore(table(client)).release(order.children, "now", "r") == list(order.children)
    [operations] = client.calls
    assert wire(operations[0]["Update"]["ExpressionAttributeValues"][":amount"]) == {"N": str(order.reservation)}
    assert "RestingTicker" not in operations[1]["Put"]["Item"]  # out of the book


def test_release_of_a_sell_gives_back_the_position_and_marks_the_children() -> None:
    order = plan(Direction.SELL, 1500)
    client = FakeClient(reads=[stored(order)])

    assert DynamoFundsStore(table(client)).release(order.children, "now", "r") == list(order.children)
    [operations] = client.calls
    assert operations[0]["Update"]["Key"] == keys.position_key("000002", "COIN")
    assert operations[0]["Update"]["ExpressionAttributeValues"][":q"] == 1500
    assert len(operations) == 2
    assert {child["Status"] for child in child_items(operations[1]["Put"]["Item"])} == {"REJECTED"}
