"""The one market price (trading_core.market): the deterministic intraday walk, the trading day's close,
and `MarketPrices` (cached reference prices, failures never replaced by a made-up price)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, localcontext

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from hypothesis import given
from hypothesis import strategies as st

from trading_core.common.clock import to_iso
from trading_core.common.ids import unit_interval
from trading_core.common.money import cents, has_at_most_cents
from trading_core.market import walk
from trading_core.market.price import MarketPrices, MarketQuote, PriceUnavailable, is_marketable
from trading_core.market.session import close_after, parse_close_time
from trading_core.market.walk import STEP_LOG_MOVE, STEPS_PER_DAY, step_index, walk_factor, walk_price
from trading_core.model.child_order import Direction

DAY = datetime(2026, 3, 2, tzinfo=UTC)
INSTANTS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC))
TICKERS = st.sampled_from(["AAPL", "COIN", "TSLA", "KO", "BRK-B", "^GSPC"])
REFERENCES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)


def log_walk(ticker: str, at: datetime) -> int:
    """The walk as docs/architecture.md §3 states it, recomputed independently: the sum of the day's
    ±1 steps so far, each step's sign a hash of the ticker, the day and the step's number."""
    midnight = datetime.combine(at.date(), datetime.min.time(), tzinfo=UTC)
    steps = int((at - midnight).total_seconds()) // 60
    day = at.date().isoformat()
    return sum(
        1 if unit_interval("market-walk", ticker, day, str(k)) >= Decimal("0.5") else -1 for k in range(1, steps + 1)
    )


# --- the walk ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at",
    [
        DAY,
        DAY + timedelta(minutes=1),
        DAY + timedelta(hours=14, minutes=30, seconds=12),
        DAY + timedelta(hours=23, minutes=59),
    ],
)
@pytest.mark.parametrize("ticker", ["COIN", "AAPL"])
def test_the_walk_is_the_documented_rule(ticker: str, at: datetime) -> None:
    with localcontext() as context:
        context.prec = 28
        expected_factor = (STEP_LOG_MOVE * log_walk(ticker, at)).exp()
    assert walk_factor(ticker, at) == expected_factor
    assert walk_price(Decimal("40.79"), ticker, at) == max(cents(Decimal("40.79") * expected_factor), Decimal("0.01"))


@given(reference=REFERENCES, ticker=TICKERS, at=INSTANTS)
def test_the_price_is_a_pure_function_of_reference_ticker_and_instant(
    reference: Decimal, ticker: str, at: datetime
) -> None:
    first = walk_price(reference, ticker, at)
    walk._steps.cache_clear()  # recomputed from scratch, as another function (or a client) would
    assert walk_price(reference, ticker, at) == first
    assert has_at_most_cents(first) and first >= Decimal("0.01")


@given(reference=REFERENCES, ticker=TICKERS, at=INSTANTS, offset=st.integers(0, 59_999))
def test_every_caller_within_one_minute_gets_the_same_price(
    reference: Decimal, ticker: str, at: datetime, offset: int
) -> None:
    start = at.replace(second=0, microsecond=0)
    assert walk_price(reference, ticker, start) == walk_price(reference, ticker, start + timedelta(milliseconds=offset))


@given(ticker=TICKERS, at=INSTANTS)
def test_the_instant_s_time_zone_does_not_matter(ticker: str, at: datetime) -> None:
    new_york = at.astimezone(timezone(timedelta(hours=-5)))
    tokyo = at.astimezone(timezone(timedelta(hours=9)))
    assert walk_factor(ticker, at) == walk_factor(ticker, new_york) == walk_factor(ticker, tokyo)
    assert step_index(new_york) == step_index(at)


@given(ticker=TICKERS, at=INSTANTS)
def test_each_minute_moves_the_price_by_one_step_of_a_tenth_of_a_percent_in_log(ticker: str, at: datetime) -> None:
    start = at.replace(second=0, microsecond=0)
    if step_index(start)[1] == STEPS_PER_DAY - 1:
        start -= timedelta(minutes=1)  # the next minute would be the next day's restart
    before, after = walk_factor(ticker, start), walk_factor(ticker, start + timedelta(minutes=1))
    move = math.log(after) - math.log(before)
    assert abs(abs(move) - 0.001) < 1e-12


def test_the_walk_goes_both_ways_and_stays_near_the_reference() -> None:
    moves = [
        walk_factor("COIN", DAY + timedelta(minutes=k + 1)) > walk_factor("COIN", DAY + timedelta(minutes=k))
        for k in range(STEPS_PER_DAY - 1)
    ]
    ups = sum(moves)
    # a fair ±1 walk: about half the 1439 steps go up (4 standard deviations ≈ 76)
    assert abs(ups - len(moves) / 2) < 76
    # never further than the whole day's steps in one direction
    extremes = [walk_factor("COIN", DAY + timedelta(minutes=k)) for k in range(0, STEPS_PER_DAY, 7)]
    assert all(Decimal(math.exp(-1.44)) < factor < Decimal(math.exp(1.44)) for factor in extremes)


@given(ticker=TICKERS, at=INSTANTS, reference=REFERENCES)
def test_the_walk_restarts_from_the_reference_at_each_utc_midnight(
    ticker: str, at: datetime, reference: Decimal
) -> None:
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    assert walk_factor(ticker, midnight) == 1
    assert walk_price(reference, ticker, midnight) == reference
    assert walk_price(reference, ticker, midnight + timedelta(seconds=59)) == reference


def test_the_walk_differs_between_days_and_tickers() -> None:
    noon = DAY + timedelta(hours=12)
    paths = {
        (ticker, day): tuple(walk_factor(ticker, noon + timedelta(days=day, minutes=m)) for m in range(0, 60, 5))
        for ticker in ("AAPL", "COIN")
        for day in range(3)
    }
    assert len(set(paths.values())) == len(paths)


def test_a_penny_stock_never_walks_below_a_cent() -> None:
    for minutes in range(0, STEPS_PER_DAY, 37):
        assert walk_price(Decimal("0.01"), "SOPH", DAY + timedelta(minutes=minutes)) >= Decimal("0.01")


# --- the trading day -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hour", "minute"), [("21:00", 21, 0), ("00:00", 0, 0), ("23:59", 23, 59), (" 09:30\n", 9, 30)]
)
def test_a_close_time_is_hh_mm_utc(text: str, hour: int, minute: int) -> None:
    parsed = parse_close_time(text)
    assert (parsed.hour, parsed.minute, parsed.tzinfo) == (hour, minute, UTC)


@pytest.mark.parametrize("text", ["9:00", "24:00", "21:60", "2100", "", "21:00:00", "21h00", "noon", "-1:00"])
def test_any_other_close_time_is_a_configuration_error_naming_the_value(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM") as raised:
        parse_close_time(text)
    assert repr(text) in str(raised.value)


CLOSE = parse_close_time("21:00")


@pytest.mark.parametrize(
    ("moment", "expires"),
    [
        (datetime(2026, 3, 2, 0, 0, tzinfo=UTC), datetime(2026, 3, 2, 21, 0, tzinfo=UTC)),
        (datetime(2026, 3, 2, 14, 30, tzinfo=UTC), datetime(2026, 3, 2, 21, 0, tzinfo=UTC)),
        (datetime(2026, 3, 2, 20, 59, 59, 999000, tzinfo=UTC), datetime(2026, 3, 2, 21, 0, tzinfo=UTC)),
        (datetime(2026, 3, 2, 21, 0, tzinfo=UTC), datetime(2026, 3, 3, 21, 0, tzinfo=UTC)),
        (datetime(2026, 3, 2, 21, 0, 0, 1000, tzinfo=UTC), datetime(2026, 3, 3, 21, 0, tzinfo=UTC)),
        (datetime(2026, 3, 2, 23, 59, tzinfo=UTC), datetime(2026, 3, 3, 21, 0, tzinfo=UTC)),
        (datetime(2026, 12, 31, 22, 0, tzinfo=UTC), datetime(2027, 1, 1, 21, 0, tzinfo=UTC)),
        # 16:00 in New York (EST) is 21:00 UTC: at the close, so the next day's
        (datetime(2026, 3, 2, 16, 0, tzinfo=timezone(timedelta(hours=-5))), datetime(2026, 3, 3, 21, 0, tzinfo=UTC)),
    ],
)
def test_a_day_order_expires_at_the_first_close_strictly_after_it(moment: datetime, expires: datetime) -> None:
    assert close_after(moment, CLOSE) == expires
    assert close_after(moment, CLOSE).tzinfo == UTC


@given(moment=INSTANTS, close=st.sampled_from(["00:00", "09:30", "21:00", "23:59"]))
def test_the_close_is_always_within_the_next_day(moment: datetime, close: str) -> None:
    after = close_after(moment, parse_close_time(close))
    assert moment < after <= moment + timedelta(days=1)
    assert (after.hour, after.minute, after.second, after.microsecond) == (*map(int, close.split(":")), 0, 0)


# --- MarketPrices ------------------------------------------------------------------------------------


class References:
    """The MarketData table's reference lookup: scripted prices, or an exception to raise."""

    def __init__(self, prices: dict[str, Decimal]) -> None:
        self.prices = prices
        self.calls: list[list[str]] = []
        self.consistent: list[bool] = []
        self.error: Exception | None = None

    def __call__(self, tickers: list[str], *, consistent: bool = False) -> dict[str, Decimal]:
        self.calls.append(list(tickers))
        self.consistent.append(consistent)
        if self.error is not None:
            raise self.error
        return {ticker: self.prices[ticker] for ticker in tickers if ticker in self.prices}


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


NOON = DAY + timedelta(hours=12, minutes=3, seconds=4, milliseconds=567)


def test_a_quote_is_the_reference_walked_to_the_instant() -> None:
    prices = MarketPrices(References({"COIN": Decimal("40.79")}))

    assert prices.quote("COIN", NOON) == MarketQuote("COIN", walk_price(Decimal("40.79"), "COIN", NOON), to_iso(NOON))
    assert prices.quote("COIN", NOON).at == "2026-03-02T12:03:04.567Z"  # type: ignore[union-attr]
    assert prices.quote("NOTAREALTICKER", NOON) is None


def test_references_are_read_once_per_ttl_for_the_missing_tickers_only() -> None:
    references, clock = References({"AAPL": Decimal("79.79"), "COIN": Decimal("40.79")}), Monotonic()
    prices = MarketPrices(references, ttl_seconds=30, monotonic=clock)

    assert prices.references(["COIN", "AAPL", "COIN"]) == {"COIN": Decimal("40.79"), "AAPL": Decimal("79.79")}
    assert prices.references(["AAPL"]) == {"AAPL": Decimal("79.79")}
    [prices.quote("COIN", NOON + timedelta(minutes=m)) for m in range(5)]
    assert references.calls == [["COIN", "AAPL"]]  # one read, duplicates dropped

    references.prices["COIN"] = Decimal("41.00")
    clock.now += 29.9
    assert prices.references(["COIN"]) == {"COIN": Decimal("40.79")}
    clock.now += 0.1
    assert prices.references(["COIN", "AAPL"]) == {"COIN": Decimal("41.00"), "AAPL": Decimal("79.79")}
    assert references.calls[1:] == [["COIN", "AAPL"]]


def test_a_ticker_without_a_reference_is_asked_for_again_next_time() -> None:
    """So a ticker the router has just looked up is priced at once."""
    references = References({})
    prices = MarketPrices(references, monotonic=Monotonic())

    assert prices.references(["KO"]) == {}
    references.prices["KO"] = Decimal("62.15")
    assert prices.references(["KO"]) == {"KO": Decimal("62.15")}
    assert references.calls == [["KO"], ["KO"]]


def test_forget_drops_a_cached_reference() -> None:
    references = References({"COIN": Decimal("40.79"), "AAPL": Decimal("79.79")})
    prices = MarketPrices(references, monotonic=Monotonic())
    prices.references(["COIN", "AAPL"])
    references.prices["COIN"] = Decimal("45.00")

    prices.forget(["COIN", "NEVERSEEN"])

    assert prices.references(["COIN", "AAPL"]) == {"COIN": Decimal("45.00"), "AAPL": Decimal("79.79")}
    assert references.calls[1:] == [["COIN"]]
    # Read eventually consistent, but a ticker forgotten because its new quote was just stored, consistently
    # (an eventually consistent read could still miss it); once read, it is read as the others again.
    assert references.consistent == [False, True]
    prices.forget(["AAPL"])
    prices.forget(["COIN"])
    prices.references(["COIN", "AAPL", "MSFT"])
    assert references.calls[2:] == [["MSFT"], ["COIN", "AAPL"]] and references.consistent[2:] == [False, True]


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="https://dynamodb"),
        ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}, "BatchGetItem"),
    ],
)
def test_an_unreadable_table_is_price_unavailable_and_nothing_is_cached(error: Exception) -> None:
    references = References({"COIN": Decimal("40.79")})
    prices = MarketPrices(references, monotonic=Monotonic())
    references.error = error

    with pytest.raises(PriceUnavailable, match="COIN"):
        prices.quote("COIN", NOON)
    with pytest.raises(PriceUnavailable):
        prices.references(["COIN"])
    references.error = None
    assert prices.quote("COIN", NOON) == MarketQuote("COIN", walk_price(Decimal("40.79"), "COIN", NOON), to_iso(NOON))


def test_a_bug_is_not_disguised_as_an_unavailable_price() -> None:
    references = References({})
    references.error = KeyError("Price")

    with pytest.raises(KeyError):
        MarketPrices(references).quote("COIN", NOON)


@pytest.mark.parametrize(
    ("direction", "limit", "market", "marketable"),
    [
        ("Buy", None, "40.79", True),
        ("Sell", None, "40.79", True),
        ("Buy", "161.90", "40.79", True),
        ("Buy", "40.79", "40.79", True),
        ("Buy", "40.78", "40.79", False),
        ("Buy", "1.00", "79.79", False),
        ("Sell", "40.79", "40.79", True),
        ("Sell", "40.78", "40.79", True),
        ("Sell", "40.80", "40.79", False),
        ("Sell", "9999.00", "40.79", False),
    ],
)
def test_marketability(direction: str, limit: str | None, market: str, marketable: bool) -> None:
    assert is_marketable(Direction(direction), None if limit is None else Decimal(limit), Decimal(market)) is marketable
