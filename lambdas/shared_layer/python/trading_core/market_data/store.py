"""The MarketData table (a boto3 Table resource): summaries with the history bookkeeping, daily bars.

History is written incrementally: only days after the summary item's `HistDataEnd`; an older window
(the portfolio of a past date) is filled in with the days it lacks (`put_missing_history`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from trading_core.common.clock import Clock, parse_iso, to_iso, utc_now
from trading_core.common.dynamodb import batch_get, batch_write, every_page
from trading_core.market_data.keys import (
    HIST_DATA_END,
    HIST_DATA_START,
    PK,
    SK,
    SUMMARY_PREFIX,
    SUMMARY_UPDATED,
    UPDATED,
    history_prefix,
    summary_key,
    ticker_partition,
)
from trading_core.market_data.model import HistoryWrite, PriceBar, QuoteSummary, SummaryRecord

# The router's cost guard: data younger than this is fresh enough to trade on.
DEFAULT_MAX_AGE: Final = timedelta(hours=12)

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

    def put_missing_history(self, ticker: str, bars: Sequence[PriceBar]) -> HistoryWrite:
        """Writes the bars of the days not stored yet, whatever the bounds (before `HistDataStart`,
        after `HistDataEnd` or in a deleted window), and widens the bookkeeping to them: an older
        window is loaded without rewriting what is stored. One Query of the stored days of the window."""
        wanted = {bar.day: bar for bar in bars if bar.ticker == ticker}
        stored = set()
        if wanted:
            prefix = history_prefix(ticker)
            condition = Key(PK).eq(ticker_partition(ticker)) & Key(SK).between(
                f"{prefix}{min(wanted)}", f"{prefix}{max(wanted)}"
            )
            stored = {
                str(item[SK]).removeprefix(prefix) for item in self._query(condition, ProjectionExpression="PK, SK")
            }
        rows = [wanted[day] for day in sorted(wanted) if day not in stored]
        if not rows:
            record = self.get_record(ticker)
            return HistoryWrite(0, record.hist_data_start if record else None, record.hist_data_end if record else None)
        self._batch_write([{"PutRequest": {"Item": bar.to_item()}} for bar in rows])
        start, end = self._extend_bounds(ticker, rows[0].day, rows[-1].day)
        return HistoryWrite(len(rows), start, end)

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        batch_write(self._table.meta.client, self._table.name, requests)

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
        return every_page(self._table.query, KeyConditionExpression=condition, ConsistentRead=True, **extra)

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

    def history_ends(self, tickers: Iterable[str]) -> dict[str, str | None]:
        """Each ticker's `HistDataEnd` (None: no history stored), one BatchGetItem per 100 tickers."""
        wanted = list(dict.fromkeys(tickers))
        items = batch_get(self._table.meta.client, self._table.name, [summary_key(ticker) for ticker in wanted])
        ends = {str(item[SK]).removeprefix(SUMMARY_PREFIX): item.get(HIST_DATA_END) for item in items}
        return {ticker: (None if ends.get(ticker) is None else str(ends[ticker])) for ticker in wanted}

    def latest_bar(self, ticker: str, *, consistent: bool = False) -> PriceBar | None:
        response = self._table.query(
            KeyConditionExpression=Key(PK).eq(ticker_partition(ticker)) & Key(SK).begins_with(history_prefix(ticker)),
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=consistent,
        )
        items = response.get("Items", [])
        return PriceBar.from_item(items[0]) if items else None

    def latest_close(self, ticker: str, *, consistent: bool = False) -> Decimal | None:
        bar = self.latest_bar(ticker, consistent=consistent)
        return bar.close if bar else None

    def reference_prices(self, tickers: Iterable[str], *, consistent: bool = False) -> dict[str, Decimal]:
        """Each ticker's reference for the market price (`market.price`): its stored quote, else its
        latest stored close; tickers with neither are left out. One BatchGetItem per 100 tickers."""
        wanted = list(dict.fromkeys(tickers))
        keys = [summary_key(ticker) for ticker in wanted]
        items = batch_get(self._table.meta.client, self._table.name, keys, consistent=consistent)
        prices = {str(item["Ticker"]): Decimal(item["Price"]) for item in items if "Price" in item and "Ticker" in item}
        for ticker in wanted:
            if ticker not in prices and (close := self.latest_close(ticker, consistent=consistent)) is not None:
                prices[ticker] = close
        return prices

    # the router's cost guard

    def is_stale(self, ticker: str, now: datetime, max_age: timedelta = DEFAULT_MAX_AGE) -> bool:
        """True unless a summary is stored and the item was updated less than `max_age` before `now`."""
        return is_stale_record(self.get_record(ticker), now, max_age)

    def stale_tickers(self, tickers: Iterable[str], now: datetime, max_age: timedelta = DEFAULT_MAX_AGE) -> list[str]:
        """The tickers among `tickers` whose data is stale, with one BatchGetItem per 100 tickers."""
        wanted = list(dict.fromkeys(tickers))
        keys = [summary_key(ticker) for ticker in wanted]
        # Eventually consistent (half the read units): a quote a read misses for a moment is only fetched again.
        items = batch_get(self._table.meta.client, self._table.name, keys, consistent=False)
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
