"""The order flow end to end through every handler against moto, on both transports."""

from __future__ import annotations

import importlib.util
import random
import threading
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.integration.api_events import api_event, json_body, lambda_context
from tests.integration.conftest import TradingAws
from tests.integration.flow import OrderFlow, bucket_content, reset_handlers, serialized_dynamodb, table_content, today
from tests.seed import SEED_ORDER, SEED_TRADE_FIELDS
from trading_core.common import keys
from trading_core.common.ids import trade_id_for
from trading_core.model.trade import Trade

ROOT = Path(__file__).resolve().parents[2]
RICH = "50000000.00"  # enough for any order `mixed_orders` makes


@pytest.fixture
def flow(trading_aws: TradingAws, bus_type: str) -> OrderFlow:
    reset_handlers()
    return OrderFlow(trading_aws, bus_type)


def trades_in_table(aws: TradingAws, customer_id: str | None = None) -> list[Trade]:
    return [
        Trade.from_item(item)
        for item in aws.scan()
        if item["SK"].startswith(keys.TRADE_PREFIX) and customer_id in (None, item["CustomerId"])
    ]


def test_the_seed_order_settles_as_nine_trades_with_every_field_of_the_seed(flow: OrderFlow) -> None:
    """8614 x 161.90 is more than a seeded customer's 1,000,000: as in the original, the order is
    refused and the funds raiser tops the customer up; resubmitted, it settles."""
    flow.aws.put_customer("000002")
    status, refused = flow.post_orders(SEED_ORDER)
    assert status == 200, refused
    assert refused["orders"] == []
    assert [entry["order"] for entry in refused["invalidOrders"]] == [SEED_ORDER]
    assert "insufficient funds" in refused["invalidOrders"][0]["reason"]
    flow.run_until_idle()
    assert flow.log[-1].function == "funds_raiser"
    top_up = flow.aws.customer("000002")["AvailableFunds"] - Decimal("1000000.00")
    assert top_up > 0

    status, body = flow.post_orders(SEED_ORDER)
    assert status == 200, body
    assert body["invalidOrders"] == []
    assert sorted(child["quantity"] for child in body["orders"]) == [614] + [1000] * 8
    flow.run_until_idle()

    status, page = flow.get("/trades/000002", {"tradeDate": today()})
    assert status == 200, page
    trades = page["trades"]
    assert len(trades) == 9
    assert sum(trade["quantity"] for trade in trades) == 8614
    accepted = {child["orderId"]: child for child in body["orders"]}
    for trade in trades:
        assert trade.keys() >= SEED_TRADE_FIELDS, SEED_TRADE_FIELDS - trade.keys()
        assert {name: trade[name] for name in SEED_ORDER if name != "quantity"} == {
            name: value for name, value in SEED_ORDER.items() if name != "quantity"
        }
        assert (trade["initialQuantity"], trade["split"], trade["exchangeType"]) == (8614, "Yes", "LitPool")
        assert trade["tradeId"] == trade_id_for(trade["orderId"])
        assert trade["orderDate"] == accepted[trade["orderId"]]["orderDate"]
        assert trade["orderDate"] < trade["tradeDate"] <= trade["settlementDate"]
        assert Decimal(trade["fee"]) > 0 and len(trade["fee"].split(".")[1]) == 2
    assert set(accepted) == {trade["orderId"] for trade in trades}

    status, customer = flow.get("/customers/000002")
    cost = sum(Decimal(t["price"]) * t["quantity"] + Decimal(t["fee"]) for t in trades)
    assert Decimal(customer["remainingFunds"]) == Decimal("1000000.00") + top_up - cost
    assert Decimal(customer["availableFunds"]) == Decimal(customer["remainingFunds"])
    assert Decimal(customer["reservedFunds"]) == 0
    assert customer["nrTrades"] == 9
    status, coin = flow.get("/tickers/COIN", {"date": today()})
    assert (coin["nrTrades"], coin["totalQuantity"]) == (9, 8614)
    assert len(flow.settled_events) >= 1


def mixed_orders(rng: random.Random, customers: list[str], count: int) -> list[dict[str, Any]]:
    """Buys and sells, limit and market, on dark-pool and lit-pool tickers."""
    orders = []
    for _ in range(count):
        order: dict[str, Any] = {
            "customerId": rng.choice(customers),
            "direction": rng.choice(["Buy", "Sell"]),
            "ticker": rng.choice(["AAPL", "MSFT", "TSLA", "COIN", "IBM", "SHOP"]),
            "type": rng.choice(["Limit", "Market"]),
            "quantity": rng.randint(1, 2500),
        }
        if order["type"] == "Limit":
            order["price"] = f"{rng.randint(1000, 40000) / 100:.2f}"
        orders.append(order)
    return orders


def test_delivering_every_event_and_stream_record_twice_changes_nothing(flow: OrderFlow) -> None:
    customers = [f"0000{n:02d}" for n in range(1, 6)]
    for customer in customers:
        flow.aws.put_customer(customer, funds=RICH)
    flow.aws.put_customer("000099", funds="10.00")  # refused, then topped up by the funds raiser
    orders = [*mixed_orders(random.Random(7), customers, 40), {**SEED_ORDER, "customerId": "000099"}]
    status, body = flow.post_orders(orders)
    assert status == 200, body
    assert len(body["invalidOrders"]) == 1
    flow.run_until_idle()
    delivered = Counter(delivery.function for delivery in flow.log)
    assert {"dark_pool", "lit_pool", "post_trade", "aggregator", "storage_analyzer", "funds_raiser"} <= delivered.keys()
    once = (table_content(flow.aws), bucket_content(flow.aws), flow.settled_events[:])

    flow.redeliver_everything()

    twice = (table_content(flow.aws), bucket_content(flow.aws), flow.settled_events)
    assert twice[0] == once[0]
    assert twice[1] == once[1]
    # Redelivered orders and trades are settled again only in name: each announcement repeats one of the first run.
    repeated = twice[2][len(once[2]) :]
    assert repeated and all(event in once[2] for event in repeated)


def test_immediate_duplicates_settle_every_child_order_exactly_once(trading_aws: TradingAws, bus_type: str) -> None:
    reset_handlers()
    flow = OrderFlow(trading_aws, bus_type, duplicate=True)
    customers = [f"0000{n:02d}" for n in range(1, 4)]
    for customer in customers:
        trading_aws.put_customer(customer, funds=RICH)
    status, body = flow.post_orders(mixed_orders(random.Random(11), customers, 30))
    assert status == 200 and body["invalidOrders"] == [], body
    flow.run_until_idle()

    trades = trades_in_table(trading_aws)
    assert sorted(trade.order_id for trade in trades) == sorted(child["orderId"] for child in body["orders"])
    for customer in customers:
        own = [trade for trade in trades if trade.customer_id == customer]
        item = trading_aws.customer(customer)
        assert item["RemainingFunds"] == Decimal(RICH) + sum(trade.cash_flow for trade in own)
        assert item["NrTrades"] == len(own)
        assert item["ReservedFunds"] == 0
        assert item["AvailableFunds"] == item["RemainingFunds"]


def router_instance(name: str) -> Any:
    """A separately loaded copy of the router module: one warm Lambda instance with its own state."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "lambdas" / "order_router" / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_concurrent_orders_never_overdraw_and_funds_end_exactly_right(flow: OrderFlow) -> None:
    initial = Decimal("60000.00")
    flow.aws.put_customer("000007", funds=str(initial))
    instances = [router_instance(f"order_router_instance_{n}") for n in range(6)]
    rng = random.Random(3)
    requests = [
        [
            {
                "customerId": "000007",
                "direction": "Sell" if rng.random() < 0.25 else "Buy",
                "ticker": rng.choice(["COIN", "AAPL"]),
                "type": "Limit",
                "quantity": rng.randint(10, 120),
                "price": "100.00",
            }
        ]
        for _ in range(60)
    ]
    responses: list[dict[str, Any]] = []
    lowest_available: list[Decimal] = [initial]
    done = threading.Event()
    start = threading.Barrier(len(instances) + 1)

    def post(instance: Any, mine: list[list[dict[str, Any]]]) -> None:
        start.wait()
        for orders in mine:
            event = api_event("POST", "/orders", body=orders, resource="/orders")
            responses.append(json_body(instance.lambda_handler(event, lambda_context("order_router"))))

    def watch() -> None:
        table = boto3.resource("dynamodb", region_name="us-east-1").Table(flow.aws.table.name)
        start.wait()
        while not done.wait(0.002):  # read often, but leave the posting threads the interpreter
            item = table.get_item(Key=keys.customer_key("000007"), ConsistentRead=True)["Item"]
            lowest_available.append(min(lowest_available[-1], item["AvailableFunds"]))

    with serialized_dynamodb():
        threads = [
            threading.Thread(target=post, args=(instance, requests[n :: len(instances)]))
            for n, instance in enumerate(instances)
        ]
        watcher = threading.Thread(target=watch)
        for thread in [*threads, watcher]:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        watcher.join()

    accepted = [child for response in responses for child in response["orders"]]
    refused = [order for response in responses for order in response["invalidOrders"]]
    assert len(responses) == len(requests)
    assert accepted and refused, "the funds must run out during the run for this test to mean anything"
    assert all("funds" in order["reason"] for order in refused), refused
    assert min(lowest_available) >= 0
    reserved = sum(Decimal(child["reservedAmount"]) for child in accepted if child["direction"] == "Buy")
    assert reserved <= initial
    assert flow.aws.customer("000007")["AvailableFunds"] == initial - reserved

    flow.run_until_idle()

    trades = trades_in_table(flow.aws, "000007")
    assert sorted(trade.order_id for trade in trades) == sorted(child["orderId"] for child in accepted)
    buys = sum(trade.notional for trade in trades if trade.direction.value == "Buy")
    sells = sum(trade.notional for trade in trades if trade.direction.value == "Sell")
    fees = sum(trade.fee for trade in trades)
    top_ups = sum(item["Amount"] for item in flow.aws.scan() if item["SK"] == "TOPUP")
    customer = flow.aws.customer("000007")
    assert customer["RemainingFunds"] == initial + top_ups - buys + sells - fees
    assert customer["AvailableFunds"] == customer["RemainingFunds"]
    assert customer["ReservedFunds"] == 0


@pytest.mark.parametrize("bus_type", ["EVENT-BRIDGE"], indirect=True)
def test_dynamodb_requests_per_order_of_a_100_order_request(flow: OrderFlow) -> None:
    """The original made about 23 DynamoDB requests per order; batching must keep us far below."""
    customers = [f"0000{n:02d}" for n in range(1, 13)]
    for customer in customers:
        flow.aws.put_customer(customer, funds=RICH)
    calls: Counter[str] = Counter()

    def count(event_name: str, **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        if operation != "DescribeTable":  # the test harness locating the stream
            calls[operation] += 1

    session = boto3._get_default_session()  # the session every handler's client comes from
    session.events.register("before-call.dynamodb", count)
    try:
        status, body = flow.post_orders(mixed_orders(random.Random(5), customers, 100))
        assert status == 200 and body["invalidOrders"] == [], body
        flow.run_until_idle()
    finally:
        session.events.unregister("before-call.dynamodb", count)

    trades = trades_in_table(flow.aws)
    per_order = sum(calls.values()) / 100
    print(f"\nDynamoDB requests for 100 orders ({len(trades)} trades): {dict(calls)}; {per_order:.2f} per order")
    assert len(trades) == len(body["orders"])
    assert per_order < 23 / 4
