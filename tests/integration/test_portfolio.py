"""GET /customers/{customerId}/portfolio against moto, through the data API's handler: a portfolio valued
at two past dates from history the historical-data function (run in-process, offline provider) loads
on the first request; a date older than the first load; today's portfolio equal to what the aggregator
stored; the range form; missing prices; 400s and 404."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from lambdas.data_api import handler
from tests import trade_store
from tests.integration.api_events import api_event, json_body, lambda_context
from tests.integration.conftest import TRADES_TABLE, TradingAws
from tests.integration.history_lookup import HistoricalDataFunction, install_historical_data
from tests.integration.stream_events import FakeContext, StreamTap
from tests.trade_samples import dated_fill
from trading_core.common import keys
from trading_core.common.money import cents
from trading_core.customers import ledger
from trading_core.market_data.providers.offline import OfflineProvider
from trading_core.model.child_order import Direction
from trading_core.model.trade import Trade

TODAY = datetime.now(UTC).date()
OFFLINE = OfflineProvider()


def weekday_before(days_back: int, weekday: int) -> date:
    day = TODAY - timedelta(days=days_back)
    while day.weekday() != weekday:
        day -= timedelta(days=1)
    return day


WEDNESDAY = weekday_before(60, 2)  # about two months ago
SATURDAY = weekday_before(20, 5)  # about three weeks ago
FRIDAY = SATURDAY - timedelta(days=1)


@pytest.fixture
def aws(trading_aws: TradingAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[TradingAws]:
    handler.build.cache_clear()
    yield trading_aws
    handler.build.cache_clear()


@pytest.fixture
def history(aws: TradingAws, monkeypatch: pytest.MonkeyPatch) -> HistoricalDataFunction:
    return install_historical_data(monkeypatch)


def get(path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    return handler.lambda_handler(api_event("GET", path, query=query), lambda_context("data_api"))


def open_account(aws: TradingAws, customer_id: str, amount: str, at: str) -> None:
    """A customer as the seeder writes one: the record with its TotalDeposits and the deposit entry."""
    aws.put_customer(customer_id, funds=amount)
    aws.table.update_item(
        Key=keys.customer_key(customer_id),
        UpdateExpression="SET TotalDeposits = :f",
        ExpressionAttributeValues={":f": Decimal(amount)},
    )
    entry = ledger.deposit(customer_id, Decimal(amount), entry_id="initial-funds", reason="initial funds", at=at)
    aws.table.put_item(Item=entry.to_item())


def fill(
    customer_id: str, n: int, day: date, direction: Direction, ticker: str, quantity: int, price: str, fee: str
) -> Trade:
    reserved = cents(Decimal(price) * quantity) + 1 if direction is Direction.BUY else Decimal(0)
    return dated_fill(
        customer_id=customer_id,
        order_id=f"order-{customer_id}-{n:04d}",
        day=day,
        second=n,
        direction=direction,
        ticker=ticker,
        quantity=quantity,
        price=Decimal(price),
        fee=Decimal(fee),
        reserved=reserved,
    )


def put_trades(aws: TradingAws, trades: list[Trade]) -> None:
    trade_store.put_trades(aws.table, trades)


def day_at(day: date, time: str = "09:00:00.000") -> str:
    return f"{day.isoformat()}T{time}Z"


def close(ticker: str, day: date) -> Decimal:
    return OFFLINE.close(ticker, day)


BUY, SELL = Direction.BUY, Direction.SELL


def history_of_000101(aws: TradingAws) -> None:
    open_account(aws, "000101", "100000.00", day_at(WEDNESDAY - timedelta(days=10)))
    put_trades(
        aws,
        [
            fill("000101", 1, WEDNESDAY - timedelta(days=2), BUY, "AAPL", 10, "150.00", "0.02"),
            fill("000101", 2, WEDNESDAY, BUY, "KO", 20, "60.00", "0.01"),
            fill("000101", 3, WEDNESDAY + timedelta(days=1), SELL, "AAPL", 4, "160.00", "0.02"),
        ],
    )


def test_a_portfolio_valued_at_two_past_dates_loads_the_history_once(
    aws: TradingAws, history: HistoricalDataFunction
) -> None:
    history_of_000101(aws)
    assert aws.market_data_store().history_ends(["AAPL", "KO"]) == {"AAPL": None, "KO": None}

    response = get("/customers/000101/portfolio", {"date": WEDNESDAY.isoformat()})

    assert response["statusCode"] == 200, response["body"]
    # one invocation for both tickers, from a week before the date
    assert history.invocations == [{"tickers": ["AAPL", "KO"], "from": (WEDNESDAY - timedelta(days=7)).isoformat()}]
    aapl, ko = close("AAPL", WEDNESDAY), close("KO", WEDNESDAY)
    aapl_value, ko_value = cents(aapl * 10), cents(ko * 20)
    cash = Decimal("100000.00") - Decimal("1500.02") - Decimal("1200.01")
    assert json_body(response) == {
        "customerId": "000101",
        "date": WEDNESDAY.isoformat(),
        "cash": str(cash),
        "marketValue": str(aapl_value + ko_value),
        "equity": str(cash + aapl_value + ko_value),
        "realizedPnl": "0.00",
        "unrealizedPnl": str(aapl_value - Decimal("1500.00") + ko_value - Decimal("1200.00")),
        "positions": [
            {
                "ticker": "AAPL",
                "quantity": 10,
                "costBasis": "1500.00",
                "averageCost": "150.00",
                "close": str(aapl),
                "closeDate": WEDNESDAY.isoformat(),
                "marketValue": str(aapl_value),
                "unrealizedPnl": str(aapl_value - Decimal("1500.00")),
                "realizedPnl": "0.00",
            },
            {
                "ticker": "KO",
                "quantity": 20,
                "costBasis": "1200.00",
                "averageCost": "60.00",
                "close": str(ko),
                "closeDate": WEDNESDAY.isoformat(),
                "marketValue": str(ko_value),
                "unrealizedPnl": str(ko_value - Decimal("1200.00")),
                "realizedPnl": "0.00",
            },
        ],
        "missingPrices": [],
    }

    # a Saturday: Friday's close; the history is stored now, nothing is loaded again
    saturday = json_body(get("/customers/000101/portfolio", {"date": SATURDAY.isoformat()}))

    assert len(history.invocations) == 1
    aapl_friday, ko_friday = close("AAPL", FRIDAY), close("KO", FRIDAY)
    cash_after_sell = cash + Decimal("640.00") - Decimal("0.02")
    market_value = cents(aapl_friday * 6) + cents(ko_friday * 20)
    assert {k: saturday[k] for k in ("date", "cash", "marketValue", "equity", "realizedPnl", "unrealizedPnl")} == {
        "date": SATURDAY.isoformat(),
        "cash": str(cash_after_sell),
        "marketValue": str(market_value),
        "equity": str(cash_after_sell + market_value),
        "realizedPnl": "40.00",  # 4 sold at 160.00 that cost 150.00 each
        "unrealizedPnl": str(market_value - Decimal("900.00") - Decimal("1200.00")),
    }
    [aapl_then, _] = saturday["positions"]
    assert (aapl_then["quantity"], aapl_then["costBasis"], aapl_then["realizedPnl"]) == (6, "900.00", "40.00")
    assert (aapl_then["close"], aapl_then["closeDate"]) == (str(aapl_friday), FRIDAY.isoformat())


def test_a_date_older_than_the_first_load_is_filled_in(aws: TradingAws, history: HistoricalDataFunction) -> None:
    long_ago = weekday_before(500, 3)  # a Thursday well before the 365 days of a first load
    open_account(aws, "000102", "5000.00", day_at(long_ago - timedelta(days=1)))
    put_trades(aws, [fill("000102", 1, long_ago, BUY, "MSFT", 3, "400.00", "0.01")])
    get("/customers/000102/portfolio", {"date": (TODAY - timedelta(days=1)).isoformat()})  # the first load
    assert aws.market_data_store().history("MSFT", long_ago.isoformat(), long_ago.isoformat()) == []

    body = json_body(get("/customers/000102/portfolio", {"date": long_ago.isoformat()}))

    assert history.invocations[-1] == {"tickers": ["MSFT"], "from": (long_ago - timedelta(days=7)).isoformat()}
    [msft] = body["positions"]
    assert (msft["close"], msft["closeDate"]) == (str(close("MSFT", long_ago)), long_ago.isoformat())
    assert body["missingPrices"] == []


def test_today_s_portfolio_is_what_the_aggregator_stored(aws: TradingAws, history: HistoricalDataFunction) -> None:
    from lambdas.aggregator import handler as aggregator

    tap = StreamTap(TRADES_TABLE)
    open_account(aws, "000103", "20000.00", day_at(TODAY - timedelta(days=30)))
    trades = [
        fill("000103", 1, TODAY - timedelta(days=20), BUY, "AAPL", 30, "101.33", "0.03"),
        fill("000103", 2, TODAY - timedelta(days=10), SELL, "AAPL", 7, "120.01", "0.01"),
        fill("000103", 3, TODAY - timedelta(days=10), BUY, "KO", 3, "61.99", "0.01"),
        fill("000103", 4, TODAY, SELL, "KO", 3, "59.00", "0.01"),
        fill("000103", 5, TODAY, BUY, "AAPL", 1, "99.99", "0.00"),
    ]
    put_trades(aws, trades)
    aggregator.build.cache_clear()
    try:
        assert aggregator.lambda_handler(tap.event(), FakeContext("aggregator"))["batchItemFailures"] == []
    finally:
        aggregator.build.cache_clear()

    body = json_body(get("/customers/000103/portfolio", {"date": TODAY.isoformat()}))

    customer = json_body(get("/customers/000103"))
    stored = {p["ticker"]: p for p in json_body(get("/customers/000103/positions"))["positions"]}
    assert body["cash"] == customer["remainingFunds"]
    assert body["realizedPnl"] == customer["realizedPnl"]
    assert {p["ticker"]: (p["quantity"], p["costBasis"], p["realizedPnl"]) for p in body["positions"]} == {
        ticker: (p["quantity"], p["costBasis"], p["realizedPnl"]) for ticker, p in stored.items()
    }
    # today's session has no close yet: the latest stored close, of the last business day before today
    [aapl] = [p for p in body["positions"] if p["ticker"] == "AAPL"]
    assert aapl["closeDate"] < TODAY.isoformat()


def test_the_range_form_values_every_calendar_day(aws: TradingAws, history: HistoricalDataFunction) -> None:
    history_of_000101(aws)
    first, last = WEDNESDAY - timedelta(days=3), WEDNESDAY + timedelta(days=3)

    response = get("/customers/000101/portfolio", {"from": first.isoformat(), "to": last.isoformat()})

    assert response["statusCode"] == 200, response["body"]
    body = json_body(response)
    assert (body["customerId"], body["from"], body["to"], body["missingPrices"]) == (
        "000101",
        first.isoformat(),
        last.isoformat(),
        [],
    )
    assert [day["date"] for day in body["days"]] == [(first + timedelta(days=n)).isoformat() for n in range(7)]
    assert body["days"][0]["cash"] == "100000.00"  # before the first buy
    assert body["days"][0]["marketValue"] == "0.00"
    assert len(history.invocations) == 1
    for day in (body["days"][3], body["days"][6]):
        single = json_body(get("/customers/000101/portfolio", {"date": day["date"]}))
        assert day == {k: single[k] for k in day}


def test_a_ticker_without_history_is_missing_and_a_failed_load_is_503(
    aws: TradingAws, history: HistoricalDataFunction
) -> None:
    open_account(aws, "000104", "1000.00", day_at(WEDNESDAY - timedelta(days=1)))
    put_trades(
        aws,
        [
            fill("000104", 1, WEDNESDAY, BUY, "NOTAREALTICKER", 1, "10.00", "0.00"),
            fill("000104", 2, WEDNESDAY, BUY, "KO", 1, "60.00", "0.00"),
        ],
    )
    history.fail = True

    failed = get("/customers/000104/portfolio", {"date": WEDNESDAY.isoformat()})

    assert (failed["statusCode"], json_body(failed)) == (
        503,
        {"message": "the history of KO, NOTAREALTICKER could not be loaded now; try again", "errors": []},
    )

    history.fail = False
    loaded = json_body(get("/customers/000104/portfolio", {"date": WEDNESDAY.isoformat()}))

    assert loaded["missingPrices"] == ["NOTAREALTICKER"]  # the provider lists no such ticker
    unknown = loaded["positions"][1]
    assert (unknown["ticker"], unknown["close"], unknown["marketValue"], unknown["unrealizedPnl"]) == (
        "NOTAREALTICKER",
        None,
        None,
        None,
    )
    assert (unknown["quantity"], unknown["costBasis"]) == (1, "10.00")
    assert loaded["positions"][0]["close"] == str(close("KO", WEDNESDAY))
    assert (loaded["marketValue"], loaded["equity"], loaded["unrealizedPnl"]) == (None, None, None)
    assert (loaded["cash"], loaded["realizedPnl"]) == ("930.00", "0.00")
    assert len(history.invocations) == 2


def test_an_original_shape_record_starts_with_its_opening_balance(
    aws: TradingAws, history: HistoricalDataFunction
) -> None:
    aws.put_customer("000105", funds="2500.00")  # no TotalDeposits, no ledger entry

    body = json_body(get("/customers/000105/portfolio", {"date": "2020-01-01"}))

    assert (body["cash"], body["equity"], body["positions"]) == ("2500.00", "2500.00", [])
    assert history.invocations == []  # nothing held: nothing to value


def test_an_unknown_customer_is_404(aws: TradingAws, history: HistoricalDataFunction) -> None:
    for query in ({"date": "2026-01-02"}, {"from": "2026-01-01", "to": "2026-01-31"}):
        response = get("/customers/000404/portfolio", query)
        assert (response["statusCode"], json_body(response)["message"]) == (404, "customer 000404 not found")


TOMORROW = (TODAY + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({}, "date", "is required (or from and to)"),
        ({"date": "2026-01-02", "from": "2026-01-01"}, "date", "cannot be combined with from and to"),
        ({"from": "2026-01-01"}, "to", "is required with from"),
        ({"to": "2026-01-01"}, "from", "is required with to"),
        ({"date": "2026-1-2"}, "date", "must be a date as YYYY-MM-DD"),
        ({"date": "2026-02-30"}, "date", "must be a date as YYYY-MM-DD"),
        ({"from": "2026-01-01", "to": "2026-13-01"}, "to", "must be a date as YYYY-MM-DD"),
        ({"from": "01-01-2026", "to": "2026-01-02"}, "from", "must be a date as YYYY-MM-DD"),
        ({"date": TOMORROW}, "date", f"must not be after today ({TODAY.isoformat()})"),
        ({"from": "2026-01-01", "to": TOMORROW}, "to", f"must not be after today ({TODAY.isoformat()})"),
        ({"from": "2026-01-02", "to": "2026-01-01"}, "to", "must not be before from"),
        ({"from": "2024-01-01", "to": "2025-01-01"}, "to", "must be at most 365 days after from (366 days)"),
    ],
)
def test_bad_parameters_are_400_with_the_field(
    aws: TradingAws, history: HistoricalDataFunction, query: dict[str, str], field: str, message: str
) -> None:
    open_account(aws, "000106", "10.00", "2026-01-01T00:00:00.000Z")

    response = get("/customers/000106/portfolio", query)

    assert response["statusCode"] == 400, response["body"]
    assert json_body(response)["errors"] == [{"field": field, "message": message}]


def test_a_range_of_366_days_is_accepted(aws: TradingAws, history: HistoricalDataFunction) -> None:
    open_account(aws, "000107", "10.00", "2026-01-01T00:00:00.000Z")
    last = TODAY - timedelta(days=1)
    first = last - timedelta(days=365)

    body = json_body(get("/customers/000107/portfolio", {"from": first.isoformat(), "to": last.isoformat()}))

    assert len(body["days"]) == 366
    assert {day["cash"] for day in body["days"]} == {"0.00", "10.00"}
