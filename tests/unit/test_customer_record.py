"""Customer records read with defaults, and the conditional completion of what they lack."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trading_core.common import keys
from trading_core.customers import record

KEY = keys.customer_key("000002")
AMOUNTS = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(remaining=AMOUNTS, reserved=AMOUNTS, which=st.sampled_from(["none", "reserved", "available", "both"]))
def test_defaults_keep_available_equal_to_remaining_minus_reserved(
    remaining: Decimal, reserved: Decimal, which: str
) -> None:
    reserved = min(reserved, remaining)
    item: dict[str, Any] = {**KEY, "RemainingFunds": remaining}
    if which in ("reserved", "both"):
        item["ReservedFunds"] = reserved
    if which in ("available", "both"):
        item["AvailableFunds"] = remaining - reserved

    funds = record.read_funds(item)

    assert funds.available == funds.remaining - funds.reserved
    assert funds.remaining == remaining
    assert funds.reserved == (Decimal(0) if which == "none" else reserved)


@pytest.mark.parametrize(
    ("item", "field", "problem"),
    [
        ({}, "RemainingFunds", "is missing"),
        ({"RemainingFunds": "lots"}, "RemainingFunds", "is not a number (str)"),
        ({"RemainingFunds": Decimal(5), "AvailableFunds": True}, "AvailableFunds", "is not a number (bool)"),
        ({"RemainingFunds": Decimal(5), "ReservedFunds": {"a": 1}}, "ReservedFunds", "is not a number (dict)"),
        ({"RemainingFunds": Decimal(5), "AvailableFunds": Decimal(6)}, "AvailableFunds", "exceeds RemainingFunds"),
    ],
)
def test_a_record_that_cannot_be_read_names_the_field(item: dict[str, Any], field: str, problem: str) -> None:
    with pytest.raises(record.UnreadableCustomer) as raised:
        record.read_funds({**KEY, **item})
    assert raised.value.field == field
    assert str(raised.value) == f"customer record 000002 cannot be read: {field} {problem}"


def test_the_completion_writes_only_what_is_missing_on_condition_that_the_rest_is_unchanged() -> None:
    request = record.completion_request("t", {**KEY, "RemainingFunds": Decimal(100), "ReservedFunds": 30}, "now")

    names = request["ExpressionAttributeNames"]
    values = request["ExpressionAttributeValues"]
    assignments = re.split(r", (?=[#A-Z])", request["UpdateExpression"].removeprefix("SET "))
    sets = dict(assignment.split(" = ", 1) for assignment in assignments)
    by_name = {names[alias]: value for alias, value in sets.items() if alias in names}
    assert values[by_name["AvailableFunds"]] == Decimal(70)
    assert "RemainingFunds" not in by_name and "ReservedFunds" not in by_name
    assert by_name["NrTrades"].startswith("if_not_exists(")
    condition = request["ConditionExpression"]
    alias = {name: alias for alias, name in names.items()}
    assert f"{alias['RemainingFunds']} = :f0" in condition and values[":f0"] == Decimal(100)
    assert f"{alias['ReservedFunds']} = :f2" in condition and values[":f2"] == 30
    assert f"attribute_not_exists({alias['AvailableFunds']})" in condition
    assert request["Key"] == KEY


def test_readers_see_the_defaults_and_keep_what_is_stored() -> None:
    shown = record.with_defaults({**KEY, "RemainingFunds": Decimal(10), "NrTrades": 4})

    assert shown["CustomerId"] == "000002"
    assert shown["NrTrades"] == 4
    assert shown["TotalCommissionPaid"] == 0 and shown["TotalAmountInvested"] == 0
    assert (shown["AvailableFunds"], shown["ReservedFunds"]) == (Decimal(10), Decimal(0))
