"""The funds store's decisions, over a fake DynamoDB client: how cancellations are read and retried."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from trading_core.config import RouterConfig
from trading_core.customers import FUNDS_ARE_NUMBERS
from trading_core.funds import (
    DynamoFundsStore,
    FundsUnavailable,
    InsufficientFunds,
    Reserved,
    TopUp,
    TopUpOutcome,
    UnknownCustomer,
    UnreadableCustomer,
    raise_funds,
    top_up_from_wire,
)
from trading_core.model import Direction, OrderType
from trading_core.orders import OrderRequest, PlannedOrder, plan_order

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


def cancelled(*reasons: dict[str, Any]) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
            "CancellationReasons": list(reasons),
        },
        "TransactWriteItems",
    )


NONE = {"Code": "None"}
FAILED = {"Code": "ConditionalCheckFailed"}
CONFLICT = {"Code": "TransactionConflict"}


class FakeClient:
    """Answers each TransactWriteItems call with the next scripted error (or success).

    It stands for a Table resource's client, so requests carry plain Python values; cancellation
    reasons (as from DynamoDB) keep the wire format."""

    def __init__(self, *answers: ClientError | None) -> None:
        self.answers = list(answers)
        self.calls: list[list[dict[str, Any]]] = []

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(TransactItems)
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer
        return {}


def wire(value: Any) -> dict[str, Any]:
    """A value as the Table resource's client sends it to DynamoDB."""
    return TypeSerializer().serialize(value)


def table(client: FakeClient) -> Any:
    """A stand-in for the boto3 Table resource: the store only uses its name and `meta.client`."""
    return SimpleNamespace(name="t", meta=SimpleNamespace(client=client))


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


def test_a_top_up_is_a_marker_and_a_customer_update() -> None:
    client = FakeClient()
    top_up = TopUp(order_id="p-1", customer_id="000003", amount=Decimal("619.01"))

    assert DynamoFundsStore(table(client)).top_up(top_up, "now") is TopUpOutcome.APPLIED
    marker, customer = client.calls[0]
    assert wire(marker["Put"]["Item"]["SK"]) == {"S": "TOPUP"}
    assert wire(customer["Update"]["ExpressionAttributeValues"][":amount"]) == {"N": "619.01"}

    assert DynamoFundsStore(table(FakeClient(cancelled(FAILED, NONE)))).top_up(top_up, "now") is TopUpOutcome.DUPLICATE
    assert (
        DynamoFundsStore(table(FakeClient(cancelled(NONE, FAILED)))).top_up(top_up, "now")
        is TopUpOutcome.UNKNOWN_CUSTOMER
    )


@pytest.mark.parametrize(
    ("shortfall", "amount"), [("619.01", "619.01"), ("0.001", "0.01"), ("10.011", "10.02"), (5, "5")]
)
def test_the_top_up_is_the_shortfall_rounded_up_to_the_cent(shortfall: object, amount: str) -> None:
    top_up = top_up_from_wire({"orderId": "p", "customerId": "c", "shortfall": shortfall})
    assert top_up.amount == Decimal(amount)


@pytest.mark.parametrize(
    "order",
    [
        {"customerId": "c", "shortfall": "1"},
        {"orderId": "p", "shortfall": "1"},
        {"orderId": "p", "customerId": "c", "shortfall": 1.5},
        {"orderId": "p", "customerId": "c", "shortfall": "0"},
        {"orderId": "p", "customerId": "c"},
    ],
)
def test_malformed_credit_checks_are_refused(order: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        top_up_from_wire(order)


def test_raise_funds_counts_outcomes_and_skips_what_cannot_be_fixed() -> None:
    class Store:
        def top_up(self, top_up: TopUp, now: str) -> TopUpOutcome:
            if top_up.customer_id == "y":
                return TopUpOutcome.UNREADABLE_CUSTOMER
            return TopUpOutcome.UNKNOWN_CUSTOMER if top_up.customer_id == "x" else TopUpOutcome.APPLIED

    counts = raise_funds(
        Store(),
        [
            {"orderId": "1", "customerId": "a", "shortfall": "1"},
            {"orderId": "2", "customerId": "x", "shortfall": "1"},
            {"orderId": "4", "customerId": "y", "shortfall": "1"},
            {"orderId": "3", "customerId": "a"},
        ],
        "now",
    )

    assert counts == {
        TopUpOutcome.APPLIED: 1,
        TopUpOutcome.DUPLICATE: 0,
        TopUpOutcome.UNKNOWN_CUSTOMER: 1,
        TopUpOutcome.UNREADABLE_CUSTOMER: 1,
    }
