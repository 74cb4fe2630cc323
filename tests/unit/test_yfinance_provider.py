"""The yfinance adapter against fixtures shaped like yfinance's real output (no yfinance, no pandas, no network)."""

from __future__ import annotations

import json
import math
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from trading_core.market_data.model import PriceBar, QuoteSummary, TickerNotFound
from trading_core.market_data.providers.yfinance import YFinanceProvider, bars_from_rows, summary_from_info, trading_day

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "yfinance"


def info(name: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / f"{name}_info.json").read_text()))


def rows(name: str) -> list[tuple[str, dict[str, Any]]]:
    split = json.loads((FIXTURES / f"{name}_history_1d.json").read_text())
    return [
        (label, dict(zip(split["columns"], values, strict=True)))
        for label, values in zip(split["index"], split["data"], strict=True)
    ]


class FakeFrame:
    """What the adapter uses of a DataFrame: `empty` and `iterrows()`."""

    def __init__(self, pairs: list[tuple[str, dict[str, Any]]]) -> None:
        self._pairs = pairs
        self.empty = not pairs

    def iterrows(self) -> list[tuple[str, dict[str, Any]]]:
        return self._pairs


class FakeTicker:
    def __init__(self, symbol: str, calls: list[dict[str, Any]]) -> None:
        self.symbol = symbol
        self._calls = calls

    @property
    def info(self) -> dict[str, Any]:
        return info(self.symbol)

    def history(self, **kwargs: Any) -> FakeFrame:
        self._calls.append(kwargs)
        return FakeFrame(rows(self.symbol))


def test_the_info_dict_becomes_a_summary_with_cents_and_utc_market_time() -> None:
    summary = summary_from_info("AAPL", info("AAPL"))

    assert summary == QuoteSummary(
        ticker="AAPL",
        name="Apple Inc.",
        currency="USD",
        exchange="NMS",
        price=Decimal("229.87"),
        previous_close=Decimal("228.52"),
        open=Decimal("228.06"),
        day_high=Decimal("230.72"),
        day_low=Decimal("228.06"),
        volume=38168252,
        market_cap=3474712625152,
        fifty_two_week_high=Decimal("237.49"),
        fifty_two_week_low=Decimal("164.08"),
        market_time="2024-11-22T21:00:01.000Z",
    )
    assert summary.raw["symbol"] == "AAPL"
    assert summary.to_wire()["price"] == "229.87"
    assert summary.to_wire()["marketCap"] == 3474712625152


def test_fallback_fields_when_the_regular_market_ones_are_missing() -> None:
    summary = summary_from_info("7203.T", info("7203.T"))

    assert (summary.price, summary.name, summary.currency) == (Decimal("2620.50"), "TOYOTA MOTOR CORP", "JPY")
    assert summary.fifty_two_week_high == Decimal("3891.00")
    assert summary.raw["trailingPegRatio"] is None


def test_nan_fields_are_absent_not_errors() -> None:
    data = {**info("AAPL"), "previousClose": math.nan, "regularMarketPreviousClose": None, "marketCap": math.nan}

    summary = summary_from_info("AAPL", data)

    assert (summary.previous_close, summary.market_cap) == (None, None)
    assert summary.raw["previousClose"] is None


def test_an_unknown_ticker_is_not_found() -> None:
    with pytest.raises(TickerNotFound):
        summary_from_info("NOPE", info("unknown"))


def test_history_rows_become_bars_rounded_half_up_to_the_cent() -> None:
    bars = bars_from_rows("AAPL", rows("AAPL"))

    assert [bar.day for bar in bars] == ["2024-11-18", "2024-11-19", "2024-11-20", "2024-11-21", "2024-11-22"]
    assert bars[0] == PriceBar(
        ticker="AAPL",
        day="2024-11-18",
        open=Decimal("225.25"),  # 225.24999237..., rounded, not truncated
        high=Decimal("229.74"),
        low=Decimal("225.17"),
        close=Decimal("228.02"),
        adj_close=Decimal("227.77"),
        volume=44633700,
    )
    assert bars[-1].close == Decimal("229.87")
    assert bars[-1].adj_close == Decimal("229.62")
    assert all(isinstance(bar.volume, int) for bar in bars)


def test_the_trading_day_is_the_exchange_date_not_the_utc_one() -> None:
    bars = bars_from_rows("7203.T", rows("7203.T"))

    # Tokyo midnight is 15:00 UTC the day before: converting to UTC would give 2024-11-17 (a Sunday).
    assert [bar.day for bar in bars] == ["2024-11-18", "2024-11-20"]  # the NaN row is skipped
    assert bars[1].volume == 21150400  # a float volume (NaN in the column makes pandas use floats)
    assert trading_day("2024-11-18 00:00:00+09:00") == "2024-11-18"


def test_without_adj_close_the_close_stands_in() -> None:
    (bar,) = bars_from_rows("X", [("2024-11-18 00:00:00-05:00", {"Open": 1, "High": 2, "Low": 0.5, "Close": 1.5})])

    assert (bar.adj_close, bar.volume) == (Decimal("1.50"), 0)


def test_the_provider_asks_for_daily_unadjusted_bars_with_an_exclusive_end() -> None:
    from datetime import date

    calls: list[dict[str, Any]] = []
    provider = YFinanceProvider(lambda symbol: FakeTicker(symbol, calls))

    bars = provider.history("AAPL", date(2024, 11, 19), date(2024, 11, 21))

    assert calls == [
        {"start": "2024-11-19", "end": "2024-11-22", "interval": "1d", "auto_adjust": False, "actions": False}
    ]
    assert [bar.day for bar in bars] == ["2024-11-19", "2024-11-20", "2024-11-21"]
    assert provider.quote_summary("AAPL").price == Decimal("229.87")


def test_yfinance_is_imported_only_when_used() -> None:
    assert "yfinance" not in sys.modules
    assert "pandas" not in sys.modules
