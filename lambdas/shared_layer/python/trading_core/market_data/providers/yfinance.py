"""The yfinance provider (the cloud default): Yahoo Finance's answers converted to `QuoteSummary`/`PriceBar`.

yfinance (with pandas and numpy) lives in its own layer attached only to the market-data functions,
so it is imported lazily inside `YFinanceProvider`; the conversions below are plain Python over the
shapes yfinance returns, and are what the tests exercise with fixtures:

- `Ticker(t).info`: a dict of Yahoo's quote fields (`regularMarketPrice`, `previousClose`, `currency`,
  `longName`, `marketCap`, `regularMarketTime` in epoch seconds, …). For an unknown ticker it is almost
  empty (e.g. `{"trailingPegRatio": None}`).
- `Ticker(t).history(start=, end=, interval="1d", auto_adjust=False)`: a DataFrame indexed by
  tz-aware Timestamps at midnight exchange time, columns `Open, High, Low, Close, Adj Close, Volume`
  (plus `Dividends`, `Stock Splits` when `actions=True`); `end` is exclusive. `frame.iterrows()` gives
  the (timestamp, row) pairs `bars_from_rows` takes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from trading_core.common.clock import to_iso
from trading_core.contracts import YFINANCE_PROVIDER
from trading_core.market_data.model import (
    PriceBar,
    QuoteSummary,
    TickerNotFound,
    optional_int,
    optional_price,
    price_from,
)

# The first field present wins.
PRICE_FIELDS = ("regularMarketPrice", "currentPrice")
PREVIOUS_CLOSE_FIELDS = ("previousClose", "regularMarketPreviousClose")
OPEN_FIELDS = ("open", "regularMarketOpen")
DAY_HIGH_FIELDS = ("dayHigh", "regularMarketDayHigh")
DAY_LOW_FIELDS = ("dayLow", "regularMarketDayLow")
VOLUME_FIELDS = ("volume", "regularMarketVolume")
NAME_FIELDS = ("longName", "shortName")


def _first(info: Mapping[str, Any], names: Iterable[str]) -> Any:
    for name in names:
        value = info.get(name)
        if value is not None and not (isinstance(value, float) and not math.isfinite(value)):
            return value
    return None


def json_safe(value: Any) -> Any:
    """Yahoo's answer as strict JSON: non-finite floats become null, other odd values strings."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return str(value)


def summary_from_info(ticker: str, info: Mapping[str, Any]) -> QuoteSummary:
    """`Ticker.info` as a `QuoteSummary`; `TickerNotFound` when it holds no price."""
    price = _first(info, PRICE_FIELDS)
    if price is None:
        raise TickerNotFound(f"yfinance has no quote for {ticker}")
    market_time = optional_int(info.get("regularMarketTime"))
    return QuoteSummary(
        ticker=ticker,
        name=str(_first(info, NAME_FIELDS) or ticker),
        currency=str(info.get("currency") or ""),
        exchange=str(info.get("exchange") or ""),
        price=price_from(price),
        previous_close=optional_price(_first(info, PREVIOUS_CLOSE_FIELDS)),
        open=optional_price(_first(info, OPEN_FIELDS)),
        day_high=optional_price(_first(info, DAY_HIGH_FIELDS)),
        day_low=optional_price(_first(info, DAY_LOW_FIELDS)),
        volume=optional_int(_first(info, VOLUME_FIELDS)),
        market_cap=optional_int(info.get("marketCap")),
        fifty_two_week_high=optional_price(info.get("fiftyTwoWeekHigh")),
        fifty_two_week_low=optional_price(info.get("fiftyTwoWeekLow")),
        market_time=None if market_time is None else to_iso(datetime.fromtimestamp(market_time, UTC)),
        raw=json_safe(dict(info)),
    )


def trading_day(timestamp: Any) -> str:
    """The exchange's trading day of an index label: its own (local) date, never converted to UTC.

    A pandas Timestamp is a `datetime`; fixtures carry the same value as its ISO text.
    """
    if isinstance(timestamp, datetime):
        return timestamp.date().isoformat()
    if isinstance(timestamp, date):
        return timestamp.isoformat()
    return datetime.fromisoformat(str(timestamp)).date().isoformat()


def _finite(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def bars_from_rows(ticker: str, rows: Iterable[tuple[Any, Mapping[str, Any]]]) -> list[PriceBar]:
    """`frame.iterrows()` of `Ticker.history(...)` as bars, oldest first; rows without prices are skipped."""
    bars: dict[str, PriceBar] = {}
    for timestamp, row in rows:
        prices = [row.get(name) for name in ("Open", "High", "Low", "Close")]
        if not all(_finite(value) for value in prices):
            continue
        opening, high, low, close = (price_from(value) for value in prices)
        adj_close = row.get("Adj Close")
        volume = row.get("Volume")
        day = trading_day(timestamp)
        bars[day] = PriceBar(
            ticker=ticker,
            day=day,
            open=opening,
            high=high,
            low=low,
            close=close,
            adj_close=price_from(adj_close) if _finite(adj_close) else close,
            volume=int(float(volume)) if volume is not None and _finite(volume) else 0,
        )
    return [bars[day] for day in sorted(bars)]


def _yfinance_ticker(symbol: str) -> Any:
    import yfinance  # the market-data layer; never on the order path, never in tests

    return yfinance.Ticker(symbol)


class YFinanceProvider:
    """Yahoo Finance through yfinance. `ticker_factory` builds a `yfinance.Ticker` (tests pass fakes)."""

    name = YFINANCE_PROVIDER

    def __init__(self, ticker_factory: Callable[[str], Any] = _yfinance_ticker) -> None:
        self._ticker = ticker_factory

    def quote_summary(self, ticker: str) -> QuoteSummary:
        return summary_from_info(ticker, self._ticker(ticker).info or {})

    def history(self, ticker: str, start: date, end: date) -> list[PriceBar]:
        frame = self._ticker(ticker).history(
            start=start.isoformat(),
            end=(end + timedelta(days=1)).isoformat(),  # yfinance's end is exclusive, ours inclusive
            interval="1d",
            auto_adjust=False,
            actions=False,
        )
        if frame is None or getattr(frame, "empty", False):
            return []
        bars = bars_from_rows(ticker, frame.iterrows())
        first, last = start.isoformat(), end.isoformat()
        return [bar for bar in bars if first <= bar.day <= last]
