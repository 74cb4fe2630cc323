"""The funds store's decisions, over a fake DynamoDB client: how cancellations are read and retried."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.unit.dynamodb_fakes import CONFLICT, FAILED, NONE, FakeClient, cancelled, table, wire
from trading_core.common import keys
from trading_core.customers.record import FUNDS_ARE_NUMBERS
from trading_core.model.child_order import PARENT_KIND, Direction, OrderType
from trading_core.model.order_item import child_items, with_children
from trading_core.orders.funds import FundsUnavailable, InsufficientFunds, Reserved, UnknownCustomer, UnreadableCustomer
from trading_core.orders.funds_store import DynamoFundsStore
from trading_core.orders.plan import PlannedOrder, RouterConfig, plan_order
from trading_core.orders.request import OrderRequest

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


def test_a_buy_is_one_transaction_of_the_customer_update_and_the_order_item_with_every_child() -> None:
    client = FakeClient()
    order = plan()

    assert DynamoFundsStore(table(client)).reserve(order, "now") == Reserved(order.reservation)

    [operations] = client.calls
    update = operations[0]["Update"]
    assert update["ConditionExpression"] == f"attribute_exists(#pk) AND {FUNDS_ARE_NUMBERS} AND AvailableFunds >= :need"
    assert update["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert wire(update["ExpressionAttributeValues"][":need"]) == {"N": str(order.reservation)}
    assert len(operations) == 2
    put = operations[1]["Put"]
    item = put["Item"]
    assert item == order.order_item("now")
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
    assert DynamoFundsStore(table(client)).reserve(order, "now") == Reserved(order.reservation)

    [operations] = client.calls
    assert wire(operations[0]["Update"]["ExpressionAttributeValues"][":need"]) == {"N": str(plan().reservation)}
    item = operations[1]["Put"]["Item"]
    assert item["RestingTicker"] == "COIN"
    items = child_items(item)
    assert [(child["Status"], child["RestingTicker"]) for child in items] == [("OPEN", "COIN")] * 3
    assert all("MarketPrice" not in child and "PricedAt" not in child for child in items)
    assert item["MarketPriceAtOrder"] == Decimal("10.01")


def test_a_sell_reserves_its_quantity_on_the_position() -> None:
    client = FakeClient()

    assert DynamoFundsStore(table(client)).reserve(plan(Direction.SELL), "now") == Reserved(Decimal(0))
    [operations] = client.calls
    update = operations[0]["Update"]
    assert update["Key"] == keys.position_key("000002", "COIN")
    assert update["ExpressionAttributeValues"][":q"] == 2500
    assert update["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert len(operations) == 2 and operations[1]["Put"]["Item"]["Direction"] == "Sell"


def test_the_old_item_tells_an_unknown_customer_from_insufficient_funds() -> None:
    funds = {
        "RemainingFunds": {"N": "20"},
        "AvailableFunds": {"N": "12.5"},
        "ReservedFunds": {"N": "7.5"},
        "TotalDeposits": {"N": "20"},
    }
    old = {"Code": "ConditionalCheckFailed", "Item": {"PK": {"S": "CUST#000002"}, **funds}}
    order = plan()

    unknown = DynamoFundsStore(table(FakeClient(cancelled(FAILED, NONE)))).reserve(order, "now")
    short = DynamoFundsStore(table(FakeClient(cancelled(old, NONE)))).reserve(order, "now")

    assert unknown == UnknownCustomer("000002")
    assert short == InsufficientFunds(required=order.reservation, available=Decimal("12.5"))
    assert short.shortfall == order.reservation - Decimal("12.5")


def test_funds_that_are_not_numbers_refuse_the_order_naming_the_field() -> None:
    old = {"Code": "ConditionalCheckFailed", "Item": {"PK": {"S": "CUST#000002"}, "RemainingFunds": {"S": "lots"}}}
    client = FakeClient(cancelled(old, NONE))

    refused = DynamoFundsStore(table(client)).reserve(plan(), "now")

    assert refused == UnreadableCustomer("customer record 000002 cannot be read: RemainingFunds is not a number (str)")
    assert len(client.calls) == 1


def test_conflicts_are_retried_then_reported_as_unavailable() -> None:
    conflict = cancelled(CONFLICT, NONE)
    client = FakeClient(conflict, None)
    assert isinstance(DynamoFundsStore(table(client)).reserve(plan(), "now"), Reserved)
    assert len(client.calls) == 2

    with pytest.raises(FundsUnavailable):
        DynamoFundsStore(table(FakeClient(conflict, conflict, conflict))).reserve(plan(), "now")


def test_other_errors_are_unavailable_not_refusals() -> None:
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "TransactWriteItems")

    with pytest.raises(FundsUnavailable):
        DynamoFundsStore(table(FakeClient(throttled))).reserve(plan(), "now")


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
