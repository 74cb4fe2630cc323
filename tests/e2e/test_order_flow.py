"""The order flow over HTTP on the local cloud, on both transports (the bus switched at run time).

Each transport gets its own seeded customers, so the two runs are independent: the seed example
with 000002 (EventBridge) and 000003 (SNS), the random orders with four other customers each.
Whether the switch took effect is checked on the orders topic: SNS publishes happen only on SNS.
Orders fill at the one market price: the quote the router's synchronous lookup stored (the offline
provider's), walked to the order's instant (`trading_core.market.walk`).
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
from trading_core.common.clock import parse_iso
from trading_core.common.ids import trade_id_for
from trading_core.common.money import cents
from trading_core.market.walk import walk_price

TRANSPORTS = ("EVENT-BRIDGE", "SNS")
SEED_CUSTOMER = {"EVENT-BRIDGE": "000002", "SNS": "000003"}
RANDOM_CUSTOMERS = {
    "EVENT-BRIDGE": ["000004", "000005", "000006", "000007"],
    "SNS": ["000008", "000009", "0000010", "0000011"],
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


def stored_quote(client: Client, ticker: str) -> Decimal | None:
    """The quote the MarketData table holds for `ticker` (the market price's reference), via the market-data API."""
    status, summary = client.request("GET", client.url("MarketDataApiUrl") + f"quote-summary/{ticker}")
    return Decimal(summary["price"]) if status == 200 else None


def market_at(client: Client, ticker: str, instant: str) -> Decimal:
    quote = stored_quote(client, ticker)
    assert quote is not None, f"no quote stored for {ticker}"
    return walk_price(quote, ticker, parse_iso(instant))


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
    # the seed's limit of 161.90 is far above the offline quote: it fills at the market price, not its limit
    market = market_at(client, "COIN", accepted["orders"][0]["orderDate"])
    assert market <= Decimal("161.90")
    for trade in trades:
        assert trade.keys() >= SEED_TRADE_FIELDS, SEED_TRADE_FIELDS - trade.keys()
        assert {name: trade[name] for name in order if name not in ("quantity", "price")} == {
            name: value for name, value in order.items() if name not in ("quantity", "price")
        }
        assert trade["price"] == children[trade["orderId"]]["marketPrice"] == str(market)
        assert (trade["initialQuantity"], trade["split"]) == (8614, "Yes")
        assert trade["quantity"] == children[trade["orderId"]]["quantity"]
        assert trade["tradeId"] == trade_id_for(trade["orderId"])
        assert trade["orderDate"] == trade["tradeDate"] <= trade["settlementDate"]  # filled when it was priced
        assert Decimal(trade["fee"]) > 0
    status, parent = client.get(f"/orders/{accepted['orders'][0]['parentOrderId']}")
    assert (status, parent["status"], parent["filledQuantity"]) == (200, "FILLED", 8614)

    customer = client.customer(customer_id)
    cost = sum(-cash_flow(trade) for trade in trades)
    assert Decimal(customer["remainingFunds"]) == SEEDED_FUNDS + top_up - cost
    assert Decimal(customer["reservedFunds"]) == 0
    assert customer["nrTrades"] == 9

    on_sns = sns_notifications(client) - published
    assert (on_sns > 0) == (transport == "SNS"), f"{on_sns} SNS publishes on {transport}"


TICKERS = ("AAPL", "MSFT", "TSLA", "COIN", "IBM", "SHOP")
# Offline quotes are 10 to 500 (±11 %): a buy limit of 600.00 is always marketable, one of 1.00 never is,
# and a sell limit of 0.01 always is.
MARKETABLE_BUY, RESTING_BUY, MARKETABLE_SELL = "600.00", "1.00", "0.01"


def random_orders(rng: random.Random, customers: list[str], count: int) -> list[dict[str, Any]]:
    """Buys, limit (a fifth of them resting) and market, dark-pool and lit-pool tickers, sized to fit the
    seeded funds."""
    orders = []
    for _ in range(count):
        kind = rng.choice(["Limit", "Market"])
        order: dict[str, Any] = {
            "customerId": rng.choice(customers),
            "direction": "Buy",
            "ticker": rng.choice(TICKERS),
            "type": kind,
            "quantity": rng.randint(1, 20),
        }
        if kind == "Limit":
            order["price"] = RESTING_BUY if rng.random() < 0.2 else MARKETABLE_BUY
        orders.append(order)
    return orders


def sells_of(rng: random.Random, trades: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Marketable sells of part of what each customer bought of each ticker today (no short selling)."""
    held: Counter[tuple[str, str]] = Counter()
    for trade in trades:
        held[(trade["customerId"], trade["ticker"])] += trade["quantity"] * (1 if trade["direction"] == "Buy" else -1)
    orders = []
    for (customer_id, ticker), quantity in sorted(held.items()):
        if quantity > 0:
            kind = rng.choice(["Limit", "Market"])
            order: dict[str, Any] = {
                "customerId": customer_id,
                "direction": "Sell",
                "ticker": ticker,
                "type": kind,
                "quantity": rng.randint(1, quantity),
            }
            if kind == "Limit":
                order["price"] = MARKETABLE_SELL
            orders.append(order)
    return orders


def post_concurrently(client: Client, orders: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Posts in four concurrent requests; returns the children by order id, checking each request's split."""
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
    return children


def test_two_hundred_random_orders_trade_exactly_once_and_aggregate(client: Client, transport: str) -> None:
    customers = RANDOM_CUSTOMERS[transport]
    before = {customer_id: client.customer(customer_id) for customer_id in customers}
    published = sns_notifications(client)
    rng = random.Random(f"e2e-{transport}")

    children = post_concurrently(client, random_orders(rng, customers, 200))
    client.idle()
    bought = [trade for customer_id in customers for trade in client.trades(customer_id, today())]
    children.update(post_concurrently(client, sells_of(rng, bought)))
    client.idle()

    resting = {order_id for order_id, child in children.items() if child["status"] == "OPEN"}
    assert resting and {children[order_id]["price"] for order_id in resting} == {RESTING_BUY}
    trades = [trade for customer_id in customers for trade in client.trades(customer_id, today())]
    traded = Counter(trade["orderId"] for trade in trades)
    assert set(traded) == set(children) - resting, "every marketable child order trades, and only those"
    assert set(traded.values()) == {1}, "each exactly once"
    for trade in trades:
        child = children[trade["orderId"]]
        assert trade["quantity"] == child["quantity"]
        assert (trade["price"], trade["tradeDate"]) == (child["marketPrice"], child["pricedAt"])
        assert trade["price"] == str(market_at(client, trade["ticker"], trade["orderDate"]))

    for customer_id in customers:
        own = [trade for trade in trades if trade["customerId"] == customer_id]
        after = client.customer(customer_id)
        assert after["nrTrades"] == before[customer_id]["nrTrades"] + len(own)
        expected = Decimal(before[customer_id]["remainingFunds"]) + sum(cash_flow(trade) for trade in own)
        assert Decimal(after["remainingFunds"]) == expected
        still_reserved = sum(
            Decimal(children[order_id]["reservedAmount"])
            for order_id in resting
            if children[order_id]["customerId"] == customer_id
        )
        assert Decimal(after["reservedFunds"]) == still_reserved
        assert Decimal(after["availableFunds"]) == Decimal(after["remainingFunds"]) - still_reserved
    assert (sns_notifications(client) > published) == (transport == "SNS")


def test_an_unknown_ticker_is_refused_and_a_never_seen_known_one_is_looked_up_and_traded(client: Client) -> None:
    customer_id = SEED_CUSTOMER["EVENT-BRIDGE"]
    # No e2e test touches MCD: neither a quote nor any history, so the data API has no price for it.
    assert stored_quote(client, "MCD") is None
    assert client.request("GET", client.url("DataApiUrl") + "tickers/MCD")[0] == 404
    unknown = {**SEED_ORDER, "customerId": customer_id, "ticker": "NOTAREALTICKER", "quantity": 1}
    known = {**SEED_ORDER, "customerId": customer_id, "ticker": "MCD", "quantity": 1, "price": "600.00"}

    status, body = client.post_orders([unknown, known])

    assert status == 200, body
    [refused] = body["invalidOrders"]
    assert (refused["order"], refused["reason"]) == (unknown, "unknown ticker")
    # The refused order is kept, with its reason, under the id the answer gives.
    status, kept = client.request("GET", client.url("DataApiUrl") + f"orders/{refused['orderId']}")
    assert status == 200 and (kept["status"], kept["reason"], kept["children"]) == ("REFUSED", "unknown ticker", [])
    assert stored_quote(client, "NOTAREALTICKER") is None
    [child] = body["orders"]
    assert child["ticker"] == "MCD" and child["status"] == "ACCEPTED"
    assert stored_quote(client, "MCD") is not None  # stored by the quote-summary function the router invoked
    assert child["marketPrice"] == str(market_at(client, "MCD", child["orderDate"]))
    client.idle()
    [trade] = [trade for trade in client.trades(customer_id, today()) if trade["orderId"] == child["orderId"]]
    assert (trade["price"], trade["tradeDate"]) == (child["marketPrice"], child["orderDate"])
