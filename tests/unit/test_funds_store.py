"""The funds store's decisions, over a fake DynamoDB client: how cancellations are read and retried."""

from __future__ import annotations

from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from tests.unit.dynamodb_fakes import CONFLICT, FAILED, NONE, FakeClient, cancelled, table, wire
from trading_core.customers.record import FUNDS_ARE_NUMBERS
from trading_core.model.child_order import Direction, OrderType
from trading_core.orders.funds import FundsUnavailable, InsufficientFunds, Reserved, UnknownCustomer, UnreadableCustomer
from trading_core.orders.funds_store import DynamoFundsStore
from trading_core.orders.plan import PlannedOrder, RouterConfig, plan_order
from trading_core.orders.request import OrderRequest

CONFIG = RouterConfig(split_size=1000, dark_pool_tickers=frozenset(), venue_fees={"NYSE": Decimal("0.0000036")})


def plan(direction: Direction = Direction.BUY, quantity: int = 2500) -> PlannedOrder:
    ids = iter(f"id-{n}" for n in range(100))
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
        new_id=lambda: next(ids),
        reference_price=lambda _: Decimal(1),
    )


def test_a_buy_is_one_transaction_of_the_customer_update_and_every_child() -> None:
    client = FakeClient()
    order = plan()

    assert DynamoFundsStore(table(client)).reserve(order, "now") == Reserved(order.reservation)

    [operations] = client.calls
    update = operations[0]["Update"]
    assert update["ConditionExpression"] == f"attribute_exists(#pk) AND {FUNDS_ARE_NUMBERS} AND AvailableFunds >= :need"
    assert update["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert wire(update["ExpressionAttributeValues"][":need"]) == {"N": str(order.reservation)}
    assert [wire(op["Put"]["Item"]["Status"]) for op in operations[1:]] == [{"S": "ACCEPTED"}] * 3
    assert {op["Put"]["ConditionExpression"] for op in operations[1:]} == {"attribute_not_exists(#pk)"}


def test_a_sell_only_checks_that_the_customer_exists_with_funds() -> None:
    client = FakeClient()

    assert DynamoFundsStore(table(client)).reserve(plan(Direction.SELL), "now") == Reserved(Decimal(0))
    check = client.calls[0][0]["ConditionCheck"]
    assert check["ConditionExpression"] == f"attribute_exists(#pk) AND {FUNDS_ARE_NUMBERS}"
    assert check["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"


def test_the_old_item_tells_an_unknown_customer_from_insufficient_funds() -> None:
    funds = {"RemainingFunds": {"N": "20"}, "AvailableFunds": {"N": "12.5"}, "ReservedFunds": {"N": "7.5"}}
    old = {"Code": "ConditionalCheckFailed", "Item": {"PK": {"S": "CUST#000002"}, **funds}}
    order = plan()

    unknown = DynamoFundsStore(table(FakeClient(cancelled(FAILED, NONE, NONE, NONE)))).reserve(order, "now")
    short = DynamoFundsStore(table(FakeClient(cancelled(old, NONE, NONE, NONE)))).reserve(order, "now")

    assert unknown == UnknownCustomer("000002")
    assert short == InsufficientFunds(required=order.reservation, available=Decimal("12.5"))
    assert short.shortfall == order.reservation - Decimal("12.5")


def test_funds_that_are_not_numbers_refuse_the_order_naming_the_field() -> None:
    old = {"Code": "ConditionalCheckFailed", "Item": {"PK": {"S": "CUST#000002"}, "RemainingFunds": {"S": "lots"}}}
    client = FakeClient(cancelled(old, NONE, NONE, NONE))

    refused = DynamoFundsStore(table(client)).reserve(plan(), "now")

    assert refused == UnreadableCustomer("customer record 000002 cannot be read: RemainingFunds is not a number (str)")
    assert len(client.calls) == 1


def test_conflicts_are_retried_then_reported_as_unavailable() -> None:
    conflict = cancelled(CONFLICT, NONE, NONE, NONE)
    client = FakeClient(conflict, None)
    assert isinstance(DynamoFundsStore(table(client)).reserve(plan(), "now"), Reserved)
    assert len(client.calls) == 2

    with pytest.raises(FundsUnavailable):
        DynamoFundsStore(table(FakeClient(conflict, conflict, conflict))).reserve(plan(), "now")


def test_other_errors_are_unavailable_not_refusals() -> None:
    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "TransactWriteItems")

    with pytest.raises(FundsUnavailable):
        DynamoFundsStore(table(FakeClient(throttled))).reserve(plan(), "now")


def test_release_skips_children_that_were_filled_meanwhile() -> None:
    order = plan()
    client = FakeClient(cancelled(NONE, NONE, FAILED, NONE))

    released = DynamoFundsStore(table(client)).release(order.children, "now", "could not be routed")

    assert released == [order.children[0], order.children[2]]
    first, second = client.calls
    assert len(first) == 4 and len(second) == 3
    expected = order.children[0].reserved_amount + order.children[2].reserved_amount
    assert wire(second[0]["Update"]["ExpressionAttributeValues"][":amount"]) == {"N": str(expected)}
    assert {op["Update"]["ConditionExpression"] for op in second[1:]} == {"#status = :accepted"}


def test_release_of_a_sell_only_marks_the_children() -> None:
    client = FakeClient()
    order = plan(Direction.SELL, 1500)

    assert DynamoFundsStore(table(client)).release(order.children, "now", "r") == list(order.children)
    assert all("#status" in op["Update"]["UpdateExpression"] for op in client.calls[0])
