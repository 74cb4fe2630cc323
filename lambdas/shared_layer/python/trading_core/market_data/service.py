"""Fetch from the provider, archive the raw answer, store: what the market-data tasks do per ticker."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any, Final, Protocol

from trading_core.common.clock import Clock, utc_now
from trading_core.contracts import CHECKED_FIELD, DETAIL_FIELD, NEW_DATA_FIELD, TICKER_FIELD, TICKERS_FIELD
from trading_core.market_data.model import HistoryUpdate, MarketDataProvider, QuoteSummary, TickerNotFound
from trading_core.market_data.store import MarketDataStore

# The first load of a ticker fetches this many days back; later loads start after `HistDataEnd`.
DEFAULT_LOOKBACK_DAYS: Final = 365
# The historical-data task's optional first day (`history_since`).
HISTORY_FROM_FIELD: Final = "from"


class InvalidHistoryWindow(ValueError):
    """A historical-data task input whose `from` is not a day: a bad input stays bad, do not retry."""


class RawArchive(Protocol):
    def put(self, ticker: str, kind: str, day: str, payload: Any) -> None: ...


class NoArchive:
    def put(self, ticker: str, kind: str, day: str, payload: Any) -> None:
        return None


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

    def refresh_history(self, ticker: str, since: date | None = None) -> HistoryUpdate:
        """Loads the days after `HistDataEnd` (on a first load, `lookback_days` back) up to yesterday.

        `since` (the portfolio of a past date asks for it): the load starts there when that is earlier,
        and every day of the window that is not stored is written, so a day older than the first load or
        in a deleted window is filled in without rewriting what is stored."""
        today = self._clock().date()
        record = self._store.get_record(ticker)
        last = record.hist_data_end if record else None
        start = date.fromisoformat(last) + timedelta(days=1) if last else today - timedelta(days=self._lookback_days)
        backfill = False
        if since is not None and since < start:
            start, backfill = since, True
        end = today - timedelta(days=1)
        if start > end:
            return HistoryUpdate(ticker, 0, last)
        bars = self._provider.history(ticker, start, end)
        if bars:
            self._archive.put(ticker, "history", today.isoformat(), [bar.to_wire() for bar in bars])
        written = self._store.put_missing_history(ticker, bars) if backfill else self._store.put_history(ticker, bars)
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


def history_since(event: Mapping[str, Any]) -> date | None:
    """The optional first day of a historical-data task input, `{"tickers": [...], "from": "YYYY-MM-DD"}`
    (also under `detail`): the data API's history lookup sends it for the portfolio of a past date."""
    if isinstance(event.get(DETAIL_FIELD), Mapping):
        return history_since(event[DETAIL_FIELD])
    value = event.get(HISTORY_FROM_FIELD)
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidHistoryWindow(f"'{HISTORY_FROM_FIELD}' is not a day as YYYY-MM-DD: {value!r}") from None


def new_data(results: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The checker's decision over the Map results: which tickers got new history rows (`tickers`), out
    of those fetched (`checked`, what the no-data notification names)."""
    results = list(results)
    tickers = [str(result[TICKER_FIELD]) for result in results if int(result.get("newRows", 0) or 0) > 0]
    checked = [str(result[TICKER_FIELD]) for result in results]
    return {NEW_DATA_FIELD: bool(tickers), TICKERS_FIELD: tickers, CHECKED_FIELD: checked}
