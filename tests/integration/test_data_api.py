"""The Data API against moto: camelCase items, money as strings, 404s, 400s and pagination."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from lambdas.data_api import handler
from tests.integration.api_events import api_event, json_body, lambda_context
from tests.integration.conftest import TradingAws
from trading_core.common import keys
from trading_core.common.ids import trade_id_for
from trading_core.model.child_order import Direction, OrderType
from trading_core.model.trade import ExchangeType, Trade
from trading_core.queries.trade_pages import encode_token


@pytest.fixture
def aws(trading_aws: TradingAws) -> Iterator[TradingAws]:
    handler.build.cache_clear()
    yield trading_aws
    handler.build.cache_clear()


def get(path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    return handler.lambda_handler(api_event("GET", path, query=query), lambda_context("data_api"))


def trade(customer_id: str, day: str, n: int) -> Trade:
    order_id = f"order-{day}-{n:04d}"
    return Trade(
        customer_id=customer_id,
        direction=Direction.BUY,
        ticker="COIN",
        order_type=OrderType.LIMIT,
        quantity=10 + n,
        price=Decimal("161.9"),
        order_id=order_id,
        order_date=f"{day}T10:00:00.000Z",
        initial_quantity=10 + n,
        split=False,
        parent_order_id=order_id,
        reserved_amount=Decimal("1619.01"),
        trade_id=trade_id_for(order_id),
        exchange="NYSE",
        exchange_type=ExchangeType.LIT_POOL,
        trade_date=f"{day}T10:00:00.250Z",
        fee=Decimal("0.01"),
    )


def test_a_customer_is_camel_case_with_money_as_strings(aws: TradingAws) -> None:
    aws.put_customer("000001", funds="1000000")

    response = get("/customers/000001")

    assert response["statusCode"] == 200
    assert json_body(response) == {
        "customerId": "000001",
        "remainingFunds": "1000000.00",
        "availableFunds": "1000000.00",
        "reservedFunds": "0.00",
        "created": "2026-01-01T00:00:00.000Z",
        "nrTrades": 0,
        "totalCommissionPaid": "0.00",
        "totalAmountInvested": "0.00",
    }


def test_missing_items_are_404(aws: TradingAws) -> None:
    assert (get("/customers/000404")["statusCode"], json_body(get("/customers/000404"))) == (
        404,
        {"message": "customer 000404 not found"},
    )
    assert get("/orders/abc-def")["statusCode"] == 404
    assert get("/tickers/COIN", {"date": "2026-01-02"})["statusCode"] == 404


def test_an_order_and_a_ticker_day(aws: TradingAws) -> None:
    aws.table.put_item(Item={**keys.ticker_day_key("COIN", "2026-01-02"), "NrTrades": 3, "TotalQuantity": 8614})
    aws.table.put_item(
        Item={
            **keys.order_key("o-1"),
            "OrderId": "o-1",
            "Price": Decimal("161.9"),
            "Quantity": 614,
            "Status": "ACCEPTED",
        }
    )

    assert json_body(get("/tickers/COIN", {"date": "2026-01-02"})) == {
        "ticker": "COIN",
        "date": "2026-01-02",
        "nrTrades": 3,
        "totalQuantity": 8614,
    }
    assert json_body(get("/orders/o-1")) == {"orderId": "o-1", "price": "161.90", "quantity": 614, "status": "ACCEPTED"}


def test_trades_of_a_day_page_through_every_trade_exactly_once(aws: TradingAws) -> None:
    stored = [trade("000001", "2026-01-02", n) for n in range(23)]
    others = [trade("000001", "2026-01-03", n) for n in range(4)] + [trade("000002", "2026-01-02", n) for n in range(3)]
    with aws.table.batch_writer() as batch:
        for item in stored + others:
            batch.put_item(Item=item.to_item())

    seen: list[dict[str, Any]] = []
    query = {"tradeDate": "2026-01-02", "limit": "5"}
    pages = 0
    while True:
        response = get("/trades/000001", query)
        assert response["statusCode"] == 200
        body = json_body(response)
        pages += 1
        seen.extend(body["trades"])
        if not body["nextToken"]:
            break
        query = {**query, "nextToken": body["nextToken"]}

    assert pages in (5, 6)
    assert sorted(t["tradeId"] for t in seen) == sorted(t.trade_id for t in stored)
    wire = {t.trade_id: t.to_wire() for t in stored}
    assert all(t == wire[t["tradeId"]] for t in seen)
    assert {t["price"] for t in seen} == {"161.90"}
    everything = json_body(get("/trades/000001", {"limit": "500"}))
    assert (everything["count"], everything["nextToken"]) == (27, None)


@pytest.mark.parametrize(
    ("path", "query", "field", "message"),
    [
        ("/trades/000001", {"tradeDate": "2026-1-2"}, "tradeDate", "must be a date as YYYY-MM-DD"),
        ("/trades/000001", {"tradeDate": "2026-02-30"}, "tradeDate", "must be a date as YYYY-MM-DD"),
        ("/trades/000001", {"limit": "0"}, "limit", "Input should be greater than or equal to 1"),
        ("/trades/000001", {"limit": "501"}, "limit", "Input should be less than or equal to 500"),
        ("/trades/000001", {"limit": "ten"}, "limit", "Input should be a valid integer"),
        ("/trades/000001", {"nextToken": "!!!"}, "nextToken", "is not a token this API issued"),
        (
            "/trades/000001",
            {"nextToken": encode_token(keys.trade_key("000002", "2026-01-02", "x"))},
            "nextToken",
            "does not belong to this query",
        ),
        ("/customers/00.01", None, "customerId", "must be 1 to 64 letters, digits, '-' or '_'"),
        ("/tickers/coin", {"date": "2026-01-02"}, "ticker", "must be 1 to 15 upper-case letters, digits, '.' or '-'"),
        ("/tickers/COIN", None, "date", "is required"),
    ],
)
def test_bad_parameters_are_400_with_the_field(
    aws: TradingAws, path: str, query: dict[str, str] | None, field: str, message: str
) -> None:
    response = get(path, query)

    assert response["statusCode"] == 400
    [error] = json_body(response)["errors"]
    assert error["field"] == field
    assert error["message"].startswith(message)


def test_unknown_routes_are_404(aws: TradingAws) -> None:
    assert get("/nothing")["statusCode"] == 404
