"""Market-data values: what every provider returns and what the table and the APIs hold.

Money is a 2-decimal `Decimal`, volumes are `int`, days ISO `yyyy-mm-dd`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final, Protocol

from trading_core.common.money import cents, money_str
from trading_core.contracts import DETAIL_FIELD, MARKET_DATA_TICKER_PATTERN, TICKER_FIELD, TICKERS_FIELD
from trading_core.market_data.keys import history_key

_TICKER = re.compile(MARKET_DATA_TICKER_PATTERN)


class InvalidTicker(ValueError):
    pass


class TickerNotFound(LookupError):
    """The provider knows nothing of this ticker (yfinance answers with an almost empty `info`)."""


def normalize_ticker(value: object) -> str:
    if not isinstance(value, str) or not _TICKER.match(value.strip().upper()):
        raise InvalidTicker(f"not a ticker: {value!r}")
    return value.strip().upper()


def tickers_from_event(event: Mapping[str, Any]) -> list[str]:
    """The tickers of a task input, in order, without duplicates.

    Accepts `{"ticker": "AAPL"}`, `{"tickers": ["AAPL", ...]}`, `{"tickers": [{"ticker": "AAPL"}, ...]}`
    and any of those under `detail` (a whole EventBridge event, or the manager API's
    `{"detail": {"tickers": [...]}}`).
    """
    if isinstance(event.get(DETAIL_FIELD), Mapping):
        return tickers_from_event(event[DETAIL_FIELD])
    raw: list[Any]
    if TICKER_FIELD in event:
        raw = [event[TICKER_FIELD]]
    elif isinstance(event.get(TICKERS_FIELD), list):
        raw = event[TICKERS_FIELD]
    else:
        raise InvalidTicker("the input has neither 'ticker' nor a 'tickers' list")
    tickers: list[str] = []
    for item in raw:
        ticker = normalize_ticker(item.get(TICKER_FIELD) if isinstance(item, Mapping) else item)
        if ticker not in tickers:
            tickers.append(ticker)
    return tickers


def price_from(value: object) -> Decimal:
    """A provider's number (float, int, Decimal or numeric string) as a Decimal rounded to the cent."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a price: {value!r}")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"not a finite price: {value!r}")
    return cents(number)


def optional_price(value: object) -> Decimal | None:
    try:
        return price_from(value)
    except (ValueError, ArithmeticError):
        return None


def optional_int(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except ArithmeticError:
        return None
    return int(number) if number.is_finite() else None


def _money(value: Decimal | None) -> str | None:
    return None if value is None else money_str(value)


# QuoteSummary field -> item attribute, for the money fields.
_SUMMARY_MONEY: Final = (
    ("price", "Price"),
    ("previous_close", "PreviousClose"),
    ("open", "Open"),
    ("day_high", "DayHigh"),
    ("day_low", "DayLow"),
    ("fifty_two_week_high", "FiftyTwoWeekHigh"),
    ("fifty_two_week_low", "FiftyTwoWeekLow"),
)


@dataclass(frozen=True, kw_only=True)
class QuoteSummary:
    ticker: str
    name: str
    currency: str
    exchange: str
    price: Decimal
    previous_close: Decimal | None = None
    open: Decimal | None = None
    day_high: Decimal | None = None
    day_low: Decimal | None = None
    volume: int | None = None
    market_cap: int | None = None
    fifty_two_week_high: Decimal | None = None
    fifty_two_week_low: Decimal | None = None
    market_time: str | None = None
    # The provider's own answer (yfinance's `info`), archived to S3 as is; not stored in the table.
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_item_attributes(self) -> dict[str, Any]:
        """The summary's attributes of the summary item (keys and bookkeeping excluded)."""
        attributes: dict[str, Any] = {
            "Ticker": self.ticker,
            "Name": self.name,
            "Currency": self.currency,
            "Exchange": self.exchange,
            "Volume": self.volume,
            "MarketCap": self.market_cap,
            "MarketTime": self.market_time,
        }
        for name, attribute in _SUMMARY_MONEY:
            attributes[attribute] = getattr(self, name)
        return {name: value for name, value in attributes.items() if value is not None}

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> QuoteSummary:
        def money(name: str) -> Decimal | None:
            return None if item.get(name) is None else cents(Decimal(str(item[name])))

        def integer(name: str) -> int | None:
            return None if item.get(name) is None else int(item[name])

        return cls(
            ticker=str(item["Ticker"]),
            name=str(item.get("Name", "")),
            currency=str(item.get("Currency", "")),
            exchange=str(item.get("Exchange", "")),
            price=cents(Decimal(str(item["Price"]))),
            previous_close=money("PreviousClose"),
            open=money("Open"),
            day_high=money("DayHigh"),
            day_low=money("DayLow"),
            volume=integer("Volume"),
            market_cap=integer("MarketCap"),
            fifty_two_week_high=money("FiftyTwoWeekHigh"),
            fifty_two_week_low=money("FiftyTwoWeekLow"),
            market_time=None if item.get("MarketTime") is None else str(item["MarketTime"]),
        )

    def to_wire(self) -> dict[str, Any]:
        return {
            "ticker": self.ticker,
            "name": self.name,
            "currency": self.currency,
            "exchange": self.exchange,
            "price": money_str(self.price),
            "previousClose": _money(self.previous_close),
            "open": _money(self.open),
            "dayHigh": _money(self.day_high),
            "dayLow": _money(self.day_low),
            "volume": self.volume,
            "marketCap": self.market_cap,
            "fiftyTwoWeekHigh": _money(self.fifty_two_week_high),
            "fiftyTwoWeekLow": _money(self.fifty_two_week_low),
            "marketTime": self.market_time,
        }


@dataclass(frozen=True, kw_only=True)
class PriceBar:
    """One trading day: OHLC as quoted (split-adjusted), `adj_close` also dividend-adjusted."""

    ticker: str
    day: str
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    adj_close: Decimal
    volume: int

    def to_item(self) -> dict[str, Any]:
        return {
            **history_key(self.ticker, self.day),
            "Ticker": self.ticker,
            "Day": self.day,
            "Open": self.open,
            "High": self.high,
            "Low": self.low,
            "Close": self.close,
            "AdjClose": self.adj_close,
            "Volume": self.volume,
        }

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> PriceBar:
        return cls(
            ticker=str(item["Ticker"]),
            day=str(item["Day"]),
            open=cents(Decimal(str(item["Open"]))),
            high=cents(Decimal(str(item["High"]))),
            low=cents(Decimal(str(item["Low"]))),
            close=cents(Decimal(str(item["Close"]))),
            adj_close=cents(Decimal(str(item["AdjClose"]))),
            volume=int(item["Volume"]),
        )

    def to_wire(self) -> dict[str, Any]:
        return {
            "date": self.day,
            "open": money_str(self.open),
            "high": money_str(self.high),
            "low": money_str(self.low),
            "close": money_str(self.close),
            "adjClose": money_str(self.adj_close),
            "volume": self.volume,
        }


@dataclass(frozen=True)
class SummaryRecord:
    """The summary item: the summary once one was stored, and the history bookkeeping."""

    ticker: str
    summary: QuoteSummary | None
    hist_data_start: str | None
    hist_data_end: str | None
    updated: str | None

    def to_wire(self) -> dict[str, Any]:
        base = self.summary.to_wire() if self.summary else {"ticker": self.ticker}
        return {
            **base,
            "histDataStart": self.hist_data_start,
            "histDataEnd": self.hist_data_end,
            "updated": self.updated,
        }


@dataclass(frozen=True)
class HistoryWrite:
    new_rows: int
    hist_data_start: str | None
    hist_data_end: str | None


@dataclass(frozen=True)
class HistoryUpdate:
    ticker: str
    new_rows: int
    hist_data_end: str | None

    def to_wire(self) -> dict[str, Any]:
        return {"ticker": self.ticker, "newRows": self.new_rows, "histDataEnd": self.hist_data_end}


class MarketDataProvider(Protocol):
    def quote_summary(self, ticker: str) -> QuoteSummary:
        """The current quote; raises `TickerNotFound` when the provider does not know the ticker."""
        ...

    def history(self, ticker: str, start: date, end: date) -> list[PriceBar]:
        """Daily bars from `start` to `end`, both inclusive, oldest first (trading days only)."""
        ...
