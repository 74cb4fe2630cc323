"""The order flow over HTTP on the local cloud, on both transports (the bus switched at run time).

Each transport gets its own seeded customers, so the two runs are independent: the seed example
with 000002 (EventBridge) and 000003 (SNS), the random orders with four other customers each.
Whether the switch took effect is checked on the orders topic: SNS publishes happen only on SNS.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import Client, today
from tests.seed import SEED_ORDER, SEED_TRADE_FIELDS, SEEDED_FUNDS
from trading_core.common.ids import trade_id_for
from trading_core.common.money import cents

TRANSPORTS = ("EVENT-BRIDGE", "SNS")
SEED_CUSTOMER = {"EVENT-BRIDGE": "000002", "SNS": "000003"}
RANDOM_CUSTOMERS = {
    "EVENT-BRIDGE": ["000004", "000005", "000006", "000007"],
    "SNS": ["000008", "000009", "000010", "000011"],
}


def sns_notifications(client: Client) -> int:
    """Messages published on the orders topic so far (moto keeps them)."""
    from moto.sns.models import sns_backends

    topic_arn = client.url("OrdersTopicArn")
    account, region = topic_arn.split(":")[4], topic_arn.split(":")[3]
    return len(sns_backends[account][region].topics[topic_arn].sent_notifications)


@pytest.fixture(scope="module", params=TRANSPORTS)
def transport(request: pytest.FixtureRequest, client: Client) -> str:
    client.switch_bus(request.param)
    return str(request.param)


def cash_flow(trade: dict[str, Any]) -> Decimal:
    notional = cents(Decimal(trade["price"]) * trade["quantity"])
    fee = Decimal(trade["fee"])
    return -(notional + fee) if trade["direction"] == "Buy" else notional - fee


def test_the_seed_order_is_refused_topped_up_then_settles_as_nine_trades(client: Client, transport: str) -> None:
    customer_id = SEED_CUSTOMER[transport]
    order = {**SEED_ORDER, "customerId": customer_id}
    published = sns_notifications(client)

    status, refused = client.post_orders(order)
    assert status == 200, refused
    assert refused["orders"] == []
    assert [entry["order"] for entry in refused["invalidOrders"]] == [order]
    assert "insufficient funds" in refused["invalidOrders"][0]["reason"]
    client.idle()
    top_up = Decimal(client.customer(customer_id)["availableFunds"]) - SEEDED_FUNDS
    assert top_up > 0, "the funds raiser tops the customer up after a refused order"

    status, accepted = client.post_orders(order)
    assert status == 200, accepted
    assert accepted["invalidOrders"] == []
    assert sorted(child["quantity"] for child in accepted["orders"]) == [614] + [1000] * 8
    client.idle()

    trades = client.trades(customer_id, today())
    assert len(trades) == 9
    assert sum(trade["quantity"] for trade in trades) == 8614
    children = {child["orderId"]: child for child in accepted["orders"]}
    assert {trade["orderId"] for trade in trades} == set(children)
    for trade in trades:
        assert trade.keys() >= SEED_TRADE_FIELDS, SEED_TRADE_FIELDS - trade.keys()
        assert {name: trade[name] for name in order if name != "quantity"} == {
            name: value for name, value in order.items() if name != "quantity"
        }
        assert (trade["initialQuantity"], trade["split"]) == (8614, "Yes")
        assert trade["quantity"] == children[trade["orderId"]]["quantity"]
        assert trade["tradeId"] == trade_id_for(trade["orderId"])
        assert trade["orderDate"] < trade["tradeDate"] <= trade["settlementDate"]
        assert Decimal(trade["fee"]) > 0

    customer = client.customer(customer_id)
    cost = sum(-cash_flow(trade) for trade in trades)
    assert Decimal(customer["remainingFunds"]) == SEEDED_FUNDS + top_up - cost
    assert Decimal(customer["reservedFunds"]) == 0
    assert customer["nrTrades"] == 9

    on_sns = sns_notifications(client) - published
    assert (on_sns > 0) == (transport == "SNS"), f"{on_sns} SNS publishes on {transport}"


def random_orders(rng: random.Random, customers: list[str], count: int) -> list[dict[str, Any]]:
    """Buys and sells, limit and market, dark-pool and lit-pool tickers, sized to fit the seeded funds."""
    orders = []
    for _ in range(count):
        kind = rng.choice(["Limit", "Market"])
        order: dict[str, Any] = {
            "customerId": rng.choice(customers),
            "direction": rng.choice(["Buy", "Sell"]),
            "ticker": rng.choice(["AAPL", "MSFT", "TSLA", "COIN", "IBM", "SHOP"]),
            "type": kind,
            "quantity": rng.randint(1, 2500) if kind == "Limit" else rng.randint(1, 100),
        }
        if kind == "Limit":
            order["price"] = f"{rng.randint(100, 2000) / 100:.2f}"
        orders.append(order)
    return orders


def test_two_hundred_random_orders_trade_exactly_once_and_aggregate(client: Client, transport: str) -> None:
    customers = RANDOM_CUSTOMERS[transport]
    before = {customer_id: client.customer(customer_id) for customer_id in customers}
    published = sns_notifications(client)
    orders = random_orders(random.Random(f"e2e-{transport}"), customers, 200)
    batches = [orders[start : start + 50] for start in range(0, len(orders), 50)]

    with ThreadPoolExecutor(max_workers=len(batches)) as pool:
        answers = list(pool.map(client.post_orders, batches))
    children: dict[str, dict[str, Any]] = {}
    for batch, (status, body) in zip(batches, answers, strict=True):
        assert status == 200, body
        assert body["invalidOrders"] == [], body["invalidOrders"]
        by_parent: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for child in body["orders"]:
            by_parent[child["parentOrderId"]].append(child)
            children[child["orderId"]] = child
        # Each order of the request became children whose quantities add up to it.
        assert sorted(sum(child["quantity"] for child in group) for group in by_parent.values()) == sorted(
            order["quantity"] for order in batch
        )
    client.idle()

    trades = [trade for customer_id in customers for trade in client.trades(customer_id, today())]
    traded = Counter(trade["orderId"] for trade in trades)
    assert set(traded) == set(children), "every accepted child order trades, and only those"
    assert set(traded.values()) == {1}, "each exactly once"
    for trade in trades:
        assert trade["quantity"] == children[trade["orderId"]]["quantity"]

    for customer_id in customers:
        own = [trade for trade in trades if trade["customerId"] == customer_id]
        after = client.customer(customer_id)
        assert after["nrTrades"] == before[customer_id]["nrTrades"] + len(own)
        expected = Decimal(before[customer_id]["remainingFunds"]) + sum(cash_flow(trade) for trade in own)
        assert Decimal(after["remainingFunds"]) == expected
        assert Decimal(after["reservedFunds"]) == 0
        assert Decimal(after["availableFunds"]) == Decimal(after["remainingFunds"])
    assert (sns_notifications(client) > published) == (transport == "SNS")
