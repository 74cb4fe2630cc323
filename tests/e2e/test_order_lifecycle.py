"""The order lifecycle over HTTP on the local cloud (docs/architecture.md §2 "Order lifecycle", §3).

A resting limit buy fills when the market moves down to it (the stored quote lowered through the AWS
endpoint, then `MarketDataUpdate` on the bus, as workflow B announces new data); a parent order is
cancelled with every child; a DAY order expires at the close (the close parameter set a minute ahead,
the order book's schedule fired once it has passed); sells need holdings; and money is conserved,
exact to the cent, over a seeded random workload on both transports.

The customers are created for this module through the seeding path (the deployed customer seeder,
invoked as CloudFormation invokes it), so no other e2e test touches them, and every expected value is
computed from the rules (the walk, the fees, the reservation rule), never pasted from a run. The
tickers are ones no other e2e test trades: this module moves a stored quote, and every warm function
keeps a reference price 30 s.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from tests.e2e.conftest import STAGE, Client, today
from trading_core.common.clock import parse_iso, to_iso
from trading_core.common.money import cents
from trading_core.common.parameters import parse_fees
from trading_core.contracts import SEED_CUSTOMERS_PROPERTY, SEED_INITIAL_FUNDS_PROPERTY
from trading_core.market.price import is_marketable
from trading_core.market.session import close_after, parse_close_time
from trading_core.market.walk import walk_price
from trading_core.market_data.keys import summary_key
from trading_core.model.child_order import Direction
from trading_core.pools.pricing import max_fee

CLOSE_TIME_PARAMETER = f"/trading-system/{STAGE}/market-close-time"
VENUE_FEES_PARAMETER = f"/trading-system/{STAGE}/venue-fees"
SEEDER_FUNCTION = f"trading-system-{STAGE}-customer-seeder"
ORDER_BOOK_SCHEDULE_RULE = f"trading-system-{STAGE}-order-book-schedule"
SPLIT_SIZE = 1000
INITIAL_FUNDS = Decimal("1000000.00")

# One customer per test, four for the random workload: ids no seeded stage uses.
RESTING, CANCELLING, EXPIRING, SELLING = "LC-000101", "LC-000102", "LC-000103", "LC-000104"
WORKLOAD = ["LC-000111", "LC-000112", "LC-000113", "LC-000114"]
ALL_CUSTOMERS = [RESTING, CANCELLING, SELLING, *WORKLOAD]  # EXPIRING is seeded by `closing_day_orders`

LIVE = ("ACCEPTED", "OPEN")


# --- talking to the cloud as a client does ------------------------------------------------------


def table(client: Client, output: str) -> Any:
    """A boto3 Table on the AWS endpoint (numbers come back as Decimal)."""
    endpoint = client.outputs["LocalCloud"]["AwsEndpointUrl"]
    return boto3.resource("dynamodb", region_name="us-east-1", endpoint_url=endpoint).Table(client.url(output))


def customer_item(client: Client, customer_id: str) -> dict[str, Any]:
    item = table(client, "TradesTableName").get_item(
        Key={"PK": f"CUST#{customer_id}", "SK": f"CUST#{customer_id}"}, ConsistentRead=True
    )["Item"]
    return dict(item)


def position_item(client: Client, customer_id: str, ticker: str) -> dict[str, Any] | None:
    item = (
        table(client, "TradesTableName")
        .get_item(Key={"PK": f"CUST#{customer_id}", "SK": f"TICKER#{ticker}"}, ConsistentRead=True)
        .get("Item")
    )
    return None if item is None else dict(item)


def partition_items(client: Client, customer_id: str, prefix: str) -> list[dict[str, Any]]:
    """The customer's items whose sort key starts with `prefix` (positions, ledger entries)."""
    trades = table(client, "TradesTableName")
    condition = Key("PK").eq(f"CUST#{customer_id}") & Key("SK").begins_with(prefix)
    found: list[dict[str, Any]] = []
    query: dict[str, Any] = {"KeyConditionExpression": condition, "ConsistentRead": True}
    while True:
        page = trades.query(**query)
        found += page["Items"]
        if "LastEvaluatedKey" not in page:
            return found
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def funds(client: Client, customer_id: str) -> dict[str, Decimal]:
    body = client.customer(customer_id)
    return {name: Decimal(body[name]) for name in ("remainingFunds", "availableFunds", "reservedFunds")}


def position(client: Client, customer_id: str, ticker: str) -> tuple[int, int, int]:
    """(Quantity, ReservedQuantity, AvailableQuantity) as stored; zeros for no position."""
    item = position_item(client, customer_id, ticker) or {}
    return int(item.get("Quantity", 0)), int(item.get("ReservedQuantity", 0)), int(item.get("AvailableQuantity", 0))


def order(client: Client, order_id: str) -> dict[str, Any]:
    status, body = client.get(f"/orders/{order_id}")
    assert status == 200, body
    return dict(body)


def cancel(client: Client, order_id: str) -> tuple[int, Any]:
    return client.request("DELETE", client.url("OrdersApiUrl") + f"orders/{order_id}")


def post_one(client: Client, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Posts one order that must be accepted; returns its children."""
    status, answer = client.post_orders(body)
    assert status == 200, answer
    assert answer["invalidOrders"] == [], answer["invalidOrders"]
    assert answer["orders"], answer
    return list(answer["orders"])


def refusal(client: Client, body: dict[str, Any]) -> str:
    """Posts one order that must be refused; returns the reason."""
    status, answer = client.post_orders(body)
    assert status == 200, answer
    assert answer["orders"] == [], answer
    [refused] = answer["invalidOrders"]
    assert refused["order"] == body
    return str(refused["reason"])


def stored_quote(client: Client, ticker: str) -> Decimal:
    status, summary = client.request("GET", client.url("MarketDataApiUrl") + f"quote-summary/{ticker}")
    assert status == 200, summary
    return Decimal(summary["price"])


def own_trades(client: Client, customer_id: str) -> list[dict[str, Any]]:
    return client.trades(customer_id, today())


def venue_fees(client: Client) -> dict[str, Decimal]:
    return parse_fees(client.aws("ssm").get_parameter(Name=VENUE_FEES_PARAMETER)["Parameter"]["Value"])


def notional(trade: dict[str, Any]) -> Decimal:
    return cents(Decimal(trade["price"]) * trade["quantity"])


def cash_flow(trade: dict[str, Any]) -> Decimal:
    fee = Decimal(trade["fee"])
    return -(notional(trade) + fee) if trade["direction"] == "Buy" else notional(trade) - fee


def buy_reservation(limit: Decimal, quantity: int, fees: dict[str, Decimal]) -> Decimal:
    """The reservation rule: the notional at the limit plus the fee at the costliest venue."""
    return limit * quantity + max_fee(limit * quantity, fees)


def clear_parameter_caches() -> None:
    """As the conftest does for bus-type: the functions run in this process, one call clears them all."""
    from aws_lambda_powertools.utilities.parameters.base import clear_caches

    clear_caches()


# --- customers through the seeding path ---------------------------------------------------------


class _Answers(BaseHTTPRequestHandler):
    """Receives the custom resource's answer, as CloudFormation's pre-signed ResponseURL would."""

    answers: list[dict[str, Any]] = []

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        type(self).answers.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def seed_customers(client: Client, customer_ids: list[str], initial_funds: Decimal) -> dict[str, Any]:
    """Invokes the deployed customer seeder with a CloudFormation Create request; returns its answer."""
    server = HTTPServer(("127.0.0.1", 0), _Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        event = {
            "RequestType": "Create",
            "ResponseURL": f"http://127.0.0.1:{server.server_address[1]}/answer",
            "StackId": "e2e-order-lifecycle",
            "RequestId": str(uuid.uuid4()),
            "LogicalResourceId": "OrderLifecycleCustomers",
            "ResourceType": "Custom::CustomerSeed",
            "ResourceProperties": {
                SEED_CUSTOMERS_PROPERTY: customer_ids,
                SEED_INITIAL_FUNDS_PROPERTY: str(initial_funds),
            },
        }
        result = client.aws("lambda").invoke(FunctionName=SEEDER_FUNCTION, Payload=json.dumps(event).encode())
        payload = json.loads(result["Payload"].read())
        assert "FunctionError" not in result, payload
    finally:
        server.shutdown()
        server.server_close()
    assert payload["Status"] == "SUCCESS", payload
    assert _Answers.answers and _Answers.answers[-1]["RequestId"] == event["RequestId"]
    return dict(payload)


def away_from_the_close(client: Client, margin: timedelta = timedelta(seconds=90)) -> None:
    """Waits out the stage's real close if it is due within `margin`: DAY orders of these tests would
    otherwise expire under them (at most once a day; `market-close-time`, 21:00 UTC in dev)."""
    close_time = parse_close_time(client.aws("ssm").get_parameter(Name=CLOSE_TIME_PARAMETER)["Parameter"]["Value"])
    now = datetime.now(UTC)
    close = close_after(now, close_time)
    if close - now <= margin:
        time.sleep((close - now).total_seconds() + 1)


@pytest.fixture(scope="module")
def customers(client: Client) -> list[str]:
    away_from_the_close(client)
    answer = seed_customers(client, ALL_CUSTOMERS, INITIAL_FUNDS)
    assert answer["Reason"].startswith(f"created {len(ALL_CUSTOMERS)} of {len(ALL_CUSTOMERS)} customers"), answer
    for customer_id in ALL_CUSTOMERS:
        assert funds(client, customer_id) == {
            "remainingFunds": INITIAL_FUNDS,
            "availableFunds": INITIAL_FUNDS,
            "reservedFunds": Decimal(0),
        }
    return ALL_CUSTOMERS


# --- 1. resting, then filled when the market moves ------------------------------------------------


def test_a_resting_limit_buy_fills_at_the_market_when_the_price_moves_down_to_its_limit(
    client: Client, customers: list[str]
) -> None:
    ticker, quantity, limit = "DIS", 100, Decimal("1.00")
    fees = venue_fees(client)
    before = funds(client, RESTING)

    [child] = post_one(
        client,
        {"customerId": RESTING, "direction": "Buy", "ticker": ticker, "type": "Limit", "quantity": quantity,
         "price": str(limit)},
    )  # fmt: skip
    reference = stored_quote(client, ticker)  # stored by the router's synchronous lookup
    assert walk_price(reference, ticker, parse_iso(child["orderDate"])) > limit, "the test needs a resting order"
    assert child["status"] == "OPEN"
    assert child["marketPrice"] is None and child["pricedAt"] is None
    assert Decimal(child["reservedAmount"]) == buy_reservation(limit, quantity, fees)
    client.idle()
    assert order(client, child["orderId"])["status"] == "OPEN"
    resting = funds(client, RESTING)
    assert resting["reservedFunds"] == before["reservedFunds"] + Decimal(child["reservedAmount"])
    assert resting["availableFunds"] == before["availableFunds"] - Decimal(child["reservedAmount"])
    assert resting["remainingFunds"] == before["remainingFunds"]
    assert [t for t in own_trades(client, RESTING) if t["orderId"] == child["orderId"]] == []

    # The market falls: a new quote of a quarter of the limit (the walk moves ±0.1 % a minute, so the
    # market is then far below the limit whenever the order book looks), announced as workflow B does.
    new_reference = cents(limit / 4)
    moved_at = datetime.now(UTC)
    table(client, "MarketDataTableName").update_item(
        Key=summary_key(ticker), UpdateExpression="SET Price = :p", ExpressionAttributeValues={":p": new_reference}
    )
    client.aws("events").put_events(
        Entries=[
            {
                "Source": "MarketDataManagerStepFunction",
                "DetailType": "MarketDataUpdate",
                "Detail": json.dumps({"tickers": [ticker]}),
                "EventBusName": client.url("EventBusName"),
            }
        ]
    )
    client.idle()
    settled_by = datetime.now(UTC)

    filled = order(client, child["orderId"])
    assert filled["status"] == "FILLED", filled
    [trade] = [t for t in own_trades(client, RESTING) if t["orderId"] == child["orderId"]]
    assert filled["tradeId"] == trade["tradeId"]
    priced_at = parse_iso(trade["tradeDate"])
    # Priced by the order book after the quote moved (its run's instant is the trade date), at the walk
    # of the new reference at that instant: never above the limit.
    assert to_iso(moved_at) <= trade["tradeDate"] <= to_iso(settled_by)
    assert Decimal(trade["price"]) == walk_price(new_reference, ticker, priced_at) <= limit
    assert trade["orderDate"] == child["orderDate"] < trade["tradeDate"] <= trade["settlementDate"]
    assert trade["quantity"] == quantity
    assert Decimal(trade["fee"]) == cents(notional(trade) * fees[trade["exchange"]])

    after = funds(client, RESTING)
    assert after["remainingFunds"] == before["remainingFunds"] - notional(trade) - Decimal(trade["fee"])
    assert after["reservedFunds"] == before["reservedFunds"]
    assert after["availableFunds"] == after["remainingFunds"] - after["reservedFunds"]


# --- 2. cancel ------------------------------------------------------------------------------------


def test_cancelling_a_parent_order_cancels_every_child_and_releases_exactly_what_they_reserved(
    client: Client, customers: list[str]
) -> None:
    ticker, quantity, limit = "EBAY", 2 * SPLIT_SIZE + 500, Decimal("1.00")
    fees = venue_fees(client)
    before = funds(client, CANCELLING)

    children = post_one(
        client,
        {"customerId": CANCELLING, "direction": "Buy", "ticker": ticker, "type": "Limit", "quantity": quantity,
         "price": str(limit)},
    )  # fmt: skip
    assert sorted(c["quantity"] for c in children) == [500, SPLIT_SIZE, SPLIT_SIZE]
    assert walk_price(stored_quote(client, ticker), ticker, parse_iso(children[0]["orderDate"])) > limit
    assert {c["status"] for c in children} == {"OPEN"}
    [parent_id] = {c["parentOrderId"] for c in children}
    reserved = sum(Decimal(c["reservedAmount"]) for c in children)
    assert reserved == sum(buy_reservation(limit, c["quantity"], fees) for c in children)
    client.idle()
    resting = funds(client, CANCELLING)
    assert resting["reservedFunds"] == before["reservedFunds"] + reserved
    assert resting["availableFunds"] == before["availableFunds"] - reserved
    parent = order(client, parent_id)
    assert (parent["status"], parent["openQuantity"], parent["filledQuantity"]) == ("OPEN", quantity, 0)

    status, cancelled = cancel(client, parent_id)
    assert status == 200, cancelled
    assert cancelled["orderId"] == parent_id
    assert sorted(cancelled["cancelled"]) == sorted(c["orderId"] for c in children)
    assert Decimal(cancelled["released"]["funds"]) == reserved
    assert cancelled["released"]["quantity"] == 0
    assert cancelled["notCancelled"] == []
    parent = order(client, parent_id)
    assert (parent["status"], parent["openQuantity"], parent["filledQuantity"]) == ("CANCELLED", 0, 0)
    assert {c["status"] for c in parent["children"]} == {"CANCELLED"}
    assert {order(client, c["orderId"])["status"] for c in children} == {"CANCELLED"}
    assert funds(client, CANCELLING) == before

    status, again = cancel(client, parent_id)
    assert status == 409, again
    assert "CANCELLED" in again["message"]
    status, child_again = cancel(client, children[0]["orderId"])
    assert status == 409 and "CANCELLED" in child_again["message"], child_again
    client.idle()
    assert funds(client, CANCELLING) == before, "a refused cancel releases nothing"
    assert [t for t in own_trades(client, CANCELLING) if t["parentOrderId"] == parent_id] == []

    # A filled child cannot be cancelled: the answer names its status, and nothing moves.
    [market] = post_one(
        client, {"customerId": CANCELLING, "direction": "Buy", "ticker": ticker, "type": "Market", "quantity": 3}
    )
    assert market["status"] == "ACCEPTED"
    client.idle()
    assert order(client, market["orderId"])["status"] == "FILLED"
    settled = funds(client, CANCELLING)
    status, refused = cancel(client, market["orderId"])
    assert status == 409, refused
    assert "FILLED" in refused["message"] and refused["status"] == "FILLED"
    status, refused_parent = cancel(client, market["parentOrderId"])
    assert status == 409 and "FILLED" in refused_parent["message"], refused_parent
    client.idle()
    assert funds(client, CANCELLING) == settled
    assert order(client, market["orderId"])["status"] == "FILLED"

    status, unknown = cancel(client, str(uuid.uuid4()))
    assert status == 404, unknown
    status, malformed = cancel(client, "not_an_order_id")
    assert status == 400, malformed
    assert malformed["errors"][0]["field"] == "orderId"


# --- 3. DAY orders expire at the close --------------------------------------------------------------


def next_close(now: datetime) -> datetime:
    """The next whole minute at least 5 s away (the close parameter is HH:MM)."""
    close = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return close if (close - now).total_seconds() >= 5 else close + timedelta(minutes=1)


@dataclass(frozen=True)
class ClosingDayOrders:
    before: dict[str, Decimal]
    close: datetime
    day: dict[str, Any]
    gtc: dict[str, Any]


@pytest.fixture(scope="session")
def closing_day_orders(client: Client) -> ClosingDayOrders:
    """A DAY and a GTC limit buy of EXPIRING, placed under a close at the next whole minute.

    Session-scoped: the test that places them runs first among the e2e tests and the one that sees the
    DAY order expire runs last (`e2e_phase`), so the wait for the close overlaps the other tests."""
    away_from_the_close(client)
    answer = seed_customers(client, [EXPIRING], INITIAL_FUNDS)
    assert answer["Reason"].startswith("created 1 of 1 customers"), answer
    ticker, limit = "CSCO", Decimal("1.00")
    ssm = client.aws("ssm")
    before = funds(client, EXPIRING)
    assert before == {"remainingFunds": INITIAL_FUNDS, "availableFunds": INITIAL_FUNDS, "reservedFunds": Decimal(0)}
    original = ssm.get_parameter(Name=CLOSE_TIME_PARAMETER)["Parameter"]["Value"]
    close = next_close(datetime.now(UTC))
    client.idle()
    ssm.put_parameter(Name=CLOSE_TIME_PARAMETER, Value=close.strftime("%H:%M"), Type="String", Overwrite=True)
    clear_parameter_caches()
    try:
        [day] = post_one(
            client,
            {"customerId": EXPIRING, "direction": "Buy", "ticker": ticker, "type": "Limit", "quantity": 10,
             "price": str(limit)},
        )  # fmt: skip
        [gtc] = post_one(
            client,
            {"customerId": EXPIRING, "direction": "Buy", "ticker": ticker, "type": "Limit", "quantity": 20,
             "price": str(limit), "timeInForce": "GTC"},
        )  # fmt: skip
    finally:
        ssm.put_parameter(Name=CLOSE_TIME_PARAMETER, Value=original, Type="String", Overwrite=True)
        clear_parameter_caches()
    assert walk_price(stored_quote(client, ticker), ticker, parse_iso(day["orderDate"])) > limit
    return ClosingDayOrders(before=before, close=close, day=day, gtc=gtc)


@pytest.mark.e2e_phase(0)
def test_a_day_order_rests_with_its_reservation_until_the_close(
    client: Client, closing_day_orders: ClosingDayOrders
) -> None:
    placed = closing_day_orders
    day, gtc = placed.day, placed.gtc
    assert (day["status"], day["timeInForce"], day["expiresAt"]) == ("OPEN", "DAY", to_iso(placed.close))
    assert (gtc["status"], gtc["timeInForce"], gtc["expiresAt"]) == ("OPEN", "GTC", None)
    reserved = Decimal(day["reservedAmount"]) + Decimal(gtc["reservedAmount"])
    client.idle()
    assert funds(client, EXPIRING)["reservedFunds"] == placed.before["reservedFunds"] + reserved
    assert order(client, day["orderId"])["status"] == "OPEN", "not before its close"


@pytest.mark.e2e_phase(2)
def test_a_day_order_expires_at_the_close_and_its_reservation_is_released(
    client: Client, closing_day_orders: ClosingDayOrders
) -> None:
    placed = closing_day_orders
    day, gtc, before = placed.day, placed.gtc, placed.before
    # The one wait of this module: real time, until the close has passed (usually over by now).
    time.sleep(max(0.0, (placed.close - datetime.now(UTC)).total_seconds()) + 0.5)
    client.cloud.fire_schedule(ORDER_BOOK_SCHEDULE_RULE)
    client.idle()

    expired = order(client, day["orderId"])
    assert expired["status"] == "EXPIRED", expired
    assert order(client, gtc["orderId"])["status"] == "OPEN", "a GTC order does not expire"
    after = funds(client, EXPIRING)
    assert after["reservedFunds"] == before["reservedFunds"] + Decimal(gtc["reservedAmount"])
    assert after["remainingFunds"] == before["remainingFunds"]
    status, refused = cancel(client, day["orderId"])
    assert status == 409 and "EXPIRED" in refused["message"], refused

    status, cancelled = cancel(client, gtc["orderId"])
    assert status == 200 and Decimal(cancelled["released"]["funds"]) == Decimal(gtc["reservedAmount"]), cancelled
    assert funds(client, EXPIRING) == before
    assert own_trades(client, EXPIRING) == []


# --- 4. sells need holdings ---------------------------------------------------------------------


def test_a_sell_needs_holdings_and_reserves_them_on_the_position(client: Client, customers: list[str]) -> None:
    ticker = "META"  # a dark-pool ticker: a partial match forwards the rest to the lit pools
    before = funds(client, SELLING)

    def sell(quantity: int, kind: str = "Market", price: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "customerId": SELLING, "direction": "Sell", "ticker": ticker, "type": kind, "quantity": quantity,
        }  # fmt: skip
        if price is not None:
            body["price"] = price
        return body

    assert refusal(client, sell(10)).startswith("insufficient position")
    assert position_item(client, SELLING, ticker) is None

    [bought] = post_one(
        client, {"customerId": SELLING, "direction": "Buy", "ticker": ticker, "type": "Market", "quantity": 100}
    )
    client.idle()
    [buy] = [t for t in own_trades(client, SELLING) if t["orderId"] == bought["orderId"]]
    assert position(client, SELLING, ticker) == (100, 0, 100)
    basis = Decimal(position_item(client, SELLING, ticker)["CostBasis"])  # type: ignore[index]
    assert basis == notional(buy)

    # A resting sell reserves its shares: what is left may not be sold twice.
    reference = stored_quote(client, ticker)
    high = cents(reference * 10)
    [resting] = post_one(client, sell(60, "Limit", str(high)))
    assert resting["status"] == "OPEN" and Decimal(resting["reservedAmount"]) == 0
    assert position(client, SELLING, ticker) == (100, 60, 40)
    assert refusal(client, sell(50)) == "insufficient position: the order needs 50, available 40"
    status, cancelled = cancel(client, resting["orderId"])
    assert status == 200 and cancelled["released"] == {"funds": "0.00", "quantity": 60}, cancelled
    assert position(client, SELLING, ticker) == (100, 0, 100)

    # A marketable sell of 60: filled at the market, at average cost out of the basis.
    [sold] = post_one(client, sell(60, "Limit", "0.01"))
    assert sold["status"] == "ACCEPTED"
    client.idle()
    assert order(client, sold["orderId"])["status"] == "FILLED"
    [sale] = [t for t in own_trades(client, SELLING) if t["orderId"] == sold["orderId"]]
    assert Decimal(sale["price"]) == Decimal(sold["marketPrice"]) >= Decimal("0.01")
    assert position(client, SELLING, ticker) == (40, 0, 40)
    cost_of_sold = cents(basis * 60 / 100)
    item = position_item(client, SELLING, ticker)
    assert item is not None
    assert Decimal(item["CostBasis"]) == basis - cost_of_sold
    assert Decimal(item["RealizedPnl"]) == notional(sale) - cost_of_sold
    assert refusal(client, sell(50)) == "insufficient position: the order needs 50, available 40"

    # The last 40: the whole remaining basis goes with them.
    [last] = post_one(client, sell(40))
    client.idle()
    [closing] = [t for t in own_trades(client, SELLING) if t["orderId"] == last["orderId"]]
    assert position(client, SELLING, ticker) == (0, 0, 0)
    item = position_item(client, SELLING, ticker)
    assert item is not None and Decimal(item["CostBasis"]) == 0
    realized = notional(sale) - cost_of_sold + notional(closing) - (basis - cost_of_sold)
    assert Decimal(item["RealizedPnl"]) == realized
    assert Decimal(customer_item(client, SELLING)["RealizedPnl"]) == realized
    assert refusal(client, sell(1)).startswith("insufficient position")

    after = funds(client, SELLING)
    trades = [buy, sale, closing]
    assert after["remainingFunds"] == before["remainingFunds"] + sum(cash_flow(t) for t in trades)
    assert after["reservedFunds"] == before["reservedFunds"]
    for trade in trades:
        assert trade["orderDate"] == trade["tradeDate"] <= trade["settlementDate"]


# --- 5. money is conserved ----------------------------------------------------------------------

WORKLOAD_TICKERS = ("GOOGL", "JPM", "WMT", "XOM", "NKE")  # GOOGL trades on the dark pool


def post_batch(client: Client, orders: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Posts the orders in one request; every one must be accepted. Returns the children by id."""
    status, answer = client.post_orders(orders)
    assert status == 200, answer
    assert answer["invalidOrders"] == [], answer["invalidOrders"]
    by_parent: dict[str, int] = Counter()
    for child in answer["orders"]:
        by_parent[child["parentOrderId"]] += child["quantity"]
    assert sorted(by_parent.values()) == sorted(o["quantity"] for o in orders)
    return {child["orderId"]: child for child in answer["orders"]}


def first_buys(rng: random.Random) -> list[dict[str, Any]]:
    """Marketable market buys and resting limit buys (no quote is known yet: 1.00 is below any)."""
    orders = []
    for _ in range(16):
        base = {"customerId": rng.choice(WORKLOAD), "direction": "Buy", "ticker": rng.choice(WORKLOAD_TICKERS)}
        if rng.random() < 0.3:
            orders.append({**base, "type": "Limit", "quantity": rng.randint(1, 30), "price": "1.00"})
        else:
            orders.append({**base, "type": "Market", "quantity": rng.randint(1, 30)})
    return orders


# The market move of the workload: some tickers rise, the others fall, by a fifth.
RISING, FALLING = ("GOOGL", "JPM", "WMT"), ("XOM", "NKE")
MOVE = {**dict.fromkeys(RISING, Decimal("1.2")), **dict.fromkeys(FALLING, Decimal("0.8"))}


def second_round(
    rng: random.Random, held: dict[tuple[str, str], int], markets: dict[str, Decimal]
) -> list[dict[str, Any]]:
    """Sells of part of what is held and more buys, each of one of three kinds: marketable now
    (market orders, or limits well through the market), resting near the market (5 % away: the
    move of a fifth makes those on its side marketable) or resting far away (never marketable)."""
    orders: list[dict[str, Any]] = []
    for (customer_id, ticker), quantity in sorted(held.items()):
        base = {"customerId": customer_id, "direction": "Sell", "ticker": ticker, "quantity": rng.randint(1, quantity)}
        kind = rng.choice(["market", "through", "near", "far"])
        if kind == "market":
            orders.append({**base, "type": "Market"})
        else:
            factor = {"through": Decimal("0.5"), "near": Decimal("1.05"), "far": Decimal(10)}[kind]
            orders.append({**base, "type": "Limit", "price": str(cents(markets[ticker] * factor))})
    while len(orders) < 24:
        ticker = rng.choice(WORKLOAD_TICKERS)
        base = {"customerId": rng.choice(WORKLOAD), "direction": "Buy", "ticker": ticker,
                "quantity": rng.randint(1, 30)}  # fmt: skip
        kind = rng.choice(["market", "through", "near", "far"])
        if kind == "market":
            orders.append({**base, "type": "Market"})
        else:
            factor = {"through": Decimal(2), "near": Decimal("0.95"), "far": Decimal("0.01")}[kind]
            orders.append(
                {**base, "type": "Limit", "price": str(max(cents(markets[ticker] * factor), Decimal("0.01")))}
            )
    return orders


def sort_key(child: dict[str, Any]) -> tuple[str, ...]:
    return (child["customerId"], child["ticker"], child["direction"], str(child["price"]), str(child["quantity"]))


def sns_notifications(client: Client) -> int:
    """Messages published on the orders topic so far (moto keeps them): SNS publishes happen only on SNS."""
    from moto.sns.models import sns_backends

    topic_arn = client.url("OrdersTopicArn")
    account, region = topic_arn.split(":")[4], topic_arn.split(":")[3]
    return len(sns_backends[account][region].topics[topic_arn].sent_notifications)


def move_market(client: Client, references: dict[str, Decimal]) -> None:
    """New quotes stored through the AWS endpoint, announced as workflow B announces new data."""
    market_data = table(client, "MarketDataTableName")
    for ticker, reference in references.items():
        market_data.update_item(
            Key=summary_key(ticker), UpdateExpression="SET Price = :p", ExpressionAttributeValues={":p": reference}
        )
    client.aws("events").put_events(
        Entries=[
            {
                "Source": "MarketDataManagerStepFunction",
                "DetailType": "MarketDataUpdate",
                "Detail": json.dumps({"tickers": sorted(references)}),
                "EventBusName": client.url("EventBusName"),
            }
        ]
    )


def test_money_is_conserved_exactly_over_a_random_workload_on_both_transports(
    client: Client, customers: list[str]
) -> None:
    rng = random.Random("e2e-order-lifecycle-money")
    original_bus = client.bus_type()
    children: dict[str, dict[str, Any]] = {}
    cancels: list[tuple[str, int, Any]] = []
    try:
        # Buys on EventBridge: market orders, and limits of 1.00 that rest (no quote is stored yet).
        client.switch_bus("EVENT-BRIDGE")
        published = sns_notifications(client)
        children.update(post_batch(client, first_buys(rng)))
        client.idle()
        assert sns_notifications(client) == published, "nothing on SNS while the bus is EventBridge"
        held = {
            (customer_id, str(item["SK"]).removeprefix("TICKER#")): int(item["AvailableQuantity"])
            for customer_id in WORKLOAD
            for item in partition_items(client, customer_id, "TICKER#")
            if int(item["AvailableQuantity"]) > 0
        }
        assert held
        references = {ticker: stored_quote(client, ticker) for ticker in WORKLOAD_TICKERS}
        now = datetime.now(UTC)
        markets = {ticker: walk_price(reference, ticker, now) for ticker, reference in references.items()}

        # Sells of what is held and more buys on SNS, then cancels of some resting orders and of some
        # on their way to a pool or filled already (a cancel racing a fill: one outcome).
        client.switch_bus("SNS")
        children.update(post_batch(client, second_round(rng, held, markets)))
        assert sns_notifications(client) > published, "the orders went out on SNS"
        # (in an order that does not depend on the random order ids, so the seed decides)
        resting = sorted(
            (oid for oid, c in children.items() if c["status"] == "OPEN"), key=lambda o: sort_key(children[o])
        )
        marketable = sorted(
            (oid for oid, c in children.items() if c["status"] == "ACCEPTED"), key=lambda o: sort_key(children[o])
        )
        for order_id in rng.sample(resting, k=len(resting) // 3) + rng.sample(marketable, k=3):
            status, body = cancel(client, order_id)
            cancels.append((order_id, status, body))
        client.idle()

        # The market moves: the order book sends the resting orders it reached to the pools.
        moved = {ticker: cents(references[ticker] * MOVE[ticker]) for ticker in WORKLOAD_TICKERS}
        moved_at = to_iso(datetime.now(UTC))
        move_market(client, moved)
        client.idle()
    finally:
        client.switch_bus(original_bus)

    statuses = {order_id: order(client, order_id)["status"] for order_id in children}
    for order_id, status, body in cancels:
        if status == 200:
            assert body["cancelled"] == [order_id] and statuses[order_id] == "CANCELLED", body
        else:
            assert status == 409 and statuses[order_id] == "FILLED" and "FILLED" in body["message"], body
    assert Counter(statuses.values()).keys() <= {"OPEN", "FILLED", "CANCELLED"}, Counter(statuses.values())
    assert "OPEN" in statuses.values() and "CANCELLED" in statuses.values() and "FILLED" in statuses.values()
    cancelled = {order_id for order_id, status, _ in cancels if status == 200}
    for order_id, child in children.items():
        if child["status"] == "ACCEPTED" and order_id not in cancelled:
            assert statuses[order_id] == "FILLED", child

    trades = {customer_id: own_trades(client, customer_id) for customer_id in WORKLOAD}
    traded = Counter(t["orderId"] for ts in trades.values() for t in ts)
    assert set(traded) == {oid for oid, status in statuses.items() if status == "FILLED"}
    assert set(traded.values()) == {1}
    by_order = {t["orderId"]: t for ts in trades.values() for t in ts}
    reached = 0
    for order_id, child in children.items():
        if child["status"] != "OPEN" or order_id in cancelled:
            continue
        limit, ticker = Decimal(child["price"]), child["ticker"]
        # After the move the market is a fifth away from where it was: 5 % limits on its side are
        # reached, the others (and the far ones) are not, whatever the walk did in a minute or two.
        if is_marketable(Direction(child["direction"]), limit, walk_price(moved[ticker], ticker, datetime.now(UTC))):
            assert statuses[order_id] == "FILLED", child
            trade = by_order[order_id]
            assert trade["tradeDate"] >= moved_at
            market = walk_price(moved[ticker], ticker, parse_iso(trade["tradeDate"]))
            assert Decimal(trade["price"]) == market
            assert market <= limit if child["direction"] == "Buy" else market >= limit
            reached += 1
        else:
            assert statuses[order_id] == "OPEN", child
    assert reached > 0, "the move reached some resting orders"
    assert any(t["direction"] == "Sell" for t in by_order.values())

    realized_total = Decimal(0)
    for customer_id in WORKLOAD:
        record = customer_item(client, customer_id)
        positions = {str(p["SK"]).removeprefix("TICKER#"): p for p in partition_items(client, customer_id, "TICKER#")}
        ledger = partition_items(client, customer_id, "LEDGER#")
        own = trades[customer_id]

        remaining, reserved, available = (
            Decimal(record[name]) for name in ("RemainingFunds", "ReservedFunds", "AvailableFunds")
        )
        deposits = Decimal(record["TotalDeposits"])
        withdrawals = Decimal(record.get("TotalWithdrawals", 0))
        commission = Decimal(record.get("TotalCommissionPaid", 0))
        realized = Decimal(record.get("RealizedPnl", 0))
        basis = sum((Decimal(p.get("CostBasis", 0)) for p in positions.values()), Decimal(0))
        # The identity, exact to the cent.
        assert remaining + basis == deposits - withdrawals - commission + realized, customer_id
        # Each side of it from the rules: the ledger's entries, the trades' cash flows and fees.
        assert deposits == sum(Decimal(e["Amount"]) for e in ledger if e["Kind"] == "DEPOSIT")
        assert withdrawals == sum(Decimal(e["Amount"]) for e in ledger if e["Kind"] == "WITHDRAWAL")
        assert deposits == INITIAL_FUNDS, "nothing here was refused for funds: no top-up"
        assert remaining == deposits - withdrawals + sum(cash_flow(t) for t in own)
        assert commission == sum(Decimal(t["fee"]) for t in own)
        assert realized == sum((Decimal(p.get("RealizedPnl", 0)) for p in positions.values()), Decimal(0))
        assert record["NrTrades"] == len(own)
        live_buys = [
            c for oid, c in children.items()
            if c["customerId"] == customer_id and c["direction"] == "Buy" and statuses[oid] in LIVE
        ]  # fmt: skip
        assert reserved == sum((Decimal(c["reservedAmount"]) for c in live_buys), Decimal(0))
        assert available == remaining - reserved
        assert min(remaining, reserved, available, commission) >= 0
        realized_total += realized

        for ticker, item in positions.items():
            quantity, held_reserved = int(item["Quantity"]), int(item["ReservedQuantity"])
            live_sells = [
                c for oid, c in children.items()
                if c["customerId"] == customer_id and c["ticker"] == ticker and c["direction"] == "Sell"
                and statuses[oid] in LIVE
            ]  # fmt: skip
            fills = [t for t in own if t["ticker"] == ticker]
            assert quantity == sum(t["quantity"] * (1 if t["direction"] == "Buy" else -1) for t in fills)
            assert held_reserved == sum(c["quantity"] for c in live_sells)
            assert int(item["AvailableQuantity"]) == quantity - held_reserved
            assert min(quantity, held_reserved, int(item["AvailableQuantity"])) >= 0
            assert Decimal(item["CostBasis"]) >= 0
            if quantity == 0:
                assert Decimal(item["CostBasis"]) == 0
    assert realized_total != 0, "sells after the move realize a gain or a loss"
