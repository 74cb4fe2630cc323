"""The mapping's filter patterns select the records a replayed stream batch holds, as Lambda's filtering does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from operations.redrive.stream_filters import UnsupportedFilter, passes
from tests.operations.test_stream_batches import TRADES_FILTER


def record(event: str, sk: str, **image: Any) -> dict[str, Any]:
    return {"eventName": event, "dynamodb": {"Keys": {"PK": {"S": "CUST#1"}, "SK": {"S": sk}}, "NewImage": image}}


def test_the_stack_s_pattern_passes_trade_inserts_and_changes_only() -> None:
    assert passes([TRADES_FILTER], record("INSERT", "TRADE#2026-12-03"))
    assert passes([TRADES_FILTER], record("MODIFY", "TRADE#2026-12-03"))
    assert not passes([TRADES_FILTER], record("REMOVE", "TRADE#2026-12-03"))
    assert not passes([TRADES_FILTER], record("INSERT", "ORDER"))
    assert not passes([TRADES_FILTER], {"eventName": "INSERT"})


def test_no_filter_passes_everything_and_any_pattern_of_several_is_enough() -> None:
    assert passes([], record("REMOVE", "ORDER"))
    assert passes([json.dumps({"eventName": ["REMOVE"]}), TRADES_FILTER], record("REMOVE", "ORDER"))


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        ({"suffix": "-03"}, "TRADE#2026-12-03", True),
        ({"equals-ignore-case": "trade#2026-12-03"}, "TRADE#2026-12-03", True),
        ({"anything-but": ["ORDER", "TOPUP"]}, "ORDER", False),
        ({"anything-but": {"prefix": "ORDER"}}, "TRADE#1", True),
        ({"numeric": [">", 0, "<=", 5]}, "5", True),
        ({"numeric": [">", 5]}, "5", False),
        ({"exists": True}, "anything", True),
    ],
)
def test_lambda_s_operators(rule: dict[str, Any], value: str, expected: bool) -> None:
    assert passes([json.dumps({"dynamodb": {"Keys": {"SK": {"S": [rule]}}}})], record("INSERT", value)) is expected


def test_exists_false_and_or() -> None:
    absent = json.dumps({"dynamodb": {"NewImage": {"Gone": [{"exists": False}]}}})
    either = json.dumps({"$or": [{"eventName": ["REMOVE"]}, {"dynamodb": {"Keys": {"SK": {"S": ["ORDER"]}}}}]})

    assert passes([absent], record("INSERT", "ORDER"))
    assert not passes([absent], record("INSERT", "ORDER", Gone={"S": "x"}))
    assert passes([either], record("INSERT", "ORDER")) and not passes([either], record("INSERT", "TRADE#1"))


def test_a_form_it_does_not_know_is_refused_rather_than_guessed() -> None:
    with pytest.raises(UnsupportedFilter):
        passes([json.dumps({"eventName": [{"wildcard": "INS*"}]})], record("INSERT", "ORDER"))
