"""The portfolio maths (`queries.portfolio`): replay of trades and ledger movements up to the end of a
day, valuation at the day's close, the closes a valuation needs, and the invariants that hold for any
history of fills: the ledger identity per day, equity = cash + market value, the aggregator's own
positions and funds, and the range form agreeing with the date form day by day."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.trade_samples import trade
from trading_core.aggregation.deltas import aggregate
from trading_core.common.money import ZERO, cents
from trading_core.model.child_order import Direction
from trading_core.model.trade import Trade
from trading_core.queries.portfolio import (
    OPENING,
    Book,
    CashMovement,
    DailyClose,
    Holding,
    calendar_days,
    close_on,
    history_wanted,
    portfolio_wire,
    range_wire,
    replay,
    value_book,
)

BUY, SELL = Direction.BUY, Direction.SELL


def fill(
    n: int,
    day: str,
    direction: Direction,
    quantity: int,
    price: str,
    *,
    fee: str = "0.05",
    ticker: str = "AAPL",
    time: str = "15:00:00.000",
) -> Trade:
    sample = trade(n, direction=direction, ticker=ticker, quantity=quantity, price=Decimal(price))
    return dataclasses.replace(sample, price=Decimal(price), fee=Decimal(fee), trade_date=f"{day}T{time}Z")


def deposit(at: str, amount: str) -> CashMovement:
    return CashMovement(at, Decimal(amount))


def closes(*pairs: tuple[str, str]) -> list[DailyClose]:
    return [DailyClose(day, Decimal(close)) for day, close in pairs]


# --- a worked example -----------------------------------------------------------------------------------

TRADES = [
    fill(1, "2026-02-02", BUY, 10, "100.00"),  # 1,000.00 + 0.05
    fill(2, "2026-02-03", BUY, 10, "110.00", time="10:00:00.000"),  # 1,100.00 + 0.05: basis 2,100.00
    fill(3, "2026-02-03", SELL, 5, "120.00", time="16:00:00.000"),  # cost 525.00, realized 75.00, -0.05
    fill(4, "2026-02-04", BUY, 3, "50.00", ticker="COIN", fee="0.01"),
]
MOVEMENTS = [deposit("2026-02-01T09:00:00.000Z", "5000.00"), deposit("2026-02-03T23:59:59.999Z", "100.00")]
CLOSES = {
    "AAPL": closes(("2026-02-02", "101.00"), ("2026-02-03", "112.50"), ("2026-02-06", "115.00")),
    "COIN": closes(("2026-02-04", "55.555")),
}


def test_the_book_at_the_end_of_each_day() -> None:
    first, second, third = replay(TRADES, MOVEMENTS, ["2026-02-01", "2026-02-02", "2026-02-03"])

    assert first == Book("2026-02-01", Decimal("5000.00"), ())
    assert second == Book("2026-02-02", Decimal("3999.95"), (Holding("AAPL", 10, Decimal("1000.00"), ZERO),))
    # the day's second buy, then the sell at average cost 105.00, and the deposit of the day's last millisecond
    assert third == Book(
        "2026-02-03",
        Decimal("3999.95") - Decimal("1100.05") + Decimal("599.95") + Decimal("100.00"),
        (Holding("AAPL", 15, Decimal("1575.00"), Decimal("75.00")),),
    )


def test_a_date_is_valued_at_its_close_or_the_latest_close_before_it() -> None:
    [saturday] = replay(TRADES, MOVEMENTS, ["2026-02-07"])
    valuation = value_book(saturday, CLOSES)

    body = portfolio_wire("000001", valuation)

    cash = Decimal("5100.00") - Decimal("1000.05") - Decimal("1100.05") + Decimal("599.95") - Decimal("150.01")
    assert body == {
        "customerId": "000001",
        "date": "2026-02-07",
        "cash": str(cash),
        "marketValue": "1891.67",  # 15 x 115.00 (Friday's close) + cents(3 x 55.555)
        "equity": str(cash + Decimal("1891.67")),
        "realizedPnl": "75.00",
        "unrealizedPnl": "166.67",  # (1725.00 - 1575.00) + (166.67 - 150.00)
        "positions": [
            {
                "ticker": "AAPL",
                "quantity": 15,
                "costBasis": "1575.00",
                "averageCost": "105.00",
                "close": "115.00",
                "closeDate": "2026-02-06",
                "marketValue": "1725.00",
                "unrealizedPnl": "150.00",
                "realizedPnl": "75.00",
            },
            {
                "ticker": "COIN",
                "quantity": 3,
                "costBasis": "150.00",
                "averageCost": "50.00",
                "close": "55.56",
                "closeDate": "2026-02-04",
                "marketValue": "166.67",
                "unrealizedPnl": "16.67",
                "realizedPnl": "0.00",
            },
        ],
        "missingPrices": [],
    }


def test_a_ticker_without_a_close_is_missing_and_the_totals_that_need_it_are_null() -> None:
    [book] = replay(TRADES, MOVEMENTS, ["2026-02-04"])

    body = portfolio_wire("000001", value_book(book, {"AAPL": CLOSES["AAPL"]}))

    assert body["missingPrices"] == ["COIN"]
    coin = body["positions"][1]
    assert (coin["close"], coin["closeDate"], coin["marketValue"], coin["unrealizedPnl"]) == (None, None, None, None)
    assert (coin["costBasis"], coin["quantity"]) == ("150.00", 3)
    assert (body["marketValue"], body["equity"], body["unrealizedPnl"]) == (None, None, None)
    assert (body["cash"], body["realizedPnl"]) == (str(book.cash), "75.00")  # always known


def test_a_sold_out_position_shows_its_realized_pnl_without_needing_a_price() -> None:
    history = [
        fill(1, "2026-02-02", BUY, 10, "100.00"),
        fill(2, "2026-02-03", SELL, 10, "90.00"),
        fill(3, "2026-02-03", BUY, 1, "10.00", ticker="KO"),
        fill(4, "2026-02-03", SELL, 1, "10.00", ticker="KO", time="16:00:00.000"),
    ]
    [book] = replay(history, [deposit(OPENING, "2000.00")], ["2026-02-03"])

    body = portfolio_wire("000001", value_book(book, {}))

    assert body["positions"] == [
        {
            "ticker": "AAPL",
            "quantity": 0,
            "costBasis": "0.00",
            "averageCost": "0.00",
            "close": None,
            "closeDate": None,
            "marketValue": "0.00",
            "unrealizedPnl": "0.00",
            "realizedPnl": "-100.00",
        }
    ]  # KO: bought and sold back at no gain or loss, left out as on the positions route
    assert (body["missingPrices"], body["marketValue"], body["realizedPnl"]) == ([], "0.00", "-100.00")
    assert body["equity"] == body["cash"] == "1899.80"  # 2000 - 1000 + 900 - 10 + 10 - 4 fees of 0.05


def test_cash_movements_count_on_their_utc_day_and_an_opening_balance_from_the_start() -> None:
    movements = [
        deposit(OPENING, "10.00"),
        deposit("2026-02-03T00:00:00.000Z", "1.00"),
        CashMovement("2026-02-03T23:59:59.999Z", Decimal("-2.00")),
        deposit("2026-02-04T00:00:00.000Z", "100.00"),
    ]

    books = replay([], movements, ["2026-01-01", "2026-02-02", "2026-02-03", "2026-02-04"])

    assert [book.cash for book in books] == [Decimal("10.00"), Decimal("10.00"), Decimal("9.00"), Decimal("109.00")]


def test_fills_are_replayed_in_the_order_they_happened_whatever_order_they_are_read_in() -> None:
    # buy 10 at 10, sell 5, buy 10 at 20: the sell's cost is 50.00 only if it comes between the buys
    history = [
        fill(3, "2026-02-03", BUY, 10, "20.00", time="12:00:00.000"),
        fill(2, "2026-02-03", SELL, 5, "12.00", time="11:00:00.000"),
        fill(1, "2026-02-03", BUY, 10, "10.00", time="10:00:00.000"),
    ]

    [book] = replay(history, [], ["2026-02-03"])

    assert book.holdings == (Holding("AAPL", 15, Decimal("250.00"), Decimal("10.00")),)


def test_the_close_of_a_day() -> None:
    series = closes(("2026-01-23", "1.00"), ("2026-01-30", "2.00"), ("2026-02-02", "3.00"))

    assert close_on(series, "2026-02-02") == DailyClose("2026-02-02", Decimal("3.00"))
    assert close_on(series, "2026-02-01") == DailyClose("2026-01-30", Decimal("2.00"))  # Sunday: Friday's
    assert close_on(series, "2026-01-29") == DailyClose("2026-01-23", Decimal("1.00"))  # 6 days before
    assert close_on(series, "2026-01-22") is None  # before the first
    assert close_on(closes(("2026-01-23", "1.00")), "2026-01-31") is None  # 8 days old: not that day's close
    assert close_on(closes(("2026-01-23", "1.00")), "2026-01-30") == DailyClose("2026-01-23", Decimal("1.00"))
    assert close_on([], "2026-01-30") is None


# --- which history to load --------------------------------------------------------------------------------

TODAY = date(2026, 3, 4)  # a Wednesday


def held(day: str, *tickers: str) -> Book:
    return Book(day, ZERO, tuple(Holding(ticker, 1, Decimal("1.00"), ZERO) for ticker in tickers))


def test_a_held_ticker_without_a_close_is_loaded_from_a_week_before_the_day() -> None:
    books = [held("2025-01-10", "AAPL", "KO"), held("2025-01-11", "AAPL", "KO", "MSFT")]
    stored = {"KO": closes(("2025-01-10", "60.00"))}

    wanted = history_wanted(books, stored, {"KO": "2026-03-03"}, TODAY)

    assert wanted is not None
    assert (wanted.tickers, wanted.since) == (("AAPL", "MSFT"), date(2025, 1, 3))


def test_history_that_stops_before_the_last_ended_session_is_loaded() -> None:
    stored = {"AAPL": closes(("2026-02-27", "1.00"))}  # a Friday
    ends = {"AAPL": "2026-02-27"}

    # today: the last ended session is yesterday's (Tuesday), which is not stored yet
    today = history_wanted([held("2026-03-04", "AAPL")], stored, ends, TODAY)
    assert today is not None and today.tickers == ("AAPL",)
    # the weekend after Friday: Friday's close is the day's close, nothing to load
    assert history_wanted([held("2026-03-01", "AAPL")], stored, ends, TODAY) is None
    # up to date: nothing to load
    assert history_wanted([held("2026-03-04", "AAPL")], stored, {"AAPL": "2026-03-03"}, TODAY) is None
    # nothing held: nothing to load
    assert history_wanted([held("2026-03-04")], {}, {}, TODAY) is None


# --- the range form -----------------------------------------------------------------------------------------


def test_the_range_form_has_every_calendar_day_and_names_missing_tickers() -> None:
    days = calendar_days("2026-02-01", "2026-02-04")
    assert days == ["2026-02-01", "2026-02-02", "2026-02-03", "2026-02-04"]
    valuations = [value_book(book, {"AAPL": CLOSES["AAPL"]}) for book in replay(TRADES, MOVEMENTS, days)]

    body = range_wire("000001", days[0], days[-1], valuations)

    assert [day["date"] for day in body["days"]] == days
    assert body["days"][0] == {
        "date": "2026-02-01",
        "cash": "5000.00",
        "marketValue": "0.00",
        "equity": "5000.00",
        "realizedPnl": "0.00",
        "unrealizedPnl": "0.00",
    }
    assert body["days"][1]["marketValue"] == "1010.00"  # 10 x 101.00
    assert body["days"][3]["equity"] is None  # COIN bought that day, no close stored
    assert body["missingPrices"] == ["COIN"]


# --- invariants over any history of fills --------------------------------------------------------------

DAYS = calendar_days("2026-02-01", "2026-02-14")
TICKERS = ("AAPL", "KO", "TSLA")
STEP = st.tuples(
    st.sampled_from(DAYS),
    st.sampled_from(TICKERS),
    st.booleans(),  # a sell if possible
    st.integers(1, 500),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2),
    st.decimals(min_value=Decimal("0.00"), max_value=Decimal("5.00"), places=2),
)


def history_of(steps: list[tuple[str, str, bool, int, Decimal, Decimal]]) -> list[Trade]:
    """Fills in time order; a sell takes at most what is held (no short selling)."""
    held: dict[str, int] = {}
    fills: list[Trade] = []
    for n, (day, ticker, sell, quantity, price, fee) in enumerate(sorted(steps, key=lambda step: step[0])):
        if sell and held.get(ticker, 0) > 0:
            quantity = min(quantity, held[ticker])
            direction = SELL
        else:
            direction = BUY
        held[ticker] = held.get(ticker, 0) + (quantity if direction is BUY else -quantity)
        time = f"{10 + n // 3600 % 10:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000"
        fills.append(fill(n, day, direction, quantity, str(price), fee=str(fee), ticker=ticker, time=time))
    return fills


MOVEMENT = st.tuples(
    st.sampled_from(DAYS), st.decimals(min_value=Decimal("-500"), max_value=Decimal("50000"), places=2)
).map(lambda pair: CashMovement(f"{pair[0]}T12:00:00.000Z", pair[1]))
CLOSE_SERIES = st.fixed_dictionaries(
    {
        ticker: st.lists(
            st.tuples(
                st.sampled_from(DAYS), st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999"), places=3)
            ),
            max_size=10,
        ).map(lambda pairs: sorted({day: DailyClose(day, close) for day, close in pairs}.values(), key=lambda c: c.day))
        for ticker in TICKERS
    }
)


@given(st.lists(STEP, max_size=30), st.lists(MOVEMENT, max_size=5), CLOSE_SERIES)
def test_the_ledger_identity_and_equity_hold_every_day(
    steps: list[tuple[str, str, bool, int, Decimal, Decimal]],
    movements: list[CashMovement],
    series: dict[str, list[DailyClose]],
) -> None:
    fills = history_of(steps)
    for book in replay(fills, movements, DAYS):
        mine = [f for f in fills if f.trade_day <= book.day]
        net_deposits = sum((m.amount for m in movements if m.at[:10] <= book.day), ZERO)
        fees = sum((f.fee for f in mine), ZERO)
        valuation = value_book(book, series)
        basis = sum((h.cost_basis for h in book.holdings), ZERO)
        # cash + what the shares cost = what came in - fees + realized P&L, exact to the cent
        assert book.cash + basis == net_deposits - fees + valuation.realized_pnl
        assert all(h.quantity >= 0 for h in book.holdings)
        assert all(h.quantity > 0 or h.cost_basis == ZERO for h in book.holdings)
        if valuation.complete:
            assert valuation.equity == book.cash + (valuation.market_value or ZERO)
            assert valuation.equity - net_deposits == valuation.realized_pnl + (valuation.unrealized_pnl or ZERO) - fees
            for p in valuation.positions:
                if p.close is not None:
                    assert p.market_value == cents(p.close.close * p.holding.quantity)
        else:
            assert valuation.equity is valuation.market_value is valuation.unrealized_pnl is None
            held_without = {
                h.ticker for h in book.holdings if h.quantity and close_on(series[h.ticker], book.day) is None
            }
            assert set(valuation.missing_prices) == held_without


@given(st.lists(STEP, max_size=30), st.lists(MOVEMENT, max_size=5))
def test_replayed_to_the_end_it_is_what_the_aggregator_stored(
    steps: list[tuple[str, str, bool, int, Decimal, Decimal]], movements: list[CashMovement]
) -> None:
    fills = history_of(steps)
    [book] = replay(fills, movements, [DAYS[-1]])

    stored = aggregate(fills)  # the aggregator's deltas from empty positions, in stream (time) order

    deposits = sum((m.amount for m in movements), ZERO)
    remaining = stored.customers["000001"].remaining if fills else ZERO
    assert book.cash == deposits + remaining
    assert {h.ticker: (h.quantity, h.cost_basis, h.realized_pnl) for h in book.holdings} == {
        ticker: (change.held, change.basis, change.realized_pnl) for (_, ticker), change in stored.positions.items()
    }


@given(st.lists(STEP, max_size=20), st.lists(MOVEMENT, max_size=5), st.sampled_from(DAYS))
def test_each_day_of_the_range_form_is_the_date_form_of_that_day(
    steps: list[tuple[str, str, bool, int, Decimal, Decimal]], movements: list[CashMovement], day: str
) -> None:
    fills = history_of(steps)
    by_day = {book.day: book for book in replay(fills, movements, DAYS)}

    assert replay(fills, movements, [day]) == [by_day[day]]


@pytest.mark.parametrize(
    ("first", "last", "count"), [("2024-01-01", "2024-12-31", 366), ("2026-02-28", "2026-03-01", 2)]
)
def test_calendar_days(first: str, last: str, count: int) -> None:
    days = calendar_days(first, last)
    assert (len(days), days[0], days[-1]) == (count, first, last)


def test_both_forms_match_the_data_api_document() -> None:
    from trading_core.api.account_schemas import Portfolio, PortfolioAtDate, PortfolioSeries

    days = calendar_days("2026-02-01", "2026-02-07")
    valuations = [value_book(book, {"AAPL": CLOSES["AAPL"]}) for book in replay(TRADES, MOVEMENTS, days)]
    at_date = portfolio_wire("000001", valuations[-1])
    series = range_wire("000001", days[0], days[-1], valuations)

    assert at_date["missingPrices"] == ["COIN"]  # null totals and a position without a close are in the schema
    assert isinstance(Portfolio.model_validate(at_date).root, PortfolioAtDate)
    assert isinstance(Portfolio.model_validate(series).root, PortfolioSeries)
    assert Portfolio.model_validate(at_date).model_dump(mode="json", by_alias=True, exclude_unset=True) == at_date
