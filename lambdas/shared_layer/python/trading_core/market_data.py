"""Market data (DESIGN §3): quote summaries and daily price history, their providers and their storage.

- `QuoteSummary` and `PriceBar` are what every provider returns: money as 2-decimal `Decimal`,
  volumes as `int`, days as ISO `yyyy-mm-dd`.
- `MarketDataProvider` is the interface; `OfflineProvider` (deterministic, no network) is the local
  default and what tests use; `trading_core.yfinance_provider.YFinanceProvider` is the cloud default.
  `provider_from_env()` picks one by `MARKET_DATA_PROVIDER` (`offline` | `yfinance`, default `yfinance`).
- `MarketDataStore` adapts the MarketData table (layout below); history is written incrementally
  (only days after the summary item's `HistDataEnd`).
- `MarketDataService` ties a provider, the store and the raw archive (S3) together for the handlers.
- `latest_close` is what market orders are priced at (`trading_core.market_prices`).

MarketData table (`PK`, `SK` strings):

| item | PK | SK | attributes |
|---|---|---|---|
| summary | `TICKER#<t>` | `SUMMARY#<t>` | see `_SUMMARY_ATTRIBUTES`; `HistDataStart, HistDataEnd, Updated` |
| daily bar | `TICKER#<t>` | `HIST#<t>#<yyyy-mm-dd>` | `Ticker, Day, Open, High, Low, Close, AdjClose, Volume` |
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Protocol

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from trading_core.clock import Clock, parse_iso, to_iso, utc_now
from trading_core.dynamodb import chunked
from trading_core.ids import bounded_int, unit_interval
from trading_core.money import cents, money_str
from trading_core.pricing import synthetic_price

# --- table layout -----------------------------------------------------------------------------------

PK: Final = "PK"
SK: Final = "SK"
TICKER_PREFIX: Final = "TICKER#"
SUMMARY_PREFIX: Final = "SUMMARY#"
HIST_PREFIX: Final = "HIST#"

HIST_DATA_START: Final = "HistDataStart"
HIST_DATA_END: Final = "HistDataEnd"
UPDATED: Final = "Updated"
SUMMARY_UPDATED: Final = "SummaryUpdated"

# Environment (docs/market-data.md).
PROVIDER_ENV: Final = "MARKET_DATA_PROVIDER"
OFFLINE: Final = "offline"
YFINANCE: Final = "yfinance"
PROVIDERS: Final = (OFFLINE, YFINANCE)
DEFAULT_PROVIDER: Final = YFINANCE

TICKER_PATTERN: Final = r"^[A-Z0-9^][A-Z0-9.=^-]{0,14}$"
_TICKER = re.compile(TICKER_PATTERN)

# The first load of a ticker fetches this many days back; later loads start after `HistDataEnd`.
DEFAULT_LOOKBACK_DAYS: Final = 365
MAX_BATCH_WRITE_ITEMS: Final = 25
MAX_BATCH_WRITE_ROUNDS: Final = 8
# The router's cost guard: data younger than this is fresh enough to trade on.
DEFAULT_MAX_AGE: Final = timedelta(hours=12)


def ticker_partition(ticker: str) -> str:
    return f"{TICKER_PREFIX}{ticker}"


def summary_key(ticker: str) -> dict[str, str]:
    return {PK: ticker_partition(ticker), SK: f"{SUMMARY_PREFIX}{ticker}"}


def history_prefix(ticker: str) -> str:
    return f"{HIST_PREFIX}{ticker}#"


def history_key(ticker: str, day: str) -> dict[str, str]:
    return {PK: ticker_partition(ticker), SK: f"{history_prefix(ticker)}{day}"}


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
    if isinstance(event.get("detail"), Mapping):
        return tickers_from_event(event["detail"])
    raw: list[Any]
    if "ticker" in event:
        raw = [event["ticker"]]
    elif isinstance(event.get("tickers"), list):
        raw = event["tickers"]
    else:
        raise InvalidTicker("the input has neither 'ticker' nor a 'tickers' list")
    tickers: list[str] = []
    for item in raw:
        ticker = normalize_ticker(item.get("ticker") if isinstance(item, Mapping) else item)
        if ticker not in tickers:
            tickers.append(ticker)
    return tickers


# --- values -----------------------------------------------------------------------------------------


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


# --- providers --------------------------------------------------------------------------------------


class MarketDataProvider(Protocol):
    def quote_summary(self, ticker: str) -> QuoteSummary:
        """The current quote; raises `TickerNotFound` when the provider does not know the ticker."""
        ...

    def history(self, ticker: str, start: date, end: date) -> list[PriceBar]:
        """Daily bars from `start` to `end`, both inclusive, oldest first (trading days only)."""
        ...


def business_days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def _last_business_day(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _triangle(position: int, period: int) -> Decimal:
    """A triangle wave in [-1, 1] with the given period (in days): continuous, pure integer maths."""
    phase = Decimal(position % period) / period
    return 4 * abs(phase - Decimal("0.5")) - 1


class OfflineProvider:
    """Deterministic market data: a pure function of the ticker and the day, no network.

    Closes move smoothly around `pricing.synthetic_price(ticker)` (two slow triangle waves of ±8 % and
    ±3 % with per-ticker phases, plus ±0.5 % daily noise), so consecutive closes differ by a few
    percent at most. Weekends have no bars; there are no holidays.
    """

    name = OFFLINE

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock

    def close(self, ticker: str, day: date) -> Decimal:
        base = synthetic_price(ticker)
        ordinal = day.toordinal()
        slow = _triangle(ordinal + bounded_int(0, 60, "offline-phase-slow", ticker), 61)
        fast = _triangle(ordinal + bounded_int(0, 16, "offline-phase-fast", ticker), 17)
        noise = 2 * unit_interval("offline-noise", ticker, day.isoformat()) - 1
        factor = 1 + Decimal("0.08") * slow + Decimal("0.03") * fast + Decimal("0.005") * noise
        return cents(base * factor)

    def bar(self, ticker: str, day: date) -> PriceBar:
        iso = day.isoformat()
        close = self.close(ticker, day)
        opening = cents(close * (1 + Decimal("0.01") * (2 * unit_interval("offline-open", ticker, iso) - 1)))
        high = cents(max(opening, close) * (1 + Decimal("0.01") * unit_interval("offline-high", ticker, iso)))
        low = cents(min(opening, close) * (1 - Decimal("0.01") * unit_interval("offline-low", ticker, iso)))
        return PriceBar(
            ticker=ticker,
            day=iso,
            open=opening,
            high=high,
            low=low,
            close=close,
            adj_close=close,
            volume=bounded_int(100_000, 5_000_000, "offline-volume", ticker, iso),
        )

    def quote_summary(self, ticker: str) -> QuoteSummary:
        today = _last_business_day(self._clock().date())
        previous = _last_business_day(today - timedelta(days=1))
        bar = self.bar(ticker, today)
        year = [self.close(ticker, day) for day in business_days(today - timedelta(days=364), today)]
        shares = bounded_int(50_000_000, 5_000_000_000, "offline-shares", ticker)
        return QuoteSummary(
            ticker=ticker,
            name=f"{ticker} (offline)",
            currency="USD",
            exchange="OFFLINE",
            price=bar.close,
            previous_close=self.close(ticker, previous),
            open=bar.open,
            day_high=bar.high,
            day_low=bar.low,
            volume=bar.volume,
            market_cap=int(bar.close * shares),
            fifty_two_week_high=max(year),
            fifty_two_week_low=min(year),
            market_time=f"{today.isoformat()}T21:00:00.000Z",
            raw={"provider": OFFLINE, "ticker": ticker, "day": today.isoformat()},
        )

    def history(self, ticker: str, start: date, end: date) -> list[PriceBar]:
        return [self.bar(ticker, day) for day in business_days(start, end)]


def provider_from_env(environ: Mapping[str, str] | None = None) -> MarketDataProvider:
    """`MARKET_DATA_PROVIDER`: `offline` (local cloud, tests) or `yfinance` (the default, in the cloud)."""
    name = (environ if environ is not None else os.environ).get(PROVIDER_ENV, DEFAULT_PROVIDER).strip().lower()
    if name == OFFLINE:
        return OfflineProvider()
    if name == YFINANCE:
        from trading_core.yfinance_provider import YFinanceProvider

        return YFinanceProvider()
    raise ValueError(f"{PROVIDER_ENV}={name!r}; expected one of {', '.join(PROVIDERS)}")


# --- storage ----------------------------------------------------------------------------------------


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


_SUMMARY_ATTRIBUTES: Final = (
    "Ticker",
    "Name",
    "Currency",
    "Exchange",
    "Price",
    "PreviousClose",
    "Open",
    "DayHigh",
    "DayLow",
    "Volume",
    "MarketCap",
    "FiftyTwoWeekHigh",
    "FiftyTwoWeekLow",
    "MarketTime",
    SUMMARY_UPDATED,
)


def _is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class MarketDataStore:
    """The MarketData table (a boto3 Table resource). The summary item carries the history bookkeeping."""

    def __init__(self, table: Any, clock: Clock = utc_now) -> None:
        self._table = table
        self._clock = clock

    # summaries

    def put_summary(self, summary: QuoteSummary) -> None:
        """Sets the summary's attributes, keeping `HistDataStart`/`HistDataEnd` (one UpdateItem)."""
        now = to_iso(self._clock())
        attributes = {**summary.to_item_attributes(), SUMMARY_UPDATED: now, UPDATED: now}
        absent = [name for name in _SUMMARY_ATTRIBUTES if name not in attributes]
        names = {f"#a{index}": name for index, name in enumerate(attributes)}
        values = {f":v{index}": value for index, value in enumerate(attributes.values())}
        expression = "SET " + ", ".join(f"#a{index} = :v{index}" for index in range(len(attributes)))
        if absent:
            removed = {f"#r{index}": name for index, name in enumerate(absent)}
            names.update(removed)
            expression += " REMOVE " + ", ".join(removed)
        self._table.update_item(
            Key=summary_key(summary.ticker),
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def get_record(self, ticker: str) -> SummaryRecord | None:
        item = self._table.get_item(Key=summary_key(ticker), ConsistentRead=True).get("Item")
        if item is None:
            return None
        return SummaryRecord(
            ticker=ticker,
            summary=QuoteSummary.from_item(item) if "Price" in item else None,
            hist_data_start=item.get(HIST_DATA_START),
            hist_data_end=item.get(HIST_DATA_END),
            updated=item.get(UPDATED),
        )

    def get_summary(self, ticker: str) -> QuoteSummary | None:
        record = self.get_record(ticker)
        return record.summary if record else None

    def delete_summary(self, ticker: str) -> bool:
        """Removes the summary (the history bookkeeping stays while history rows exist); False if none."""
        names = {f"#r{index}": name for index, name in enumerate(_SUMMARY_ATTRIBUTES)}
        try:
            response = self._table.update_item(
                Key=summary_key(ticker),
                UpdateExpression="REMOVE " + ", ".join(names),
                ConditionExpression="attribute_exists(Price)",
                ExpressionAttributeNames=names,
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        remaining = set(response.get("Attributes", {})) - {PK, SK, UPDATED}
        if not remaining:
            self._delete_empty_record(ticker)
        return True

    def _delete_empty_record(self, ticker: str) -> None:
        try:
            self._table.delete_item(
                Key=summary_key(ticker),
                ConditionExpression="attribute_not_exists(Price) AND attribute_not_exists(HistDataEnd)",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise

    # history

    def put_history(self, ticker: str, bars: Sequence[PriceBar]) -> HistoryWrite:
        """Writes the bars after `HistDataEnd` (25 per BatchWriteItem) and moves the bookkeeping."""
        record = self.get_record(ticker)
        end = record.hist_data_end if record else None
        fresh = {bar.day: bar for bar in bars if bar.ticker == ticker and (end is None or bar.day > end)}
        rows = [fresh[day] for day in sorted(fresh)]
        if not rows:
            return HistoryWrite(0, record.hist_data_start if record else None, end)
        self._batch_write([{"PutRequest": {"Item": bar.to_item()}} for bar in rows])
        start, end = self._extend_bounds(ticker, rows[0].day, rows[-1].day)
        return HistoryWrite(len(rows), start, end)

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        client = self._table.meta.client
        name = self._table.name
        for chunk in chunked(requests, MAX_BATCH_WRITE_ITEMS):
            pending: dict[str, Any] = {name: list(chunk)}
            for _ in range(MAX_BATCH_WRITE_ROUNDS):
                pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
            else:
                raise RuntimeError(f"BatchWriteItem left items unprocessed after {MAX_BATCH_WRITE_ROUNDS} rounds")

    def _extend_bounds(self, ticker: str, first: str, last: str) -> tuple[str | None, str | None]:
        now = to_iso(self._clock())
        try:
            response = self._table.update_item(
                Key=summary_key(ticker),
                UpdateExpression="SET HistDataEnd = :last, HistDataStart = if_not_exists(HistDataStart, :first), "
                "Updated = :now",
                ConditionExpression="attribute_not_exists(HistDataEnd) OR HistDataEnd < :last",
                ExpressionAttributeValues={":first": first, ":last": last, ":now": now},
                ReturnValues="ALL_NEW",
            )
            attributes = response["Attributes"]
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            # A concurrent load got further: its bounds stand.
            record = self.get_record(ticker)
            attributes = {
                HIST_DATA_START: record.hist_data_start if record else first,
                HIST_DATA_END: record.hist_data_end if record else last,
            }
        start = attributes.get(HIST_DATA_START)
        if start is not None and first < start:
            self._table.update_item(
                Key=summary_key(ticker),
                UpdateExpression="SET HistDataStart = :first",
                ConditionExpression="HistDataStart > :first",
                ExpressionAttributeValues={":first": first},
            )
            start = first
        return start, attributes.get(HIST_DATA_END)

    def history(self, ticker: str, start: str, end: str) -> list[PriceBar]:
        """The stored bars from `start` to `end` (ISO days, inclusive), oldest first."""
        condition = Key(PK).eq(ticker_partition(ticker)) & Key(SK).between(
            f"{history_prefix(ticker)}{start}", f"{history_prefix(ticker)}{end}"
        )
        return [PriceBar.from_item(item) for item in self._query(condition)]

    def _query(self, condition: Any, **extra: Any) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition, "ConsistentRead": True, **extra}
        while True:
            page = self._table.query(**kwargs)
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def delete_history(self, ticker: str, start: str, end: str) -> int:
        """Deletes the bars from `start` to `end` (inclusive) and recomputes the bookkeeping from what is
        left, so a later load fetches the deleted days again if they were the newest."""
        condition = Key(PK).eq(ticker_partition(ticker)) & Key(SK).between(
            f"{history_prefix(ticker)}{start}", f"{history_prefix(ticker)}{end}"
        )
        keys = [{PK: item[PK], SK: item[SK]} for item in self._query(condition, ProjectionExpression="PK, SK")]
        if not keys:
            return 0
        self._batch_write([{"DeleteRequest": {"Key": key}} for key in keys])
        self._reset_bounds(ticker)
        return len(keys)

    def _edge_day(self, ticker: str, *, newest: bool) -> str | None:
        response = self._table.query(
            KeyConditionExpression=Key(PK).eq(ticker_partition(ticker)) & Key(SK).begins_with(history_prefix(ticker)),
            ScanIndexForward=not newest,
            Limit=1,
            ConsistentRead=True,
        )
        items = response.get("Items", [])
        return str(items[0]["Day"]) if items else None

    def _reset_bounds(self, ticker: str) -> None:
        first, last = self._edge_day(ticker, newest=False), self._edge_day(ticker, newest=True)
        now = to_iso(self._clock())
        if first is None or last is None:
            self._table.update_item(
                Key=summary_key(ticker),
                UpdateExpression="REMOVE HistDataStart, HistDataEnd SET Updated = :now",
                ExpressionAttributeValues={":now": now},
            )
            self._delete_empty_record(ticker)
        else:
            self._table.update_item(
                Key=summary_key(ticker),
                UpdateExpression="SET HistDataStart = :first, HistDataEnd = :last, Updated = :now",
                ExpressionAttributeValues={":first": first, ":last": last, ":now": now},
            )

    def latest_bar(self, ticker: str) -> PriceBar | None:
        response = self._table.query(
            KeyConditionExpression=Key(PK).eq(ticker_partition(ticker)) & Key(SK).begins_with(history_prefix(ticker)),
            ScanIndexForward=False,
            Limit=1,
        )
        items = response.get("Items", [])
        return PriceBar.from_item(items[0]) if items else None

    def latest_close(self, ticker: str) -> Decimal | None:
        bar = self.latest_bar(ticker)
        return bar.close if bar else None

    # the router's cost guard

    def is_stale(self, ticker: str, now: datetime, max_age: timedelta = DEFAULT_MAX_AGE) -> bool:
        """True unless a summary is stored and the item was updated less than `max_age` before `now`."""
        return is_stale_record(self.get_record(ticker), now, max_age)

    def stale_tickers(self, tickers: Iterable[str], now: datetime, max_age: timedelta = DEFAULT_MAX_AGE) -> list[str]:
        """The tickers among `tickers` whose data is stale, with one BatchGetItem per 100 tickers."""
        from trading_core.dynamodb import batch_get

        wanted = list(dict.fromkeys(tickers))
        items = batch_get(self._table.meta.client, self._table.name, [summary_key(ticker) for ticker in wanted])
        fresh = {
            str(item.get("Ticker"))
            for item in items
            if "Price" in item and item.get(UPDATED) and now - parse_iso(str(item[UPDATED])) <= max_age
        }
        return [ticker for ticker in wanted if ticker not in fresh]


def is_stale_record(record: SummaryRecord | None, now: datetime, max_age: timedelta) -> bool:
    if record is None or record.summary is None or record.updated is None:
        return True
    return now - parse_iso(record.updated) > max_age


# --- raw archive and service ------------------------------------------------------------------------


class RawArchive(Protocol):
    def put(self, ticker: str, kind: str, day: str, payload: Any) -> None: ...


class S3RawArchive:
    """The providers' answers as JSON at `raw/<ticker>/<kind>/<yyyy-mm-dd>.json` (a day's last answer wins)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    @staticmethod
    def key(ticker: str, kind: str, day: str) -> str:
        return f"raw/{ticker}/{kind}/{day}.json"

    def put(self, ticker: str, kind: str, day: str, payload: Any) -> None:
        self._client.put_object(
            Bucket=self._bucket,
            Key=self.key(ticker, kind, day),
            Body=json.dumps(payload, default=str, separators=(",", ":")).encode(),
            ContentType="application/json",
        )


class NoArchive:
    def put(self, ticker: str, kind: str, day: str, payload: Any) -> None:
        return None


@dataclass(frozen=True)
class HistoryUpdate:
    ticker: str
    new_rows: int
    hist_data_end: str | None

    def to_wire(self) -> dict[str, Any]:
        return {"ticker": self.ticker, "newRows": self.new_rows, "histDataEnd": self.hist_data_end}


class MarketDataService:
    """Fetch from the provider, archive the raw answer, store: what the workflow tasks do per ticker.

    History is loaded up to yesterday (UTC), so a bar of a session still trading is never stored and
    then skipped forever by the incremental load; the first load goes `lookback_days` back.
    """

    def __init__(
        self,
        provider: MarketDataProvider,
        store: MarketDataStore,
        archive: RawArchive | None = None,
        *,
        clock: Clock = utc_now,
        lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    ) -> None:
        self._provider = provider
        self._store = store
        self._archive: RawArchive = archive or NoArchive()
        self._clock = clock
        self._lookback_days = lookback_days

    def refresh_summary(self, ticker: str) -> QuoteSummary:
        summary = self._provider.quote_summary(ticker)
        self._archive.put(ticker, "summary", self._clock().date().isoformat(), dict(summary.raw) or summary.to_wire())
        self._store.put_summary(summary)
        return summary

    def refresh_history(self, ticker: str) -> HistoryUpdate:
        today = self._clock().date()
        record = self._store.get_record(ticker)
        last = record.hist_data_end if record else None
        start = date.fromisoformat(last) + timedelta(days=1) if last else today - timedelta(days=self._lookback_days)
        end = today - timedelta(days=1)
        if start > end:
            return HistoryUpdate(ticker, 0, last)
        bars = self._provider.history(ticker, start, end)
        if bars:
            self._archive.put(ticker, "history", today.isoformat(), [bar.to_wire() for bar in bars])
        written = self._store.put_history(ticker, bars)
        return HistoryUpdate(ticker, written.new_rows, written.hist_data_end)

    def refresh(self, ticker: str) -> tuple[HistoryUpdate, bool]:
        """Summary, then history: (the history update, whether the provider knows the ticker). An unknown
        ticker still gets its history step, which finds nothing, so workflow B's Map item succeeds."""
        try:
            self.refresh_summary(ticker)
            found = True
        except TickerNotFound:
            found = False
        return self.refresh_history(ticker), found


def new_data(results: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The checker's decision over the Map results: which tickers got new history rows (`tickers`), out
    of those fetched (`checked`, what the no-data notification names)."""
    results = list(results)
    tickers = [str(result["ticker"]) for result in results if int(result.get("newRows", 0) or 0) > 0]
    return {"newData": bool(tickers), "tickers": tickers, "checked": [str(result["ticker"]) for result in results]}


# --- wiring from the environment (docs/market-data.md) ----------------------------------------------

TABLE_ENV: Final = "MARKET_DATA_TABLE_NAME"
BUCKET_ENV: Final = "MARKET_DATA_BUCKET_NAME"


def store_from_env() -> MarketDataStore:
    from trading_core import aws

    return MarketDataStore(aws.resource("dynamodb").Table(aws.env(TABLE_ENV)))


def service_from_env() -> MarketDataService:
    """Provider by `MARKET_DATA_PROVIDER`, table `MARKET_DATA_TABLE_NAME`, raw JSON to `MARKET_DATA_BUCKET_NAME`."""
    from trading_core import aws

    return MarketDataService(provider_from_env(), store_from_env(), S3RawArchive(aws.client("s3"), aws.env(BUCKET_ENV)))
