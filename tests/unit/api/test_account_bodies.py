"""The documented bodies of `POST /customers`, deposits and withdrawals against `customer_accounts`' own
request parsing: the schema accepts exactly what the function accepts, for these cases."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.unit.api.schema_check import component, errors_of
from trading_core.api.schemas import MAX_AMOUNT
from trading_core.customers import account_requests, ledger


def test_the_largest_amount_is_the_function_s() -> None:
    assert Decimal(MAX_AMOUNT) == account_requests.MAX_AMOUNT


def accepted(parse: Any, body: Any) -> bool:
    try:
        parse(account_requests.read_object(json.dumps(body)))
    except account_requests.InvalidAccountRequest:
        return False
    return True


@pytest.mark.parametrize(
    "body",
    [
        {"initialDeposit": "1000.00"},
        {"initialDeposit": 0},
        {"initialDeposit": "0"},
        {"initialDeposit": 1000.5, "customerId": "000100", "reason": "opening deposit"},
        {"initialDeposit": "1000.00", "customerId": None, "reason": None},
        {"initialDeposit": "999999999999.99"},
        # refused by both
        {},
        {"initialDeposit": -1},
        {"initialDeposit": "1.001"},
        {"initialDeposit": "ten"},
        {"initialDeposit": None},
        {"initialDeposit": True},
        {"initialDeposit": "1000000000001"},
        {"initialDeposit": "1.00", "customerId": "a b"},
        {"initialDeposit": "1.00", "reason": "x" * 201},
        {"initialDeposit": "1.00", "reason": 5},
        {"initialDeposit": "1.00", "note": "x"},
    ],
)
def test_new_customer(body: dict[str, Any]) -> None:
    assert (errors_of(component("NewCustomer"), body) == []) == accepted(account_requests.parse_new_customer, body)


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "250.00"},
        {"amount": 0.01, "reason": "wire transfer"},
        {"amount": "1", "reason": None},
        {"amount": "0.01"},
        {"amount": "0.5"},
        # refused by both
        {"amount": 0},
        {"amount": "0.00"},
        {"amount": "0"},
        {"amount": "0.0"},
        {"amount": "-5"},
        {"amount": "2.555"},
        {},
        {"amount": "1.00", "extra": 1},
    ],
)
@pytest.mark.parametrize("kind", list(ledger.EntryKind))
def test_movement(body: dict[str, Any], kind: ledger.EntryKind) -> None:
    schema_ok = errors_of(component("Movement"), body) == []
    assert schema_ok == accepted(lambda document: account_requests.parse_movement(kind, document), body)
