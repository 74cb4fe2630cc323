"""The funds raiser's top-ups over a fake DynamoDB client, and which CreditCheck orders it applies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.unit.dynamodb_fakes import FAILED, NONE, FakeClient, cancelled, table, wire
from trading_core.customers.funds_raiser import TopUp, TopUpOutcome, auto_top_up_enabled, raise_funds, top_up_from_wire
from trading_core.customers.top_up_store import DynamoTopUpStore


def test_a_top_up_is_a_marker_a_deposit_entry_and_a_customer_update() -> None:
    client = FakeClient()
    top_up = TopUp(order_id="p-1", customer_id="000003", amount=Decimal("619.01"))

    assert DynamoTopUpStore(table(client)).top_up(top_up, "2026-03-02T15:00:00.000Z") is TopUpOutcome.APPLIED
    marker, customer, entry = client.calls[0]
    assert wire(marker["Put"]["Item"]["SK"]) == {"S": "TOPUP"}
    assert wire(customer["Update"]["ExpressionAttributeValues"][":amount"]) == {"N": "619.01"}
    assert "TotalDeposits = TotalDeposits + :amount" in customer["Update"]["UpdateExpression"]
    item = entry["Put"]["Item"]
    assert (item["PK"], item["SK"]) == ("CUST#000003", "LEDGER#2026-03-02T15:00:00.000Z#p-1")
    assert (item["Kind"], item["Amount"]) == ("DEPOSIT", Decimal("619.01"))
    assert item["Reason"] == "automatic top-up: order p-1 lacked 619.01"

    duplicate = FakeClient(cancelled(FAILED, NONE, NONE))
    assert DynamoTopUpStore(table(duplicate)).top_up(top_up, "now") is TopUpOutcome.DUPLICATE
    unknown = FakeClient(cancelled(NONE, FAILED, NONE))
    assert DynamoTopUpStore(table(unknown)).top_up(top_up, "now") is TopUpOutcome.UNKNOWN_CUSTOMER


def test_with_auto_top_up_off_nothing_is_written_and_each_order_is_counted() -> None:
    class Store:
        def top_up(self, top_up: TopUp, now: str) -> TopUpOutcome:
            raise AssertionError("no top-up when auto-top-up is off")

    orders = [{"orderId": "1", "customerId": "a", "shortfall": "1"}, {"orderId": "2", "customerId": "b"}]
    counts = raise_funds(Store(), orders, "now", enabled=False)

    assert counts[TopUpOutcome.DISABLED] == 1 and counts[TopUpOutcome.APPLIED] == 0


@pytest.mark.parametrize(("value", "enabled"), [("true", True), (" TRUE ", True), ("false", False), ("yes", False)])
def test_only_true_turns_auto_top_up_on(value: str, enabled: bool) -> None:
    assert auto_top_up_enabled(value) is enabled


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
        TopUpOutcome.DISABLED: 0,
    }
