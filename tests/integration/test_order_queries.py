"""A customer's orders and a parent order's fills through the data API, against moto (the CustomerOrderKeys
index, keys only): newest first, paged, by day and by derived status; refused orders kept by the router and read back;
average price, notional and fees from what settlement wrote on the children."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from lambdas.data_api import handler as data_api
from lambdas.order_router import handler as order_router
from tests.integration.api_events import api_event, json_body, lambda_context
from tests.integration.conftest import TradingAws
from tests.integration.quote_lookup import store_quote
from tests.seed import SEED_ORDER
from trading_core.common import keys
from trading_core.common.ids import new_order_id, trade_id_for
from trading_core.common.money import cents
from trading_core.contracts import CUSTOMER_ORDERS_INDEX
from trading_core.model.child_order import ChildOrder, Direction, OrderType, TimeInForce
from trading_core.model.order_item import item_key
from trading_core.model.trade import ExchangeType, Trade
from trading_core.orders.funds import Reserved
from trading_core.orders.funds_store import DynamoFundsStore
from trading_core.orders.plan import PlannedOrder, RouterConfig, plan_order
from trading_core.orders.request import OrderRequest
from trading_core.queries import order_queries
from trading_core.settlement.post_trade import delivery_tag
from trading_core.settlement.settlement_store import DynamoDBSettlementStore

CUSTOMER = "000002"
CONFIG = RouterConfig(split_size=1000, dark_pool_tickers=frozenset(), venue_fees={"NYSE": Decimal("0.0000036")})


@pytest.fixture
def aws(trading_aws: TradingAws) -> Iterator[TradingAws]:
    data_api.build.cache_clear()
    order_router.build.cache_clear()
    trading_aws.put_customer(CUSTOMER, funds="100000000.00")
    trading_aws.table.update_item(
        Key=keys.customer_key(CUSTOMER),
        UpdateExpression="SET TotalDeposits = :f",
        ExpressionAttributeValues={":f": Decimal("100000000.00")},
    )
    yield trading_aws
    data_api.build.cache_clear()
    order_router.build.cache_clear()


def get(path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    return data_api.lambda_handler(api_event("GET", path, query=query), lambda_context("data_api"))


def place(aws: TradingAws, order_date: str, quantity: int = 2500, customer_id: str = CUSTOMER) -> PlannedOrder:
    """A parent order of three resting children (limit 10.00, market 40.79), written as the router does."""
    request = OrderRequest(
        customer_id=customer_id,
        direction=Direction.BUY,
        ticker="COIN",
        order_type=OrderType.LIMIT,
        quantity=quantity,
        price=Decimal("10.00"),
        time_in_force=TimeInForce.GTC,
    )
    plan = plan_order(request, CONFIG, order_date=order_date, new_id=new_order_id, market_price=Decimal("40.79"))
    assert DynamoFundsStore(aws.table).reserve(plan, order_date) == Reserved(plan.reservation)
    return plan


def fill(aws: TradingAws, child: ChildOrder, price: str, fee: str) -> Trade:
    """Settles a fill of `child` as the post-trade processor does (the order item marked FILLED)."""
    trade = Trade(
        **{**child.ticket_terms(), "price": Decimal(price)},
        trade_id=trade_id_for(child.order_id),
        exchange="NYSE",
        exchange_type=ExchangeType.LIT_POOL,
        trade_date=child.order_date.replace("T10", "T11"),
        fee=Decimal(fee),
        settlement_date=child.order_date.replace("T10", "T12"),
    )
    inserted = DynamoDBSettlementStore(aws.table).insert([trade], delivery_tag([trade.trade_id]))
    assert not inserted.void and not inserted.orders_missing
    return trade


def pages(path: str, query: dict[str, str]) -> list[list[dict[str, Any]]]:
    """Every page of a paged list, following nextToken to the end."""
    seen: list[list[dict[str, Any]]] = []
    while True:
        response = get(path, query)
        assert response["statusCode"] == 200, json_body(response)
        body = json_body(response)
        assert body["count"] == len(body["orders"])
        seen.append(body["orders"])
        if body["nextToken"] is None:
            return seen
        query = {**query, "nextToken": body["nextToken"]}


def test_a_parent_order_shows_the_average_price_notional_and_fees_of_its_fills(aws: TradingAws) -> None:
    plan = place(aws, "2026-01-02T10:00:00.000Z")

    nothing = json_body(get(f"/orders/{plan.parent_order_id}"))
    assert (nothing["averagePrice"], nothing["notional"], nothing["fees"]) == (None, "0.00", "0.00")

    first = fill(aws, plan.children[0], "9.99", "0.04")  # 1000 at 9.99
    second = fill(aws, plan.children[2], "9.97", "0.02")  # 500 at 9.97

    parent = json_body(get(f"/orders/{plan.parent_order_id}"))
    notional = cents(first.price * 1000) + cents(second.price * 500)
    assert notional == Decimal("14975.00")
    assert (parent["status"], parent["filledQuantity"], parent["openQuantity"]) == ("PARTIALLY_FILLED", 1500, 1000)
    assert (parent["averagePrice"], parent["notional"], parent["fees"]) == ("9.98", "14975.00", "0.06")
    filled = json_body(get(f"/orders/{plan.children[0].order_id}"))
    assert (filled["status"], filled["tradeId"], filled["fillPrice"], filled["fillFee"]) == (
        "FILLED",
        first.trade_id,
        "9.99",
        "0.04",
    )


def test_a_fill_whose_price_is_not_known_makes_the_figures_null_rather_than_wrong(aws: TradingAws) -> None:
    plan = place(aws, "2026-01-02T10:00:00.000Z", quantity=1000)
    fill(aws, plan.children[0], "9.95", "0.03")
    parent = json_body(get(f"/orders/{plan.parent_order_id}"))
    assert (parent["averagePrice"], parent["notional"], parent["fees"]) == ("9.95", "9950.00", "0.03")

    aws.table.update_item(
        Key=item_key(plan.parent_order_id),
        UpdateExpression="REMOVE Children.#n.FillPrice, Children.#n.FillFee",
        ExpressionAttributeNames={"#n": "1"},
    )
    parent = json_body(get(f"/orders/{plan.parent_order_id}"))
    assert (parent["filledQuantity"], parent["averagePrice"], parent["notional"], parent["fees"]) == (
        1000,
        None,
        None,
        None,
    )


def test_the_customer_s_orders_are_newest_first_and_page_through_each_once(aws: TradingAws) -> None:
    placed = [place(aws, f"2026-01-{day:02d}T10:00:00.000Z", quantity=1000) for day in range(1, 8)]
    aws.put_customer("000003")
    place(aws, "2026-01-04T10:00:00.000Z", customer_id="000003")

    seen = pages(f"/customers/{CUSTOMER}/orders", {"limit": "3"})

    assert [len(page) for page in seen] == [3, 3, 1]
    orders = [order for page in seen for order in page]
    assert [order["orderId"] for order in orders] == [plan.parent_order_id for plan in reversed(placed)]
    first = orders[0]
    assert (first["kind"], first["status"], first["customerId"], first["quantity"]) == (
        "parent",
        "OPEN",
        CUSTOMER,
        1000,
    )
    assert [child["orderId"] for child in first["children"]] == [placed[-1].children[0].order_id]
    assert not {"orderCustomer", "orderKey", "OrderCustomer", "OrderKey"} & set(first)

    days = json_body(get(f"/customers/{CUSTOMER}/orders", {"from": "2026-01-03", "to": "2026-01-05"}))
    assert [order["orderDate"][:10] for order in days["orders"]] == ["2026-01-05", "2026-01-04", "2026-01-03"]
    since = json_body(get(f"/customers/{CUSTOMER}/orders", {"from": "2026-01-06"}))
    assert [order["orderDate"][:10] for order in since["orders"]] == ["2026-01-07", "2026-01-06"]
    until = json_body(get(f"/customers/{CUSTOMER}/orders", {"to": "2026-01-01"}))
    assert [order["orderDate"][:10] for order in until["orders"]] == ["2026-01-01"]


def test_the_status_filter_applies_to_the_derived_status_across_pages(
    aws: TradingAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    placed = [place(aws, f"2026-02-{day:02d}T10:00:00.000Z", quantity=1000) for day in range(1, 11)]
    for plan in placed[::3]:  # days 1, 4, 7, 10
        fill(aws, plan.children[0], "9.90", "0.01")
    filled = [plan.parent_order_id for plan in reversed(placed[::3])]

    seen = pages(f"/customers/{CUSTOMER}/orders", {"status": "FILLED", "limit": "3"})
    assert [order["orderId"] for page in seen for order in page] == filled
    assert all(order["status"] == "FILLED" for page in seen for order in page)
    assert all(order["averagePrice"] == "9.90" for page in seen for order in page)
    assert json_body(get(f"/customers/{CUSTOMER}/orders", {"status": "CANCELLED"}))["orders"] == []

    # a page looks at MAX_EXAMINED parents at most: it may come back short with a token that carries on
    monkeypatch.setattr(order_queries, "MAX_EXAMINED", 2)
    short = pages(f"/customers/{CUSTOMER}/orders", {"status": "FILLED", "limit": "3"})
    assert any(len(page) < 3 for page in short[:-1])
    assert [order["orderId"] for page in short for order in page] == filled


def test_refused_orders_are_kept_and_read_back_by_id_and_in_the_customer_s_orders(aws: TradingAws) -> None:
    store_quote(aws.market_data_table, "COIN", "40.79")
    event = api_event(
        "POST",
        "/orders",
        body=[
            {**SEED_ORDER, "quantity": 10},
            {**SEED_ORDER, "quantity": 100_000},
            {**SEED_ORDER, "customerId": "000099"},
        ],
    )

    answer = json_body(order_router.lambda_handler(event, lambda_context("order_router")))

    too_large, unknown = answer["invalidOrders"]
    refused = json_body(get(f"/orders/{too_large['orderId']}"))
    assert {name: refused[name] for name in ("kind", "status", "reason", "children", "filledQuantity")} == {
        "kind": "parent",
        "status": "REFUSED",
        "reason": too_large["reason"],
        "children": [],
        "filledQuantity": 0,
    }
    assert (refused["customerId"], refused["quantity"], refused["price"]) == (CUSTOMER, 100_000, "161.90")
    assert "statusReason" not in refused and "childOrderIds" not in refused

    mine = json_body(get(f"/customers/{CUSTOMER}/orders"))
    assert sorted(order["status"] for order in mine["orders"]) == ["ACCEPTED", "REFUSED"]
    only_refused = json_body(get(f"/customers/{CUSTOMER}/orders", {"status": "REFUSED"}))
    assert [order["orderId"] for order in only_refused["orders"]] == [too_large["orderId"]]
    # an unknown customer's refused order is listed under that id: it has orders, so it is not a 404
    theirs = get("/customers/000099/orders")
    assert theirs["statusCode"] == 200
    assert [order["reason"] for order in json_body(theirs)["orders"]] == [unknown["reason"]]


def test_an_unknown_customer_without_orders_is_404_and_a_known_one_an_empty_page(aws: TradingAws) -> None:
    response = get("/customers/000404/orders")
    assert (response["statusCode"], json_body(response)) == (
        404,
        {"message": "customer 000404 not found", "errors": []},
    )
    assert json_body(get(f"/customers/{CUSTOMER}/orders")) == {
        "customerId": CUSTOMER,
        "orders": [],
        "count": 0,
        "nextToken": None,
    }


def test_a_token_continues_only_its_own_query(aws: TradingAws) -> None:
    for day in (1, 2):
        place(aws, f"2026-03-0{day}T10:00:00.000Z", quantity=1000)
    token = json_body(get(f"/customers/{CUSTOMER}/orders", {"limit": "1"}))["nextToken"]
    assert token

    for path, query in (
        ("/customers/000003/orders", {"nextToken": token}),  # another customer
        (f"/customers/{CUSTOMER}/orders", {"nextToken": token, "from": "2026-03-03"}),  # outside the days
        (f"/customers/{CUSTOMER}/orders", {"nextToken": token[:-4]}),
    ):
        response = get(path, query)
        assert (response["statusCode"], json_body(response)["errors"][0]["field"]) == (400, "nextToken"), query

    following = json_body(get(f"/customers/{CUSTOMER}/orders", {"limit": "1", "nextToken": token}))
    assert [order["orderDate"][:10] for order in following["orders"]] == ["2026-03-01"]


def test_while_an_upgrade_rebuilds_the_orders_index_the_list_is_503_and_an_order_still_reads(aws: TradingAws) -> None:
    """docs/contracts.md "Data model": a stage's upgrade removes the old index before it adds the new one."""
    parent_id = place(aws, "2026-03-02T10:00:00.000Z", quantity=1000).parent_order_id
    aws.table.meta.client.update_table(
        TableName=aws.table.name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": CUSTOMER_ORDERS_INDEX}}]
    )
    response = get(f"/customers/{CUSTOMER}/orders")
    assert (response["statusCode"], json_body(response)["message"]) == (
        503,
        "the customer orders index is being built or replaced; try again",
    )
    assert get(f"/orders/{parent_id}")["statusCode"] == 200
