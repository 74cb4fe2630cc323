"""The Data API against moto: camelCase items, money as strings, 404s, 400s, pagination, a ticker's market
price, a parent order with its children, positions valued at the market price, the ledger paged."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from lambdas.data_api import handler
from tests.integration.api_events import api_event, json_body, lambda_context
from tests.integration.conftest import TRADES_TABLE, TradingAws
from tests.integration.quote_lookup import market_price, store_quote
from tests.integration.stream_events import FakeContext, StreamTap
from tests.order_store import NOW, put_orders
from tests.trade_samples import child_order
from tests.trade_store import put_trades, trade_item
from trading_core.common import keys
from trading_core.common.clock import parse_iso
from trading_core.common.ids import trade_id_for
from trading_core.common.money import cents
from trading_core.customers import ledger
from trading_core.market.walk import walk_price
from trading_core.market_data.keys import summary_key
from trading_core.market_data.model import PriceBar
from trading_core.market_data.store import MarketDataStore
from trading_core.model.child_order import Direction, OrderType, TimeInForce
from trading_core.model.order_item import item_key
from trading_core.model.order_trades import order_trades_key
from trading_core.model.trade import ExchangeType, Trade
from trading_core.orders.funds import Reserved
from trading_core.orders.funds_store import DynamoFundsStore
from trading_core.orders.plan import RouterConfig, plan_order
from trading_core.orders.request import OrderRequest
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
        # the ledger's totals (a record without TotalDeposits: its opening balance), money as strings
        "totalDeposits": "1000000.00",
        "totalWithdrawals": "0.00",
        "realizedPnl": "0.00",
    }


def test_missing_items_are_404_with_the_one_error_body(aws: TradingAws) -> None:
    assert (get("/customers/000404")["statusCode"], json_body(get("/customers/000404"))) == (
        404,
        {"message": "customer 000404 not found", "errors": []},
    )
    unknown = str(uuid.uuid4())
    assert (get(f"/orders/{unknown}")["statusCode"], json_body(get(f"/orders/{unknown}"))) == (
        404,
        {"message": f"order {unknown} not found", "errors": []},
    )
    # no trades that day and no market data: nothing to show
    response = get("/tickers/ZZZZ", {"date": "2026-12-01"})
    assert (response["statusCode"], json_body(response)) == (
        404,
        {"message": "ticker ZZZZ not found: no market data and no trades on 2026-12-01", "errors": []},
    )
    assert get("/tickers/COIN")["statusCode"] == 404
    # a customer without a record nor trades
    assert (get("/trades/000404")["statusCode"], json_body(get("/trades/000404"))["errors"]) == (404, [])


def legacy_ticker_day_key(ticker: str, day: str) -> dict[str, str]:
    """A ticker-day as one item for every customer (before the aggregator kept one share per customer): read as
    one more share of the day."""
    return {keys.PK: keys.ticker_partition(ticker), keys.SK: day}


def test_an_order_and_a_ticker_day_with_its_vwap(aws: TradingAws) -> None:
    aws.table.put_item(
        Item={
            **legacy_ticker_day_key("COIN", "2026-01-02"),
            "NrTrades": 3,
            "TotalQuantity": 8614,
            "TotalNotional": Decimal("1394606.60"),
        }
    )
    # a day aggregated before ticker-days kept their notional: no partial sum, no VWAP
    aws.table.put_item(Item={**legacy_ticker_day_key("COIN", "2026-01-01"), "NrTrades": 1, "TotalQuantity": 5})
    order = child_order(1, ticker="COIN", quantity=614, price=Decimal("161.9"))
    put_orders(aws.table, [order])

    assert json_body(get("/tickers/COIN", {"date": "2026-01-02"})) == {
        "ticker": "COIN",
        "date": "2026-01-02",
        "nrTrades": 3,
        "totalQuantity": 8614,
        "totalNotional": "1394606.60",
        "vwap": "161.90",  # 1394606.60 / 8614 = 161.8999...
        "marketPrice": None,  # no market data stored: the day's trades alone
    }
    legacy = json_body(get("/tickers/COIN", {"date": "2026-01-01"}))
    assert (legacy["nrTrades"], legacy["totalNotional"], legacy["vwap"]) == (1, None, None)
    shown = {name: value for name, value in order.to_wire().items() if value is not None}
    assert json_body(get(f"/orders/{order.order_id}")) == {**shown, "status": "ACCEPTED", "updated": NOW}
    assert shown["price"] == "161.90"


def test_a_ticker_s_market_price_is_the_one_every_component_uses_at_that_instant(aws: TradingAws) -> None:
    store_quote(aws.market_data_table, "COIN", "40.79")
    aws.table.put_item(Item={**legacy_ticker_day_key("COIN", "2026-01-02"), "NrTrades": 3, "TotalQuantity": 8614})
    before = datetime.now(UTC)

    today = json_body(get("/tickers/COIN"))
    that_day = json_body(get("/tickers/COIN", {"date": "2026-01-02"}))

    after = datetime.now(UTC)
    for body in (today, that_day):
        at = parse_iso(body["priceTime"])
        assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= at <= after
        assert body["marketPrice"] == str(market_price(aws.market_data_table, "COIN", at))
    assert {name: today[name] for name in ("ticker", "date", "nrTrades", "totalQuantity", "totalNotional", "vwap")} == {
        "ticker": "COIN",
        "date": before.date().isoformat(),
        "nrTrades": 0,
        "totalQuantity": 0,
        "totalNotional": "0.00",
        "vwap": None,  # no trades: no average
    }
    assert (that_day["nrTrades"], that_day["totalQuantity"]) == (3, 8614)


def test_without_a_quote_the_market_price_comes_from_the_latest_stored_close(aws: TradingAws) -> None:
    bars = [
        PriceBar(
            ticker="KO",
            day=day,
            open=Decimal("60"),
            high=Decimal("63"),
            low=Decimal("59"),
            close=close,
            adj_close=close,
            volume=1000,
        )
        for day, close in (("2026-01-01", Decimal("61.00")), ("2026-01-02", Decimal("62.15")))
    ]
    MarketDataStore(aws.market_data_table).put_history("KO", bars)
    assert "Price" not in aws.market_data_table.get_item(Key=summary_key("KO")).get("Item", {})

    body = json_body(get("/tickers/KO"))

    assert body["marketPrice"] == str(walk_price(Decimal("62.15"), "KO", parse_iso(body["priceTime"])))


def test_a_parent_order_shows_its_children_and_the_status_they_add_up_to(aws: TradingAws) -> None:
    aws.put_customer("000002", funds="1000000.00")
    aws.table.update_item(
        Key=keys.customer_key("000002"),
        UpdateExpression="SET TotalDeposits = :f",
        ExpressionAttributeValues={":f": Decimal("1000000.00")},
    )
    ids = iter(str(uuid.UUID(int=n)) for n in range(10))
    request = OrderRequest(
        customer_id="000002",
        direction=Direction.BUY,
        ticker="COIN",
        order_type=OrderType.LIMIT,
        quantity=2500,
        price=Decimal("10.00"),
        time_in_force=TimeInForce.GTC,
    )
    config = RouterConfig(split_size=1000, dark_pool_tickers=frozenset(), venue_fees={"NYSE": Decimal("0.0000036")})
    plan = plan_order(
        request, config, order_date="2026-01-02T10:00:00.000Z", new_id=lambda: next(ids), market_price=Decimal("40.79")
    )
    assert DynamoFundsStore(aws.table).reserve(plan, "2026-01-02T10:00:00.000Z") == Reserved(plan.reservation)

    resting = json_body(get(f"/orders/{plan.parent_order_id}"))

    assert (resting["kind"], resting["status"], resting["filledQuantity"], resting["openQuantity"]) == (
        "parent",
        "OPEN",
        0,
        2500,
    )
    assert [child["orderId"] for child in resting["children"]] == [child.order_id for child in plan.children]
    assert [child["status"] for child in resting["children"]] == ["OPEN"] * 3
    assert (resting["orderId"], resting["ticker"], resting["price"], resting["timeInForce"]) == (
        str(uuid.UUID(int=0)),
        "COIN",
        "10.00",
        "GTC",
    )
    assert all("restingTicker" not in child for child in resting["children"])
    # money as a 2-decimal string, like every price (the market when the order was placed)
    assert (resting["marketPriceAtOrder"], resting["quantity"]) == ("40.79", 2500)

    aws.table.update_item(
        Key=item_key(plan.children[0].order_id),
        UpdateExpression="SET Children.#n.#s = :filled",
        ExpressionAttributeNames={"#n": "1", "#s": "Status"},
        ExpressionAttributeValues={":filled": "FILLED"},
    )
    partial = json_body(get(f"/orders/{plan.parent_order_id}"))
    assert (partial["status"], partial["filledQuantity"], partial["openQuantity"]) == ("PARTIALLY_FILLED", 1000, 1500)

    child = json_body(get(f"/orders/{plan.children[1].order_id}"))
    assert (child["orderId"], child["status"], child["parentOrderId"]) == (
        str(uuid.UUID(int=2)),
        "OPEN",
        str(uuid.UUID(int=0)),
    )
    assert "restingTicker" not in child and "kind" not in child


def test_trades_of_a_day_page_through_every_trade_exactly_once(aws: TradingAws) -> None:
    stored = [trade("000001", "2026-01-02", n) for n in range(23)]
    others = [trade("000001", "2026-01-03", n) for n in range(4)] + [trade("000002", "2026-01-02", n) for n in range(3)]
    put_trades(aws.table, stored + others)  # one order's: 23 trades in one item, cut across pages of 5

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
    # as stored: a field without a value (a DAY trade's expiresAt here) is left out
    wire = {t.trade_id: {k: v for k, v in t.to_wire().items() if v is not None} for t in stored}
    assert all(t == wire[t["tradeId"]] for t in seen)
    assert {t["price"] for t in seen} == {"161.90"}
    everything = json_body(get("/trades/000001", {"limit": "500"}))
    assert (everything["count"], everything["nextToken"]) == (27, None)


@pytest.mark.parametrize(
    ("path", "query", "field", "message"),
    [
        ("/trades/000001", {"tradeDate": "2026-1-2"}, "tradeDate", "must be a date as YYYY-MM-DD"),
        ("/trades/000001", {"tradeDate": "2026-02-30"}, "tradeDate", "must be a date as YYYY-MM-DD"),
        ("/trades/000001", {"limit": "0"}, "limit", "must be an integer from 1 to 500"),
        ("/trades/000001", {"limit": "501"}, "limit", "must be an integer from 1 to 500"),
        ("/trades/000001", {"limit": "ten"}, "limit", "must be an integer from 1 to 500"),
        ("/trades/000001", {"nextToken": "!!!"}, "nextToken", "is not a token this API issued"),
        (
            "/trades/000001",
            {"nextToken": encode_token(order_trades_key(trade("000002", "2026-01-02", 1)))},
            "nextToken",
            "does not belong to this query",
        ),
        ("/customers/00.01", None, "customerId", "must be 1 to 64 letters, digits, '-' or '_'"),
        ("/tickers/coin", {"date": "2026-01-02"}, "ticker", "must be 1 to 15 upper-case letters, digits, '.' or '-'"),
        ("/tickers/COIN", {"date": "2026-1-2"}, "date", "must be a date as YYYY-MM-DD"),
        ("/orders/not-a-uuid", None, "orderId", "must be a UUID"),
        ("/trades/000001", {"tradeDate": "2026-01-02", "from": "2026-01-01"}, "tradeDate", "must not be given with"),
        ("/trades/000001", {"from": "2026-01-03", "to": "2026-01-02"}, "from", "must not be after to"),
        ("/trades/000001", {"from": "2026-01-01"}, "to", "is required with from"),
        ("/trades/000001", {"to": "2026-01-01"}, "from", "is required with to"),
        ("/trades/000001", {"from": "2024-12-31", "to": "2026-01-01"}, "from", "must be at most 366 days before to"),
        ("/trades/000001", {"from": "2026-02-30", "to": "2026-03-01"}, "from", "must be a date as YYYY-MM-DD"),
        ("/customers/000001/orders", {"status": "DONE"}, "status", "must be one of ACCEPTED, OPEN, PARTIALLY_FILLED"),
        ("/customers/000001/orders", {"from": "2026-01-03", "to": "2026-01-02"}, "from", "must not be after to"),
        ("/customers/000001/orders", {"limit": "0"}, "limit", "must be an integer from 1 to 500"),
        ("/customers/000001/orders", {"nextToken": "!!!"}, "nextToken", "is not a token this API issued"),
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
    assert json_body(get("/nothing"))["errors"] == []


def test_a_path_parameter_the_router_cannot_read_is_400_naming_it(aws: TradingAws) -> None:
    """API Gateway routes these here; Powertools' route syntax does not match them."""
    for path, field in (
        ("/customers/a b/ledger", "customerId"),
        ("/tickers/A?B", "ticker"),
        ("/orders/a/b", "orderId"),
    ):
        response = get(path)
        assert (response["statusCode"], json_body(response)["errors"][0]["field"]) == (400, field), path


def test_trades_of_a_range_of_days_page_through_those_days_only(aws: TradingAws) -> None:
    days = ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]
    stored = {day: [trade("000001", day, n) for n in range(4)] for day in days}
    put_trades(aws.table, [t for ts in stored.values() for t in ts] + [trade("000002", "2026-01-02", 9)])

    seen: list[dict[str, Any]] = []
    query = {"from": "2026-01-02", "to": "2026-01-03", "limit": "3"}
    while True:
        body = json_body(get("/trades/000001", query))
        assert (body["from"], body["to"], body["tradeDate"]) == ("2026-01-02", "2026-01-03", None)
        seen.extend(body["trades"])
        if not body["nextToken"]:
            break
        query = {**query, "nextToken": body["nextToken"]}

    expected = [
        t.trade_id
        for day in ("2026-01-02", "2026-01-03")
        for t in sorted(stored[day], key=lambda t: (t.order_date, t.order_id))
    ]
    assert [t["tradeId"] for t in seen] == expected  # oldest day first, then by order time, each trade once
    one_day = json_body(get("/trades/000001", {"from": "2026-01-04", "to": "2026-01-04"}))
    assert sorted(t["tradeId"] for t in one_day["trades"]) == sorted(t.trade_id for t in stored["2026-01-04"])
    # a token of the range is refused for another range
    first = json_body(get("/trades/000001", {"from": "2026-01-01", "to": "2026-01-01", "limit": "1"}))
    response = get("/trades/000001", {"from": "2026-01-03", "to": "2026-01-04", "nextToken": first["nextToken"]})
    assert (response["statusCode"], json_body(response)["errors"][0]["field"]) == (400, "nextToken")


# --- positions and the ledger -----------------------------------------------------------------------


def put_position(aws: TradingAws, customer_id: str, ticker: str, **attributes: Any) -> None:
    aws.table.put_item(Item={**keys.position_key(customer_id, ticker), **attributes})


def test_positions_are_valued_at_the_market_price_of_the_request(aws: TradingAws) -> None:
    aws.put_customer("000003")
    reference = store_quote(aws.market_data_table, "COIN", "40.79")
    put_position(
        aws,
        "000003",
        "COIN",
        Quantity=30,
        AvailableQuantity=20,
        ReservedQuantity=10,
        CostBasis=Decimal("1000.00"),
        AverageCost=Decimal("33.3333"),
        RealizedPnl=Decimal("12.50"),
        NrTrades=3,
        TotalBought=40,
        TotalSold=10,
        Version=3,
    )
    put_position(aws, "000003", "NOPRICE", Quantity=5, AvailableQuantity=5, CostBasis=Decimal("50.00"))
    put_position(aws, "000003", "CLOSED", Quantity=0, CostBasis=Decimal("0"), RealizedPnl=Decimal("-7.25"))
    put_position(aws, "000003", "FLAT", Quantity=0, CostBasis=Decimal("0"), RealizedPnl=Decimal("0"))
    before = datetime.now(UTC)

    response = get("/customers/000003/positions")

    after = datetime.now(UTC)
    assert response["statusCode"] == 200
    body = json_body(response)
    assert (body["customerId"], body["count"]) == ("000003", 3)
    by_ticker = {p["ticker"]: p for p in body["positions"]}
    assert sorted(by_ticker) == ["CLOSED", "COIN", "NOPRICE"]  # FLAT: no shares, no realized P&L
    coin = by_ticker["COIN"]
    at = parse_iso(coin["priceTime"])
    assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= at <= after
    price = walk_price(reference, "COIN", at)
    assert coin == {
        "ticker": "COIN",
        "quantity": 30,
        "availableQuantity": 20,
        "reservedQuantity": 10,
        "costBasis": "1000.00",
        "averageCost": "33.33",
        "realizedPnl": "12.50",
        "nrTrades": 3,
        "totalBought": 40,
        "totalSold": 10,
        "marketPrice": str(price),
        "priceTime": coin["priceTime"],
        "marketValue": str(cents(price * 30)),
        "unrealizedPnl": str(cents(price * 30) - Decimal("1000.00")),
    }
    assert {k: by_ticker["NOPRICE"][k] for k in ("marketPrice", "priceTime", "marketValue", "unrealizedPnl")} == {
        "marketPrice": None,
        "priceTime": None,
        "marketValue": None,
        "unrealizedPnl": None,
    }
    assert (by_ticker["CLOSED"]["quantity"], by_ticker["CLOSED"]["realizedPnl"]) == (0, "-7.25")
    assert by_ticker["CLOSED"]["marketValue"] is None


def test_positions_built_by_a_fill_through_the_aggregator(aws: TradingAws) -> None:
    from lambdas.aggregator import handler as aggregator

    tap = StreamTap(TRADES_TABLE)
    aws.put_customer("000001")
    reference = store_quote(aws.market_data_table, "COIN", "170.00")
    bought = trade("000001", "2026-01-02", 4)  # 14 COIN at 161.90, as the post-trade processor settles it
    aws.table.put_item(Item=trade_item(bought.settled("2026-01-02T16:00:00.000Z")))
    aggregator.build.cache_clear()
    try:
        assert aggregator.lambda_handler(tap.event(), FakeContext("aggregator"))["batchItemFailures"] == []
    finally:
        aggregator.build.cache_clear()

    [coin] = json_body(get("/customers/000001/positions"))["positions"]

    price = walk_price(reference, "COIN", parse_iso(coin["priceTime"]))
    basis = cents(Decimal("161.9") * 14)
    assert (coin["quantity"], coin["availableQuantity"], coin["reservedQuantity"]) == (14, 14, 0)
    assert (coin["costBasis"], coin["averageCost"]) == (str(basis), "161.90")
    assert coin["marketValue"] == str(cents(price * 14))
    assert coin["unrealizedPnl"] == str(cents(price * 14) - basis)


def test_positions_and_ledger_of_an_unknown_customer_are_404(aws: TradingAws) -> None:
    for path in ("/customers/000404/positions", "/customers/000404/ledger"):
        response = get(path)
        assert (response["statusCode"], json_body(response)) == (
            404,
            {"message": "customer 000404 not found", "errors": []},
        ), path
    aws.put_customer("000005")
    assert json_body(get("/customers/000005/positions")) == {"customerId": "000005", "positions": [], "count": 0}


def test_the_ledger_pages_through_every_entry_oldest_first(aws: TradingAws) -> None:
    aws.put_customer("000006")
    entries = [
        (ledger.deposit if n % 3 else ledger.withdrawal)(
            "000006",
            Decimal(f"{100 + n}.{n:02d}"),
            entry_id=f"entry-{n:02d}",
            reason=f"test {n}",
            at=f"2026-01-{1 + n // 10:02d}T10:00:{n % 60:02d}.000Z",
        )
        for n in range(13)
    ]
    other = ledger.deposit(
        "000007", Decimal("1.00"), entry_id="other", reason="not 000006", at="2026-01-01T00:00:00.000Z"
    )
    with aws.table.batch_writer() as batch:
        for entry in [*reversed(entries), other]:
            batch.put_item(Item=entry.to_item())

    seen: list[dict[str, Any]] = []
    query: dict[str, str] = {"limit": "5"}
    while True:
        body = json_body(get("/customers/000006/ledger", query))
        assert (body["customerId"], body["count"]) == ("000006", len(body["entries"]))
        seen.extend(body["entries"])
        if not body["nextToken"]:
            break
        query = {**query, "nextToken": body["nextToken"]}

    assert seen == [
        {
            "customerId": "000006",
            "entryId": e.entry_id,
            "kind": e.kind.value,
            "amount": f"{e.amount:.2f}",
            "reason": e.reason,
            "created": e.at,
        }
        for e in entries
    ]
    assert json_body(get("/customers/000006/ledger", {"limit": "500"}))["nextToken"] is None


@pytest.mark.parametrize(
    ("path", "query", "field", "message"),
    [
        ("/customers/00.01/positions", None, "customerId", "must be 1 to 64 letters, digits, '-' or '_'"),
        ("/customers/00.01/ledger", None, "customerId", "must be 1 to 64 letters, digits, '-' or '_'"),
        ("/customers/000001/ledger", {"limit": "0"}, "limit", "must be an integer from 1 to 500"),
        ("/customers/000001/ledger", {"nextToken": "!!!"}, "nextToken", "is not a token this API issued"),
        (
            "/customers/000001/ledger",
            {"nextToken": encode_token(ledger.ledger_key("000002", "2026-01-01T00:00:00.000Z", "x"))},
            "nextToken",
            "does not belong to this query",
        ),
        (
            "/customers/000001/ledger",
            {"nextToken": encode_token(order_trades_key(trade("000001", "2026-01-02", 1)))},
            "nextToken",
            "does not belong to this query",
        ),
    ],
)
def test_bad_positions_and_ledger_parameters_are_400_with_the_field(
    aws: TradingAws, path: str, query: dict[str, str] | None, field: str, message: str
) -> None:
    response = get(path, query)

    assert response["statusCode"] == 400
    [error] = json_body(response)["errors"]
    assert (error["field"], error["message"][: len(message)]) == (field, message)


def test_a_query_parameter_the_call_does_not_document_is_a_400_naming_it(aws: TradingAws) -> None:
    """As API Gateway sends it: the resource path of the route, so the document says what the call takes."""
    event = api_event(
        "GET",
        "/trades/000001",
        query={"date": "2026-12-01", "limit": "5"},
        resource="/trades/{customerId}",
    )

    response = handler.lambda_handler(event, lambda_context("data_api"))

    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {
        "message": "invalid request",
        "errors": [
            {
                "field": "date",
                "message": "is not a parameter of this call; it takes from, limit, nextToken, to, tradeDate",
            }
        ],
    }
