"""The funds raiser against moto: a CreditCheck tops the customer up once, whatever the transport."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from lambdas.funds_raiser import handler
from lambdas.order_router import handler as router
from tests.integration.api_events import api_event, json_body, lambda_context
from tests.integration.conftest import TradingAws
from trading_core.common import keys


@pytest.fixture
def aws(trading_aws: TradingAws) -> Iterator[TradingAws]:
    handler.build.cache_clear()
    router.build.cache_clear()
    yield trading_aws
    handler.build.cache_clear()
    router.build.cache_clear()


def credit_check(*orders: dict[str, Any]) -> dict[str, Any]:
    return {"invalidOrders": "CreditCheck", "orders": list(orders)}


def sns_envelope(detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "Type": "Notification",
                    "Message": json.dumps(detail),
                    "MessageAttributes": {"invalidOrders": {"Type": "String", "Value": "CreditCheck"}},
                },
            }
        ]
    }


def invoke(event: dict[str, Any]) -> dict[str, int]:
    return handler.lambda_handler(event, lambda_context("funds_raiser"))


ORDER = {"orderId": "7d0c7a1e-0000-4000-8000-000000000001", "customerId": "000003", "shortfall": "619.01"}
NOTHING = {"applied": 0, "duplicate": 0, "unknown_customer": 0, "unreadable_customer": 0, "disabled": 0}


def ledger_of(aws: TradingAws, customer_id: str) -> list[dict[str, Any]]:
    """The customer's LEDGER entries, oldest first."""
    items = aws.table.query(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :ledger)",
        ExpressionAttributeValues={":pk": f"CUST#{customer_id}", ":ledger": "LEDGER#"},
        ConsistentRead=True,
    )["Items"]
    return sorted(items, key=lambda item: (item["Created"], item["EntryId"] != "opening-balance"))


@pytest.mark.parametrize("envelope", ["detail", "eventbridge", "sns"])
def test_a_credit_check_tops_up_once_even_when_delivered_twice(aws: TradingAws, envelope: str) -> None:
    aws.put_customer("000003", funds="1000.00")
    detail = credit_check(ORDER)
    event = {
        "detail": detail,
        "eventbridge": {"source": "SmartOrderRouter", "detail-type": "Orders", "detail": detail},
        "sns": sns_envelope(detail),
    }[envelope]

    assert invoke(event) == {**NOTHING, "applied": 1}
    assert invoke(event) == {**NOTHING, "duplicate": 1}

    customer = aws.customer("000003")
    assert (customer["RemainingFunds"], customer["AvailableFunds"]) == (Decimal("1619.01"), Decimal("1619.01"))
    marker = aws.table.get_item(Key=keys.top_up_key(ORDER["orderId"]))["Item"]
    assert (marker["Amount"], marker["CustomerId"]) == (Decimal("619.01"), "000003")
    # The record had no TotalDeposits: its opening balance is recorded first, then the top-up.
    assert customer["TotalDeposits"] == Decimal("1619.01")
    opening, top_up = ledger_of(aws, "000003")
    assert (opening["Kind"], opening["Amount"], opening["Reason"]) == ("DEPOSIT", Decimal("1000.00"), "opening balance")
    assert (top_up["Kind"], top_up["Amount"], top_up["EntryId"]) == ("DEPOSIT", Decimal("619.01"), ORDER["orderId"])


def test_with_auto_top_up_off_a_credit_check_deposits_nothing(aws: TradingAws) -> None:
    aws.put_customer("000003", funds="1000.00")
    aws.set_parameter("auto-top-up", "false")

    assert invoke(credit_check(ORDER)) == {**NOTHING, "disabled": 1}

    assert aws.customer("000003")["RemainingFunds"] == Decimal("1000.00")
    assert "Item" not in aws.table.get_item(Key=keys.top_up_key(ORDER["orderId"]))
    assert ledger_of(aws, "000003") == []

    aws.set_parameter("auto-top-up", "true")
    assert invoke(credit_check(ORDER)) == {**NOTHING, "applied": 1}


def test_unknown_customers_and_malformed_orders_are_skipped(aws: TradingAws) -> None:
    aws.put_customer("000003", funds="1000.00")
    event = credit_check(
        {**ORDER, "customerId": "000099"},
        {"orderId": "x", "customerId": "000003", "shortfall": 1.5},
        {"customerId": "000003", "shortfall": "1.00"},
        {**ORDER, "orderId": "other", "shortfall": "0.001"},
    )

    assert invoke(event) == {**NOTHING, "applied": 1, "unknown_customer": 1}
    assert aws.customer("000003")["AvailableFunds"] == Decimal("1000.01")
    assert "Item" not in aws.table.get_item(Key=keys.top_up_key(ORDER["orderId"]))


def test_a_store_error_raises_so_the_bus_retries(aws: TradingAws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADES_TABLE_NAME", "no-such-table")

    with pytest.raises(Exception, match=r"ResourceNotFound|not found"):
        invoke(credit_check(ORDER))


def test_a_refused_order_can_be_resubmitted_after_the_top_up(aws: TradingAws, bus_type: str) -> None:
    aws.put_customer("000002", funds="1000000.00")
    seed = {
        "customerId": "000002",
        "direction": "Buy",
        "ticker": "COIN",
        "type": "Limit",
        "quantity": 8614,
        "price": "161.90",
    }
    post = api_event("POST", "/orders", body=seed)

    refused = json_body(router.lambda_handler(post, lambda_context()))
    assert refused["orders"] == []
    [(_, _, detail)] = aws.bus.drain()
    invoke(detail)
    accepted = json_body(router.lambda_handler(post, lambda_context()))

    assert len(accepted["orders"]) == 9
    customer = aws.customer("000002")
    assert customer["AvailableFunds"] == 0
    assert customer["RemainingFunds"] == customer["ReservedFunds"] == Decimal("1394619.17")
