"""The order flow end to end through every handler against moto, on both transports: marketable orders fill at
the one market price, resting ones keep their reservation, sells sell what was bought."""

from __future__ import annotations

import importlib.util
import random
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.integration.api_events import api_event, json_body, lambda_context
from tests.integration.conftest import TradingAws
from tests.integration.flow import OrderFlow, bucket_content, reset_handlers, serialized_dynamodb, table_content, today
from tests.integration.quote_lookup import market_price, store_quote
from tests.order_store import stored_children
from tests.seed import SEED_ORDER, SEED_TRADE_FIELDS
from tests.trade_store import stored_trades
from trading_core.common import keys
from trading_core.common.clock import parse_iso
from trading_core.common.ids import trade_id_for
from trading_core.common.money import cents
from trading_core.market.walk import walk_price
from trading_core.market_data.synthetic import synthetic_price
from trading_core.model.trade import Trade

ROOT = Path(__file__).resolve().parents[2]
RICH = "50000000.00"  # enough for any order `mixed_orders` makes


@pytest.fixture
def flow(trading_aws: TradingAws, bus_type: str) -> OrderFlow:
    reset_handlers()
    return OrderFlow(trading_aws, bus_type)


def child_items(aws: TradingAws) -> list[dict[str, Any]]:
    """The child orders as stored (not the parents, not the funds raiser's TOPUP items under an order id)."""
    return stored_children(aws.scan())


def trades_in_table(aws: TradingAws, customer_id: str | None = None) -> list[Trade]:
    return [trade for trade in stored_trades(aws.scan()) if customer_id in (None, trade.customer_id)]


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
    # the limit is far above the market the offline provider quotes: the order fills at the market price
    # of its instant (the stored quote walked to it), never at its limit
    market = market_price(flow.aws.market_data_table, "COIN", parse_iso(body["orders"][0]["orderDate"]))
    assert market < Decimal("161.90")
    for trade in trades:
        assert trade.keys() >= SEED_TRADE_FIELDS, SEED_TRADE_FIELDS - trade.keys()
        assert {name: trade[name] for name in SEED_ORDER if name not in ("quantity", "price")} == {
            name: value for name, value in SEED_ORDER.items() if name not in ("quantity", "price")
        }
        assert trade["price"] == str(market)
        assert (trade["initialQuantity"], trade["split"], trade["exchangeType"]) == (8614, "Yes", "LitPool")
        assert trade["tradeId"] == trade_id_for(trade["orderId"])
        assert trade["orderDate"] == accepted[trade["orderId"]]["orderDate"]
        assert trade["tradeDate"] == accepted[trade["orderId"]]["pricedAt"] == trade["orderDate"]
        assert trade["orderDate"] <= trade["tradeDate"] <= trade["settlementDate"]
        assert Decimal(trade["fee"]) > 0 and len(trade["fee"].split(".")[1]) == 2
    assert set(accepted) == {trade["orderId"] for trade in trades}
    assert {item["Status"] for item in child_items(flow.aws) if item["OrderId"] in accepted} == {"FILLED"}

    status, customer = flow.get("/customers/000002")
    cost = sum(Decimal(t["price"]) * t["quantity"] + Decimal(t["fee"]) for t in trades)
    assert Decimal(customer["remainingFunds"]) == Decimal("1000000.00") + top_up - cost
    assert Decimal(customer["availableFunds"]) == Decimal(customer["remainingFunds"])
    assert Decimal(customer["reservedFunds"]) == 0
    assert customer["nrTrades"] == 9
    status, coin = flow.get("/tickers/COIN", {"date": today()})
    assert (coin["nrTrades"], coin["totalQuantity"]) == (9, 8614)
    assert coin["marketPrice"] == str(market_price(flow.aws.market_data_table, "COIN", parse_iso(coin["priceTime"])))
    assert len(flow.settled_events) >= 1
    status, parent = flow.get(f"/orders/{body['orders'][0]['parentOrderId']}")
    assert (status, parent["status"], parent["filledQuantity"], parent["openQuantity"]) == (200, "FILLED", 8614, 0)


TICKERS = ("AAPL", "MSFT", "TSLA", "COIN", "IBM", "SHOP")  # dark-pool and lit-pool tickers (dev parameters)


def store_quotes(aws: TradingAws) -> dict[str, Decimal]:
    """A stored quote for every ticker the random orders trade: their reference prices."""
    return {ticker: store_quote(aws.market_data_table, ticker, str(synthetic_price(ticker))) for ticker in TICKERS}


def priced(reference: Decimal, ticker: str, factor: str) -> str:
    """A limit `factor` times the market price now: 1.5 is marketable for a buy, 0.5 for a sell, and either
    stays so for far longer than a test runs (the walk moves 0.1 % a minute)."""
    return str(cents(walk_price(reference, ticker, datetime.now(UTC)) * Decimal(factor)))


def mixed_orders(
    rng: random.Random,
    customers: list[str],
    count: int,
    references: dict[str, Decimal],
    *,
    resting_share: float = 0.0,
) -> list[dict[str, Any]]:
    """Buys, limit (marketable, or resting below the market with `resting_share`) and market, on dark-pool
    and lit-pool tickers."""
    orders = []
    for _ in range(count):
        ticker = rng.choice(TICKERS)
        order: dict[str, Any] = {
            "customerId": rng.choice(customers),
            "direction": "Buy",
            "ticker": ticker,
            "type": rng.choice(["Limit", "Market"]),
            "quantity": rng.randint(1, 2500),
        }
        if order["type"] == "Limit":
            order["price"] = priced(references[ticker], ticker, "0.5" if rng.random() < resting_share else "1.5")
        orders.append(order)
    return orders


def sells_of(rng: random.Random, trades: Sequence[Trade], references: dict[str, Decimal]) -> list[dict[str, Any]]:
    """Marketable sells of part of what each customer bought of each ticker (never more: no short selling)."""
    held = Counter[tuple[str, str]]()
    for trade in trades:
        held[(trade.customer_id, trade.ticker)] += trade.quantity if trade.direction.value == "Buy" else -trade.quantity
    orders = []
    for (customer, ticker), quantity in sorted(held.items()):
        if quantity <= 0 or rng.random() < 0.3:
            continue
        order: dict[str, Any] = {
            "customerId": customer,
            "direction": "Sell",
            "ticker": ticker,
            "type": rng.choice(["Limit", "Market"]),
            "quantity": rng.randint(1, quantity),
        }
        if order["type"] == "Limit":
            order["price"] = priced(references[ticker], ticker, "0.5")
        orders.append(order)
    return orders


def test_delivering_every_event_and_stream_record_twice_changes_nothing(flow: OrderFlow) -> None:
    customers = [f"0000{n:02d}" for n in range(1, 6)]
    for customer in customers:
        flow.aws.put_customer(customer, funds=RICH)
    flow.aws.put_customer("000099", funds="10.00")  # refused, then topped up by the funds raiser
    references = store_quotes(flow.aws)
    rng = random.Random(7)
    orders = [*mixed_orders(rng, customers, 40, references, resting_share=0.2), {**SEED_ORDER, "customerId": "000099"}]
    status, body = flow.post_orders(orders)
    assert status == 200, body
    assert len(body["invalidOrders"]) == 1
    resting = [child for child in body["orders"] if child["status"] == "OPEN"]
    assert resting and len(resting) < len(body["orders"])
    flow.run_until_idle()
    status, sells = flow.post_orders(sells_of(rng, trades_in_table(flow.aws), references))
    assert status == 200 and sells["orders"] and sells["invalidOrders"] == [], sells
    flow.run_until_idle()
    # resting buys neither trade nor give back their reservation
    statuses = {item["OrderId"]: item["Status"] for item in child_items(flow.aws)}
    assert {statuses[child["orderId"]] for child in resting} == {"OPEN"}
    assert {trade.order_id for trade in trades_in_table(flow.aws)}.isdisjoint(child["orderId"] for child in resting)
    for customer in customers:
        held = sum(Decimal(c["reservedAmount"]) for c in resting if c["customerId"] == customer)
        assert flow.aws.customer(customer)["ReservedFunds"] == held
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
    references = store_quotes(trading_aws)
    rng = random.Random(11)
    status, body = flow.post_orders(mixed_orders(rng, customers, 30, references))
    assert status == 200 and body["invalidOrders"] == [], body
    flow.run_until_idle()
    status, sells = flow.post_orders(sells_of(rng, trades_in_table(trading_aws), references))
    assert status == 200 and sells["orders"] and sells["invalidOrders"] == [], sells
    flow.run_until_idle()

    trades = trades_in_table(trading_aws)
    children = body["orders"] + sells["orders"]
    assert sorted(trade.order_id for trade in trades) == sorted(child["orderId"] for child in children)
    for trade in trades:  # each at the market price it was sent with, dated when it was priced
        child = next(c for c in children if c["orderId"] == trade.order_id)
        assert (str(trade.price), trade.trade_date) == (child["marketPrice"], child["pricedAt"])
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
    for ticker in ("COIN", "AAPL"):  # below the limits: every order is marketable
        store_quote(flow.aws.market_data_table, ticker, "40.00")
    instances = [router_instance(f"order_router_instance_{n}") for n in range(6)]
    rng = random.Random(3)
    requests = [
        [
            {
                "customerId": "000007",
                "direction": "Buy",
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
    references = store_quotes(flow.aws)
    calls: Counter[str] = Counter()

    def count(event_name: str, **_: Any) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        if operation != "DescribeTable":  # the test harness locating the stream
            calls[operation] += 1

    session = boto3._get_default_session()  # the session every handler's client comes from
    session.events.register("before-call.dynamodb", count)
    try:
        status, body = flow.post_orders(mixed_orders(random.Random(5), customers, 100, references))
        assert status == 200 and body["invalidOrders"] == [], body
        flow.run_until_idle()
    finally:
        session.events.unregister("before-call.dynamodb", count)

    trades = trades_in_table(flow.aws)
    per_order = sum(calls.values()) / 100
    print(f"\nDynamoDB requests for 100 orders ({len(trades)} trades): {dict(calls)}; {per_order:.2f} per order")
    assert len(trades) == len(body["orders"])
    assert per_order < 23 / 4
