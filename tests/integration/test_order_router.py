"""`POST /orders` against moto: market price, ticker lookup, reservation, split, routing on both transports,
resting orders, refusals, compensation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from lambdas.order_router import handler
from tests.integration.api_events import api_event, json_body, lambda_context
from tests.integration.conftest import BUS_NAME, TradingAws
from tests.integration.quote_lookup import QuoteSummaryFunction, install_quote_summary, market_price, store_quote
from tests.order_store import stored_children, stored_order_items
from tests.seed import SEED_ORDER
from tests.trade_samples import VENUE_FEES
from trading_core.common import keys
from trading_core.common.clock import parse_iso
from trading_core.common.ids import child_number, new_order_id
from trading_core.market.session import close_after, parse_close_time
from trading_core.market_data.keys import summary_key
from trading_core.model.order_item import child_items, item_key
from trading_core.orders.request import MAX_ORDERS_PER_REQUEST
from trading_core.pools.pricing import max_fee, protection_price

FUNDS = "10000000.00"


@pytest.fixture(name="aws")
def funded_aws(trading_aws: TradingAws) -> Iterator[TradingAws]:
    handler.build.cache_clear()
    # The seed order needs 1,394,619.17: more than the 1,000,000 a customer is seeded with.
    put_customer(trading_aws, "000002", funds=FUNDS)
    yield trading_aws
    handler.build.cache_clear()


def put_customer(aws: TradingAws, customer_id: str, funds: str) -> None:
    """A complete customer record, as seeding writes it: its funds deposited (TotalDeposits)."""
    aws.put_customer(customer_id, funds=funds)
    aws.table.update_item(
        Key=keys.customer_key(customer_id),
        UpdateExpression="SET TotalDeposits = if_not_exists(TotalDeposits, :funds)",
        ExpressionAttributeValues={":funds": Decimal(funds)},
    )


def post(body: Any = None, *, raw_body: str | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    event = api_event("POST", "/orders", body=body, raw_body=raw_body, headers=headers)
    return handler.lambda_handler(event, lambda_context("order_router"))


def order_items(aws: TradingAws) -> list[dict[str, Any]]:
    """The child orders as stored (the parents apart: `parent_items`)."""
    return stored_children(aws.scan())


def parent_items(aws: TradingAws) -> list[dict[str, Any]]:
    return stored_order_items(aws.scan())


def child_ids(parent: dict[str, Any]) -> list[str]:
    """The ids of the children the parent's ORDER item holds, in split order."""
    return [child["OrderId"] for child in child_items(parent)]


def seed_cost(quantity: int) -> Decimal:
    """What a buy of `quantity` at the seed's limit reserves (one child): notional plus the costliest fee."""
    notional = Decimal("161.90") * quantity
    return notional + max_fee(notional, VENUE_FEES)


def market_of(aws: TradingAws, child: dict[str, Any]) -> Decimal:
    """The market price of the child's ticker at its order's instant, from what the MarketData table holds."""
    return market_price(aws.market_data_table, child["ticker"], parse_iso(child["orderDate"]))


def without_status(children: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The children as the bus carries them: the response adds each one's status."""
    return [{name: value for name, value in child.items() if name != "status"} for child in children]


def test_the_seed_order_is_split_reserved_and_routed_to_the_lit_pool(aws: TradingAws, bus_type: str) -> None:
    response = post(SEED_ORDER)

    assert response["statusCode"] == 200
    body = json_body(response)
    assert body["invalidOrders"] == []
    children = body["orders"]
    assert [child["quantity"] for child in children] == [1000] * 8 + [614]
    assert {child["split"] for child in children} == {"Yes"}
    assert {child["initialQuantity"] for child in children} == {8614}
    assert {child["price"] for child in children} == {"161.90"}
    assert len({child["orderId"] for child in children}) == 9
    assert len({child["parentOrderId"] for child in children}) == 1
    assert all(child["orderDate"].endswith("Z") for child in children)
    # COIN had no market data: looked up (stored), then priced; the limit is far above the market
    market = market_of(aws, children[0])
    assert market < Decimal("161.90")
    assert {(child["status"], child["marketPrice"], child["pricedAt"]) for child in children} == {
        ("ACCEPTED", str(market), children[0]["orderDate"])
    }
    assert {child["timeInForce"] for child in children} == {"DAY"}
    close = close_after(parse_iso(children[0]["orderDate"]), parse_close_time("21:00"))
    assert {parse_iso(child["expiresAt"]) for child in children} == {close}

    events = aws.bus.drain()
    assert len(events) == 1
    source, detail_type, detail = events[0]
    assert (source, detail_type, detail["poolType"]) == ("SmartOrderRouter", "Orders", "Lit")
    assert detail["orders"] == without_status(children)

    reserved = sum(Decimal(child["reservedAmount"]) for child in children)
    # notional 161.90 x 8614 plus the costliest venue's fee (EBS, 0.0000090) on each child
    assert reserved == Decimal("1394606.60") + Decimal("12.57")
    customer = aws.customer("000002")
    assert customer["AvailableFunds"] == Decimal(FUNDS) - reserved
    assert customer["ReservedFunds"] == reserved
    items = order_items(aws)
    assert sorted(item["OrderId"] for item in items) == sorted(child["orderId"] for child in children)
    assert {item["Status"] for item in items} == {"ACCEPTED"}
    assert all("RestingTicker" not in item for item in items)
    [parent] = parent_items(aws)
    assert parent["OrderId"] == children[0]["parentOrderId"]
    assert child_ids(parent) == [child["orderId"] for child in children]
    assert (parent["Ticker"], parent["Quantity"], parent["Price"]) == ("COIN", 8614, Decimal("161.90"))
    assert (parent["TimeInForce"], parent["MarketPriceAtOrder"]) == ("DAY", market)


def test_a_dark_pool_ticker_goes_to_the_dark_pool(aws: TradingAws, bus_type: str) -> None:
    store_quote(aws.market_data_table, "AAPL", "150.00")

    response = post({**SEED_ORDER, "ticker": "AAPL", "quantity": 500, "price": 190.5})

    body = json_body(response)
    assert [(child["quantity"], child["split"], child["price"]) for child in body["orders"]] == [(500, "No", "190.50")]
    [child] = body["orders"]
    assert child["marketPrice"] == str(market_of(aws, child)) and child["status"] == "ACCEPTED"
    [(_, _, detail)] = aws.bus.drain()
    assert detail["poolType"] == "Dark"
    assert detail["orders"] == without_status(body["orders"])


def test_a_customer_without_enough_funds_gets_a_reason_and_a_credit_check(aws: TradingAws, bus_type: str) -> None:
    put_customer(aws, "000003", funds="1000.00")
    before = aws.customer("000003")

    body = json_body(post([{**SEED_ORDER, "customerId": "000003", "quantity": 10}]))

    assert body["orders"] == []
    [invalid] = body["invalidOrders"]
    assert invalid["order"] == {**SEED_ORDER, "customerId": "000003", "quantity": 10}
    assert invalid["reason"] == "insufficient funds: the order needs 1619.01, available 1000.00"
    assert aws.customer("000003") == before
    assert order_items(aws) == []
    [(source, detail_type, detail)] = aws.bus.drain()
    assert (source, detail_type, detail["invalidOrders"]) == ("SmartOrderRouter", "Orders", "CreditCheck")
    [check] = detail["orders"]
    assert check["customerId"] == "000003"
    assert (check["requiredFunds"], check["availableFunds"], check["shortfall"]) == ("1619.01", "1000.00", "619.01")
    assert check["orderId"]


def test_an_unknown_customer_gets_a_reason_and_no_event(aws: TradingAws, bus_type: str) -> None:
    body = json_body(post({**SEED_ORDER, "customerId": "000099"}))

    [refused] = body["invalidOrders"]
    assert body == {
        "orders": [],
        "invalidOrders": [
            {
                "order": {**SEED_ORDER, "customerId": "000099"},
                "reason": "unknown customer 000099",
                "orderId": refused["orderId"],
            }
        ],
    }
    assert aws.bus.drain() == []
    assert order_items(aws) == []
    # the refusal is kept: a REFUSED parent order without children, in the customer's list of orders
    [parent] = parent_items(aws)
    assert parent["OrderId"] == refused["orderId"]
    assert (parent["Status"], parent["StatusReason"], child_ids(parent)) == (
        "REFUSED",
        "unknown customer 000099",
        [],
    )
    assert parent["OrderCustomer"] == "000099"
    assert parent["OrderKey"] == f"{parent['OrderDate']}#{refused['orderId']}"


def test_an_unknown_customer_selling_is_refused_too(aws: TradingAws) -> None:
    body = json_body(post({**SEED_ORDER, "customerId": "000099", "direction": "Sell"}))

    assert body["invalidOrders"][0]["reason"] == "unknown customer 000099"
    assert aws.bus.drain() == []


def test_a_market_buy_reserves_at_the_protection_price_of_the_market(aws: TradingAws) -> None:
    store_quote(aws.market_data_table, "COIN", "40.79")

    body = json_body(
        post({"customerId": "000002", "direction": "Buy", "ticker": "COIN", "type": "Market", "quantity": 10})
    )

    [buy] = body["orders"]
    market = market_of(aws, buy)
    assert (buy["price"], buy["marketPrice"], buy["status"]) == (None, str(market), "ACCEPTED")
    assert buy["protectionPrice"] == str(protection_price(market))
    notional = protection_price(market) * 10
    assert Decimal(buy["reservedAmount"]) >= notional
    assert aws.customer("000002")["ReservedFunds"] == Decimal(buy["reservedAmount"])


def test_one_request_mixes_accepted_resting_and_refused_orders(aws: TradingAws, bus_type: str) -> None:
    put_customer(aws, "000004", funds="10.00")
    store_quote(aws.market_data_table, "MSFT", "100.00")
    store_quote(aws.market_data_table, "AAPL", "79.79")
    body = json_body(
        post(
            [
                SEED_ORDER,
                {**SEED_ORDER, "customerId": "000099"},
                {**SEED_ORDER, "customerId": "000004", "quantity": 1},
                {**SEED_ORDER, "ticker": "MSFT", "quantity": 1000},
                {**SEED_ORDER, "ticker": "AAPL", "quantity": 10, "price": "1.00"},  # rests
                {**SEED_ORDER, "ticker": "NOTAREALTICKER", "quantity": 1},
            ]
        )
    )

    assert len(body["orders"]) == 11
    assert [child["status"] for child in body["orders"]] == ["ACCEPTED"] * 10 + ["OPEN"]
    assert [(invalid["order"]["customerId"], invalid["reason"]) for invalid in body["invalidOrders"]] == [
        ("000099", "unknown customer 000099"),
        ("000004", f"insufficient funds: the order needs {seed_cost(1)}, available 10.00"),
        ("000002", "unknown ticker"),
    ]
    events = {(detail.get("poolType"), detail.get("invalidOrders")): detail for _, _, detail in aws.bus.drain()}
    assert len(events[("Lit", None)]["orders"]) == 9
    assert [order["ticker"] for order in events[("Dark", None)]["orders"]] == ["MSFT"]  # not the resting AAPL
    assert [order["customerId"] for order in events[(None, "CreditCheck")]["orders"]] == ["000004"]


def count_calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts AWS requests of the clients the handler builds from here on."""
    calls: dict[str, int] = {}

    def count(event_name: str, **_: Any) -> None:
        operation = event_name.split(".")[-1]
        calls[operation] = calls.get(operation, 0) + 1

    session = boto3.session.Session()
    session.events.register("before-call", count)
    monkeypatch.setattr(boto3, "client", session.client)
    monkeypatch.setattr(boto3, "resource", session.resource)
    return calls


def test_a_customers_orders_are_one_reservation_and_the_request_one_batch_of_orders_and_one_publish_call(
    aws: TradingAws, bus_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tickers = ("COIN", "AAPL", "IBM", "MSFT", "HOOD")
    yesterday = datetime.now(UTC) - timedelta(days=1)
    for ticker in tickers:  # quotes stored yesterday: priced without a lookup, and stale
        store_quote(aws.market_data_table, ticker, "100.00", updated=yesterday)
    calls = count_calls(monkeypatch)
    orders = [{**SEED_ORDER, "ticker": ticker} for ticker in tickers]

    body = json_body(post(orders))

    assert len(body["orders"]) == 45 and {child["status"] for child in body["orders"]} == {"ACCEPTED"}
    # The five orders of the customer reserved together (one UpdateItem of their sum, with their five holds); the
    # ORDER items of the request (fresh ids: no Idempotency-Key) in one BatchWriteItem; no transaction (two units
    # per item).
    assert (calls["UpdateItem"], calls["BatchWriteItem"]) == (1, 1)
    assert {"TransactWriteItems", "PutItem"}.isdisjoint(calls)
    # The orders in one call on the bus type's transport; the market prices of the five tickers: one
    # BatchGetItem; their market data (stale): one BatchGetItem for their staleness and one MarketData
    # event, on EventBridge whatever the bus type.
    assert calls.get("PublishBatch", 0) == (1 if bus_type == "SNS" else 0)
    assert calls["PutEvents"] == (1 if bus_type == "SNS" else 2)
    assert calls["BatchGetItem"] == 2
    assert {"GetItem", "Query", "Scan"}.isdisjoint(calls)
    assert aws.bus.market_data_requests() == [{"tickers": ["AAPL", "COIN", "HOOD", "IBM", "MSFT"]}]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ('{"customerId": ', [("body", "is not valid JSON")]),
        ("", [("body", "is required")]),
        ('"COIN"', [("body", "must be an order object or an array of orders")]),
        ("[]", [("body", "must contain at least one order")]),
        ("[1]", [("[0]", "must be an order object")]),
        ('{"quantity": 1, "quantity": 2}', [("body", "is not valid JSON: duplicate field 'quantity'")]),
        ({**SEED_ORDER, "quantity": 0}, [("quantity", "must be greater than 0")]),
        ([SEED_ORDER, {**SEED_ORDER, "quantity": -5}], [("[1].quantity", "must be greater than 0")]),
        ([{**SEED_ORDER, "quantity": 10.5}], [("[0].quantity", "must be an integer")]),
        ({**SEED_ORDER, "quantity": "8614"}, [("quantity", "must be an integer")]),
        ({**SEED_ORDER, "price": "161.901"}, [("price", "must have at most 2 decimal places")]),
        ({**SEED_ORDER, "price": 161.901}, [("price", "must have at most 2 decimal places")]),
        ({**SEED_ORDER, "price": "0"}, [("price", "must be greater than 0")]),
        ({**SEED_ORDER, "price": "abc"}, [("price", "must be a decimal number")]),
        ({k: v for k, v in SEED_ORDER.items() if k != "price"}, [("price", "is required for a Limit order")]),
        ({**SEED_ORDER, "type": "Market"}, [("price", "must be absent for a Market order")]),
        ({**SEED_ORDER, "direction": "Hold"}, [("direction", "must be one of Buy, Sell")]),
        ({**SEED_ORDER, "type": "Stop"}, [("type", "must be one of Limit, Market")]),
        ({**SEED_ORDER, "customerId": 2}, [("customerId", "must be a string")]),
        ({k: v for k, v in SEED_ORDER.items() if k != "ticker"}, [("ticker", "is required")]),
        ({**SEED_ORDER, "prize": "1"}, [("prize", "is not a known field")]),
        ({**SEED_ORDER, "timeInForce": "IOC"}, [("timeInForce", "must be one of DAY, GTC")]),
        ({**SEED_ORDER, "timeInForce": None}, [("timeInForce", "must be one of DAY, GTC")]),
        ([SEED_ORDER] * (MAX_ORDERS_PER_REQUEST + 1), [("body", "must contain at most 100 orders")]),
    ],
)
def test_malformed_input_is_refused_with_field_errors_and_changes_nothing(
    aws: TradingAws, body: Any, errors: list[tuple[str, str]]
) -> None:
    before = aws.scan()

    response = post(raw_body=body) if isinstance(body, str) else post(body)

    assert response["statusCode"] == 400
    answer = json_body(response)
    assert answer["message"] == "invalid order"
    assert [
        (error["field"], error["message"][: len(message)])
        for error, (_, message) in zip(answer["errors"], errors, strict=True)
    ] == errors
    assert aws.scan() == before
    assert aws.bus.drain() == []


def test_a_huge_body_is_refused_with_413(aws: TradingAws) -> None:
    response = post(raw_body="[" + " " * (256 * 1024) + "]")

    assert response["statusCode"] == 413
    assert json_body(response)["errors"] == [{"field": "body", "message": "must be at most 262144 bytes"}]


def test_a_too_large_order_is_an_invalid_order(aws: TradingAws) -> None:
    body = json_body(post({**SEED_ORDER, "quantity": 100_000}))

    assert body["orders"] == []
    assert (
        body["invalidOrders"][0]["reason"]
        == "quantity 100000 exceeds the maximum of 98000 per order with split size 1000"
    )
    assert aws.bus.drain() == []


def test_a_publish_failure_releases_the_reservation(aws: TradingAws, bus_type: str) -> None:
    if bus_type == "SNS":
        boto3.client("sns").delete_topic(TopicArn=aws.topic_arn)
    else:
        events = boto3.client("events")
        events.remove_targets(Rule="capture-all", EventBusName=BUS_NAME, Ids=["q"])
        events.delete_rule(Name="capture-all", EventBusName=BUS_NAME)
        events.delete_event_bus(Name=BUS_NAME)
    before = aws.customer("000002")

    body = json_body(post([SEED_ORDER, {**SEED_ORDER, "ticker": "AAPL"}]))

    assert body["orders"] == []
    assert [invalid["reason"] for invalid in body["invalidOrders"]] == ["could not be routed, try again"] * 2
    customer = aws.customer("000002")
    assert (customer["AvailableFunds"], customer["ReservedFunds"]) == (before["AvailableFunds"], Decimal(0))
    items = order_items(aws)
    assert len(items) == 18
    assert {(item["Status"], item["StatusReason"]) for item in items} == {
        ("REJECTED", "could not be routed, try again")
    }
    assert len(parent_items(aws)) == 2


def test_a_retried_request_with_the_same_idempotency_key_is_answered_once(aws: TradingAws, bus_type: str) -> None:
    first = post(SEED_ORDER, headers={"Idempotency-Key": "abc-123"})
    reserved = aws.customer("000002")["ReservedFunds"]
    second = post(SEED_ORDER, headers={"idempotency-key": "abc-123"})

    assert second["statusCode"] == 200
    assert json_body(second) == json_body(first)
    assert aws.customer("000002")["ReservedFunds"] == reserved
    assert len(order_items(aws)) == 9 and len(parent_items(aws)) == 1
    assert len(aws.bus.drain()) == 1

    reused = post({**SEED_ORDER, "quantity": 1}, headers={"Idempotency-Key": "abc-123"})
    assert reused["statusCode"] == 422
    assert json_body(reused) == {
        "message": "this Idempotency-Key was already used with different orders",
        "errors": [{"field": "Idempotency-Key", "message": "was already used with different orders"}],
    }
    assert len(order_items(aws)) == 9

    other = post(SEED_ORDER, headers={"Idempotency-Key": "abc-124"})
    assert len(json_body(other)["orders"]) == 9


def test_a_refused_order_retried_with_its_idempotency_key_is_kept_once(aws: TradingAws) -> None:
    order = {**SEED_ORDER, "customerId": "000099"}
    first = json_body(post(order, headers={"Idempotency-Key": "refused-1"}))
    again = json_body(post(order, headers={"Idempotency-Key": "refused-1"}))

    assert again == first
    [refused] = first["invalidOrders"]
    assert [item["OrderId"] for item in parent_items(aws)] == [refused["orderId"]]


def test_the_body_is_read_as_json_whatever_its_content_type(aws: TradingAws) -> None:
    """Plain `curl -d` sends application/x-www-form-urlencoded; a body that is not JSON is a 400 on body."""
    for content_type in ("application/x-www-form-urlencoded", "text/plain"):
        response = post(SEED_ORDER, headers={"Content-Type": content_type})
        assert (response["statusCode"], len(json_body(response)["orders"])) == (200, 9), content_type
    response = post(
        raw_body="customerId=000002&quantity=1", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response["statusCode"] == 400
    assert [error["field"] for error in json_body(response)["errors"]] == ["body"]


def test_a_bad_idempotency_key_is_refused(aws: TradingAws) -> None:
    response = post(SEED_ORDER, headers={"Idempotency-Key": "x" * 300})

    assert response["statusCode"] == 400
    assert json_body(response)["errors"][0]["field"] == "Idempotency-Key"
    assert order_items(aws) == []


def test_funds_never_go_below_zero_over_many_requests(aws: TradingAws) -> None:
    put_customer(aws, "000005", funds="5000.00")
    order = {**SEED_ORDER, "customerId": "000005", "quantity": 10, "price": "100.00"}

    answers = [json_body(post(order)) for _ in range(6)]

    assert sum(len(answer["orders"]) for answer in answers) == 4
    customer = aws.customer("000005")
    assert customer["AvailableFunds"] >= 0
    assert customer["AvailableFunds"] + customer["ReservedFunds"] == Decimal("5000.00")
    assert aws.table.get_item(Key=keys.customer_key("000005"))["Item"]["ReservedFunds"] == Decimal("4000.04")


def test_release_against_dynamodb_keeps_a_child_that_was_filled_meanwhile(aws: TradingAws) -> None:
    from trading_core.orders.funds import Reserved
    from trading_core.orders.funds_store import DynamoFundsStore
    from trading_core.orders.plan import RouterConfig, plan_order
    from trading_core.orders.request import parse_body

    store = DynamoFundsStore(aws.table)
    config = RouterConfig(split_size=1000, dark_pool_tickers=frozenset(), venue_fees={"EBS": Decimal("0.000009")})
    [order] = parse_body(json.dumps(SEED_ORDER))
    plan = plan_order(
        order.request,
        config,
        order_date="2026-01-02T10:00:00.000Z",
        new_id=new_order_id,
        market_price=Decimal("40.79"),
    )
    assert store.reserve(plan, "2026-01-02T10:00:00.000Z") == Reserved(plan.reservation)
    filled = plan.children[3]
    aws.table.update_item(
        Key=item_key(filled.order_id),
        UpdateExpression="SET Children.#n.#s = :f",
        ExpressionAttributeNames={"#n": str(child_number(filled.order_id)), "#s": "Status"},
        ExpressionAttributeValues={":f": "FILLED"},
    )

    released = store.release(plan.children, "2026-01-02T10:00:01.000Z", "could not be routed, try again")

    assert [child.order_id for child in released] == [child.order_id for child in plan.children if child is not filled]
    customer = aws.customer("000002")
    assert customer["ReservedFunds"] == filled.reserved_amount
    assert customer["AvailableFunds"] == Decimal(FUNDS) - filled.reserved_amount
    statuses = {item["OrderId"]: (item["Status"], item.get("StatusReason")) for item in order_items(aws)}
    assert statuses[filled.order_id] == ("FILLED", None)
    assert sum(status == ("REJECTED", "could not be routed, try again") for status in statuses.values()) == 8


# --- market prices: the ticker lookup, resting orders -----------------------------------------------


@pytest.fixture
def quote_summary(aws: TradingAws, monkeypatch: pytest.MonkeyPatch) -> QuoteSummaryFunction:
    """The in-process quote-summary function the router invokes, to read its invocations."""
    return install_quote_summary(monkeypatch)


def test_an_unknown_ticker_is_refused_after_the_lookup_and_only_the_refusal_is_written(
    aws: TradingAws, quote_summary: QuoteSummaryFunction, bus_type: str
) -> None:
    before = aws.scan()
    order = {**SEED_ORDER, "ticker": "NOTAREALTICKER", "quantity": 10}

    response = post(order)

    assert response["statusCode"] == 200
    body = json_body(response)
    order_id = body["invalidOrders"][0]["orderId"]
    assert body == {"orders": [], "invalidOrders": [{"order": order, "reason": "unknown ticker", "orderId": order_id}]}
    assert quote_summary.invocations == [{"tickers": ["NOTAREALTICKER"]}]
    [refused] = [item for item in aws.scan() if item not in before]
    assert (refused["PK"], refused["Status"], refused["StatusReason"]) == (
        f"ORDER#{order_id}",
        "REFUSED",
        "unknown ticker",
    )
    assert "MarketPriceAtOrder" not in refused
    assert aws.customer("000002")["ReservedFunds"] == Decimal(0)
    assert aws.bus.drain() == []
    assert aws.bus.market_data_requests() == []
    assert aws.market_data_table.get_item(Key=summary_key("NOTAREALTICKER")).get("Item") is None


def test_a_ticker_never_seen_is_looked_up_stored_and_priced(
    aws: TradingAws, quote_summary: QuoteSummaryFunction
) -> None:
    assert aws.market_data_table.get_item(Key=summary_key("KO")).get("Item") is None

    first = json_body(post({**SEED_ORDER, "ticker": "KO", "quantity": 10, "price": "1000.00"}))
    second = json_body(post({**SEED_ORDER, "ticker": "KO", "quantity": 10, "price": "1000.00"}))

    assert quote_summary.invocations == [{"tickers": ["KO"]}]  # stored by the first: not looked up again
    stored = aws.market_data_table.get_item(Key=summary_key("KO"))["Item"]
    assert stored["Ticker"] == "KO" and Decimal(stored["Price"]) > 0
    for body in (first, second):
        assert body["invalidOrders"] == []
        [child] = body["orders"]
        assert (child["status"], child["marketPrice"]) == ("ACCEPTED", str(market_of(aws, child)))


def test_a_failed_lookup_is_a_retryable_refusal(aws: TradingAws, quote_summary: QuoteSummaryFunction) -> None:
    quote_summary.fail = True

    body = json_body(post([{**SEED_ORDER, "ticker": "KO", "quantity": 10}, SEED_ORDER]))

    assert [invalid["reason"] for invalid in body["invalidOrders"]] == ["could not be processed, try again"] * 2
    assert body["orders"] == [] and aws.bus.drain() == []


def test_a_limit_buy_below_the_market_rests_open_with_its_funds_reserved(aws: TradingAws, bus_type: str) -> None:
    store_quote(aws.market_data_table, "AAPL", "79.79")
    order = {**SEED_ORDER, "ticker": "AAPL", "quantity": 1500, "price": "1.00"}

    body = json_body(post(order))

    assert body["invalidOrders"] == []
    children = body["orders"]
    assert market_of(aws, children[0]) > Decimal("1.00")
    assert [(child["status"], child["marketPrice"], child["pricedAt"]) for child in children] == [
        ("OPEN", None, None)
    ] * 2
    assert aws.bus.drain() == []  # resting: not sent to a pool
    items = order_items(aws)
    assert {(item["Status"], item["RestingTicker"]) for item in items} == {("OPEN", "AAPL")}
    reserved = sum(Decimal(child["reservedAmount"]) for child in children)
    # at the limit, not the market: 1000 and 500 at 1.00 plus each child's fee at the costliest venue
    assert reserved == sum(n + max_fee(n, VENUE_FEES) for n in (Decimal("1000.00"), Decimal("500.00")))
    assert aws.customer("000002")["ReservedFunds"] == reserved
    [parent] = parent_items(aws)
    assert child_ids(parent) == [child["orderId"] for child in children]
    resting = aws.table.query(
        IndexName="RestingOrders", KeyConditionExpression="RestingTicker = :t", ExpressionAttributeValues={":t": "AAPL"}
    )["Items"]
    assert [item["OrderId"] for item in resting] == [parent["OrderId"]]
    resting_children = [child for item in resting for child in child_items(item) if child["Status"] == "OPEN"]
    assert sorted(child["OrderId"] for child in resting_children) == sorted(child["orderId"] for child in children)


def test_a_limit_sell_above_the_market_is_not_sent_to_a_pool(aws: TradingAws) -> None:
    store_quote(aws.market_data_table, "COIN", "40.79")
    aws.table.put_item(
        Item={
            **keys.position_key("000002", "COIN"),
            "CustomerId": "000002",
            "Ticker": "COIN",
            "Quantity": 100,
            "AvailableQuantity": 100,
            "ReservedQuantity": 0,
            "CostBasis": Decimal("4000.00"),
        }
    )

    body = json_body(post({**SEED_ORDER, "direction": "Sell", "quantity": 100, "price": "9999.00"}))

    [child] = body["orders"]
    assert market_of(aws, child) < Decimal("9999.00")
    assert (child["status"], child["marketPrice"]) == ("OPEN", None)
    assert aws.bus.drain() == []


def test_a_gtc_order_never_expires_and_a_day_order_at_the_close(aws: TradingAws) -> None:
    store_quote(aws.market_data_table, "AAPL", "79.79")
    order = {**SEED_ORDER, "ticker": "AAPL", "quantity": 10, "price": "1.00"}

    [gtc] = json_body(post({**order, "timeInForce": "GTC"}))["orders"]
    [day] = json_body(post({**order, "timeInForce": "DAY"}))["orders"]

    assert (gtc["timeInForce"], gtc["expiresAt"]) == ("GTC", None)
    assert day["timeInForce"] == "DAY"
    assert parse_iso(day["expiresAt"]) == close_after(parse_iso(day["orderDate"]), parse_close_time("21:00"))
    items = {item["OrderId"]: item for item in order_items(aws)}
    assert "ExpiresAt" not in items[gtc["orderId"]] or items[gtc["orderId"]]["ExpiresAt"] is None
    assert items[day["orderId"]]["ExpiresAt"] == day["expiresAt"]


def test_the_close_time_is_the_stage_s_parameter(aws: TradingAws) -> None:
    aws.set_parameter("market-close-time", "00:00")
    store_quote(aws.market_data_table, "AAPL", "79.79")

    [day] = json_body(post({**SEED_ORDER, "ticker": "AAPL", "quantity": 10, "price": "1.00"}))["orders"]

    expires = parse_iso(day["expiresAt"])
    assert (expires.hour, expires.minute) == (0, 0) and expires > parse_iso(day["orderDate"])


def test_each_order_decision_is_one_log_record(aws: TradingAws, bus_type: str, monkeypatch: pytest.MonkeyPatch) -> None:
    records: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(handler.logger, "info", lambda message, extra: records.append((message, extra)))
    store_quote(aws.market_data_table, "AAPL", "79.79")

    body = json_body(
        post(
            [
                SEED_ORDER,
                {**SEED_ORDER, "ticker": "AAPL", "quantity": 10, "price": "1.00"},  # rests
                {**SEED_ORDER, "customerId": "000099"},
            ]
        )
    )
    post({"customerId": "000002"})

    parents = list(dict.fromkeys(child["parentOrderId"] for child in body["orders"]))
    assert records == [
        (
            "order accepted",
            {
                "customerId": "000002",
                "parentOrderId": parents[0],
                "order": "Buy 8614 COIN Limit",
                "childOrders": 9,
                "status": "ACCEPTED",
                "bus": bus_type,
            },
        ),
        (
            "order accepted",
            {
                "customerId": "000002",
                "parentOrderId": parents[1],
                "order": "Buy 10 AAPL Limit",
                "childOrders": 1,
                "status": "OPEN",
            },
        ),
        (
            "order refused",
            {
                "customerId": "000099",
                "orderId": body["invalidOrders"][0]["orderId"],  # the REFUSED parent order that keeps it
                "order": "Buy 8614 COIN Limit",
                "reason": "unknown customer 000099",
            },
        ),
        ("order request refused", {"status": 400, "reason": records[3][1]["reason"]}),
    ]
    assert records[3][1]["reason"].startswith("invalid order: direction is required")
