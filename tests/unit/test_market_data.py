"""Market data domain: the offline provider, tickers of a task input, staleness, the reference price."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trading_core.common.environment import InvalidEnvironment, MarketDataFetchEnvironment, load
from trading_core.market_data.model import InvalidTicker, QuoteSummary, SummaryRecord, price_from, tickers_from_event
from trading_core.market_data.providers import provider_named
from trading_core.market_data.providers.offline import OfflineProvider
from trading_core.market_data.providers.yfinance import YFinanceProvider
from trading_core.market_data.service import new_data
from trading_core.market_data.store import is_stale_record
from trading_core.market_data.synthetic import synthetic_price

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # a Wednesday
tickers = st.from_regex(r"[A-Z]{1,5}", fullmatch=True)


def test_offline_history_is_deterministic_and_has_business_days_only() -> None:
    provider = OfflineProvider(clock=lambda: NOW)

    first = provider.history("AAPL", date(2026, 2, 1), date(2026, 3, 1))

    assert first == OfflineProvider().history("AAPL", date(2026, 2, 1), date(2026, 3, 1))
    assert first != provider.history("MSFT", date(2026, 2, 1), date(2026, 3, 1))
    assert [bar.day for bar in first][:3] == ["2026-02-02", "2026-02-03", "2026-02-04"]
    assert all(date.fromisoformat(bar.day).weekday() < 5 for bar in first)
    assert len(first) == 20


def test_offline_history_of_a_window_is_the_same_rows_as_of_a_larger_one() -> None:
    provider = OfflineProvider()
    whole = provider.history("COIN", date(2026, 1, 1), date(2026, 1, 31))

    assert provider.history("COIN", date(2026, 1, 12), date(2026, 1, 16)) == whole[7:12]


@settings(max_examples=30, deadline=None)
@given(ticker=tickers, start=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)))
def test_offline_bars_are_consistent_and_move_around_the_synthetic_price(ticker: str, start: date) -> None:
    bars = OfflineProvider().history(ticker, start, start + timedelta(days=90))
    base = synthetic_price(ticker)

    for bar in bars:
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
        assert abs(bar.close - base) <= base * Decimal("0.12")
        assert bar.close == bar.close.quantize(Decimal("0.01"))
        assert bar.volume > 0
    for before, after in itertools.pairwise(bars):
        # Continuous: about 1.4 % per calendar day at most (the waves) plus the daily noise, no jumps.
        gap = (date.fromisoformat(after.day) - date.fromisoformat(before.day)).days
        assert abs(after.close - before.close) <= before.close * (Decimal("0.015") * gap + Decimal("0.012"))


def test_offline_summary_is_the_last_business_day() -> None:
    saturday = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    provider = OfflineProvider(clock=lambda: saturday)

    summary = provider.quote_summary("AAPL")
    friday = provider.bar("AAPL", date(2026, 3, 6))

    assert (summary.price, summary.open, summary.volume) == (friday.close, friday.open, friday.volume)
    assert summary.previous_close == provider.close("AAPL", date(2026, 3, 5))
    assert summary.fifty_two_week_low is not None and summary.fifty_two_week_low <= summary.price
    assert summary.market_time == "2026-03-06T21:00:00.000Z"
    assert summary == OfflineProvider(clock=lambda: saturday).quote_summary("AAPL")


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"ticker": "aapl"}, ["AAPL"]),
        ({"tickers": ["AAPL", "MSFT", "AAPL"]}, ["AAPL", "MSFT"]),
        ({"tickers": [{"ticker": "AAPL"}, {"ticker": "7203.T"}]}, ["AAPL", "7203.T"]),
        ({"detail": {"tickers": [{"ticker": "AAPL"}]}}, ["AAPL"]),
        ({"detail-type": "MarketData", "detail": {"tickers": ["COIN"]}}, ["COIN"]),
        ({"tickers": []}, []),
    ],
)
def test_tickers_of_a_task_input(event: dict[str, object], expected: list[str]) -> None:
    assert tickers_from_event(event) == expected


@pytest.mark.parametrize("event", [{}, {"ticker": ""}, {"ticker": 3}, {"tickers": ["AAPL; DROP"]}, {"tickers": "AAPL"}])
def test_invalid_task_inputs(event: dict[str, object]) -> None:
    with pytest.raises(InvalidTicker):
        tickers_from_event(event)


def record(*, summary: bool = True, updated: str | None = "2026-03-04T10:00:00.000Z") -> SummaryRecord:
    quote = QuoteSummary(ticker="AAPL", name="A", currency="USD", exchange="X", price=Decimal(1))
    return SummaryRecord("AAPL", quote if summary else None, "2025-01-02", "2026-03-03", updated)


def test_staleness() -> None:
    assert is_stale_record(None, NOW, timedelta(hours=12))
    assert is_stale_record(record(summary=False), NOW, timedelta(hours=12))
    assert is_stale_record(record(updated=None), NOW, timedelta(hours=12))
    assert not is_stale_record(record(), NOW, timedelta(hours=5))
    assert is_stale_record(record(), NOW, timedelta(hours=4, minutes=59))


def test_the_checker_decides_on_new_rows() -> None:
    results = [
        {"ticker": "AAPL", "newRows": 0, "histDataEnd": "2026-03-03"},
        {"ticker": "MSFT", "newRows": 3, "histDataEnd": "2026-03-03"},
    ]
    assert new_data(results) == {"newData": True, "tickers": ["MSFT"], "checked": ["AAPL", "MSFT"]}
    assert new_data(results[:1]) == {"newData": False, "tickers": [], "checked": ["AAPL"]}
    assert new_data([]) == {"newData": False, "tickers": [], "checked": []}


def provider_of(environ: dict[str, str]) -> object:
    """The provider a fetching function builds from its environment."""
    tables = {"MARKET_DATA_TABLE_NAME": "t", "MARKET_DATA_BUCKET_NAME": "b"}
    return provider_named(load(MarketDataFetchEnvironment, {**tables, **environ}).provider)


def test_provider_selection() -> None:
    assert isinstance(provider_of({"MARKET_DATA_PROVIDER": "offline"}), OfflineProvider)
    assert isinstance(provider_of({}), YFinanceProvider)
    assert isinstance(provider_of({"MARKET_DATA_PROVIDER": " YFinance "}), YFinanceProvider)
    with pytest.raises(InvalidEnvironment, match="MARKET_DATA_PROVIDER='bloomberg' expected one of offline, yfinance"):
        provider_of({"MARKET_DATA_PROVIDER": "bloomberg"})


def test_prices_from_provider_numbers() -> None:
    assert price_from(228.02000427246094) == Decimal("228.02")
    assert price_from("1.005") == Decimal("1.01")
    for bad in (None, True, float("nan"), "inf"):
        with pytest.raises(ValueError):
            price_from(bad)
