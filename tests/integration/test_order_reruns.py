"""A key run again never places an order twice (`trading_core.orders.placed`), against moto: its orders' ids derive
from the key, the ORDER item's write is conditional, and the rerun answers them from their items.

A key runs again when its first answer was lost after the orders were placed (the idempotency record was never
completed: here it is deleted, as if its in-progress record had expired) or was not kept because one order
failed transiently (the client sends the same request with the same key). Found by the fault run
(`tests/fault_run`): a 503 from the idempotency store after the orders were placed, then the client's retry.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.integration.api_events import json_body
from tests.integration.conftest import IDEMPOTENCY_TABLE, TradingAws
from tests.integration.quote_lookup import QuoteSummaryFunction, install_quote_summary, store_quote
from tests.integration.test_order_router import funded_aws, order_items, parent_items, post  # noqa: F401 (fixture aws)
from tests.seed import SEED_ORDER
from trading_core.model.order_item import item_key

KEY = {"Idempotency-Key": "rerun-1"}


def forget_answers(aws: TradingAws) -> None:
    """The idempotency records gone, as when an in-progress record expired: the next request of a key runs it."""
    table = aws.dynamodb.Table(IDEMPOTENCY_TABLE)
    for item in table.scan()["Items"]:
        table.delete_item(Key={"id": item["id"]})


def sent_ids(aws: TradingAws) -> list[str]:
    return sorted(order["orderId"] for _, _, detail in aws.bus.drain() for order in detail.get("orders", []))


def test_a_key_run_again_after_its_answer_was_lost_answers_the_same_orders_and_reserves_nothing(
    aws: TradingAws,
) -> None:
    first = json_body(post(SEED_ORDER, headers=KEY))
    reserved = aws.customer("000002")["ReservedFunds"]
    ids = sorted(child["orderId"] for child in first["orders"])
    assert sent_ids(aws) == ids and len(ids) == 9
    forget_answers(aws)

    again = json_body(post(SEED_ORDER, headers=KEY))

    assert again == first
    assert aws.customer("000002")["ReservedFunds"] == reserved
    assert len(parent_items(aws)) == 1 and len(order_items(aws)) == 9
    assert sent_ids(aws) == ids  # still ACCEPTED: sent again (the first run may have stopped before it sent them)


def test_children_a_first_run_took_further_are_answered_but_not_sent_again(aws: TradingAws) -> None:
    first = json_body(post(SEED_ORDER, headers=KEY))
    aws.bus.drain()
    parent_id = first["orders"][0]["parentOrderId"]
    aws.table.update_item(  # the first child filled meanwhile, the second cancelled
        Key=item_key(parent_id),
        UpdateExpression="SET Children.#one.#status = :filled, Children.#two.#status = :cancelled",
        ExpressionAttributeNames={"#one": "1", "#two": "2", "#status": "Status"},
        ExpressionAttributeValues={":filled": "FILLED", ":cancelled": "CANCELLED"},
    )
    forget_answers(aws)

    again = json_body(post(SEED_ORDER, headers=KEY))

    assert [child["orderId"] for child in again["orders"]] == [child["orderId"] for child in first["orders"]]
    assert sent_ids(aws) == sorted(child["orderId"] for child in first["orders"][2:])


def test_a_request_not_kept_for_a_transient_failure_is_run_again_without_placing_its_orders_twice(
    aws: TradingAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_quote(aws.market_data_table, SEED_ORDER["ticker"], "150.00")
    quote_summary: QuoteSummaryFunction = install_quote_summary(monkeypatch)
    quote_summary.fail = True  # KO, which nothing is known of, cannot be looked up
    orders: list[dict[str, Any]] = [SEED_ORDER, {**SEED_ORDER, "ticker": "KO", "quantity": 10}]

    first = json_body(post(orders, headers=KEY))
    assert [entry["reason"] for entry in first["invalidOrders"]] == ["could not be processed, try again"]
    seed_children = [child["orderId"] for child in first["orders"]]
    reserved = Decimal(aws.customer("000002")["ReservedFunds"])
    quote_summary.fail = False

    again = json_body(post(orders, headers=KEY))

    assert again["invalidOrders"] == []
    assert [child["orderId"] for child in again["orders"]][: len(seed_children)] == seed_children
    [ko] = [child for child in again["orders"] if child["ticker"] == "KO"]
    assert Decimal(aws.customer("000002")["ReservedFunds"]) == reserved + Decimal(ko["reservedAmount"])
    assert len(parent_items(aws)) == 2
    assert json_body(post(orders, headers=KEY)) == again  # now kept: replayed
