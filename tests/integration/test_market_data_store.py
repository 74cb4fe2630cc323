"""The MarketData table adapter against moto: summaries, incremental history, deletes, staleness, prices."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.integration.market_data_fixtures import MarketDataAws, market_data_environment
from trading_core.market.price import MarketPrices
from trading_core.market.walk import walk_price
from trading_core.market_data.keys import summary_key
from trading_core.market_data.model import PriceBar
from trading_core.market_data.providers.offline import OfflineProvider
from trading_core.market_data.store import MarketDataStore

OFFLINE = OfflineProvider()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[MarketDataAws]:
    with market_data_environment(monkeypatch) as environment:
        yield environment


def bars(ticker: str, start: str, end: str) -> list[PriceBar]:
    return OFFLINE.history(ticker, date.fromisoformat(start), date.fromisoformat(end))


def history_days(aws: MarketDataAws, ticker: str) -> list[str]:
    return sorted(item["Day"] for item in aws.items() if item["SK"].startswith(f"HIST#{ticker}#"))


def test_a_summary_round_trips_and_keeps_the_history_bookkeeping(aws: MarketDataAws) -> None:
    store = aws.store()
    store.put_history("AAPL", bars("AAPL", "2026-02-02", "2026-02-06"))
    summary = OfflineProvider(clock=aws.clock).quote_summary("AAPL")

    store.put_summary(summary)
    record = store.get_record("AAPL")

    assert record is not None
    assert record.summary == summary
    assert (record.hist_data_start, record.hist_data_end) == ("2026-02-02", "2026-02-06")
    assert record.updated == "2026-03-04T15:00:00.000Z"
    item = aws.table.get_item(Key=summary_key("AAPL"))["Item"]
    assert item["PK"] == "TICKER#AAPL" and item["SK"] == "SUMMARY#AAPL"
    assert item["Price"] == summary.price


def test_history_is_incremental(aws: MarketDataAws) -> None:
    store = aws.store()
    first = store.put_history("COIN", bars("COIN", "2026-01-01", "2026-02-27"))  # 42 rows: two batches

    assert (first.new_rows, first.hist_data_start, first.hist_data_end) == (42, "2026-01-01", "2026-02-27")
    assert len(history_days(aws, "COIN")) == 42

    # A changed value of an already stored day is not rewritten; only days after HistDataEnd are.
    overlap = [
        PriceBar(**{**bar.__dict__, "close": Decimal("1.00")}) for bar in bars("COIN", "2026-02-23", "2026-03-03")
    ]
    second = store.put_history("COIN", overlap)

    assert (second.new_rows, second.hist_data_end) == (2, "2026-03-03")
    assert history_days(aws, "COIN")[-3:] == ["2026-02-27", "2026-03-02", "2026-03-03"]
    assert store.history("COIN", "2026-02-27", "2026-02-27")[0].close != Decimal("1.00")
    assert store.history("COIN", "2026-03-02", "2026-03-02")[0].close == Decimal("1.00")
    assert store.put_history("COIN", overlap).new_rows == 0


class FlakyClient:
    """Delegates to the real client but leaves half of each first BatchWriteItem unprocessed."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls = 0

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:
        self.calls += 1
        ((name, requests),) = RequestItems.items()
        if self.calls % 2:
            keep, rest = requests[: len(requests) // 2], requests[len(requests) // 2 :]
            self._client.batch_write_item(RequestItems={name: keep})
            return {"UnprocessedItems": {name: rest}}
        return dict(self._client.batch_write_item(RequestItems=RequestItems))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class FlakyTable:
    def __init__(self, table: Any) -> None:
        self._table = table
        self.client = FlakyClient(table.meta.client)
        self.meta = type("Meta", (), {"client": self.client})()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)


def test_unprocessed_items_are_retried(aws: MarketDataAws) -> None:
    table = FlakyTable(aws.table)
    store = MarketDataStore(table, clock=aws.clock)

    written = store.put_history("MSFT", bars("MSFT", "2026-01-01", "2026-02-10"))

    assert written.new_rows == 29
    assert len(history_days(aws, "MSFT")) == 29
    assert table.client.calls == 4  # two chunks (25 + 4), each finished in a second call


def test_history_window_and_latest_close(aws: MarketDataAws) -> None:
    store = aws.store()
    loaded = bars("AAPL", "2026-02-02", "2026-02-27")
    store.put_history("AAPL", loaded)
    store.put_history("MSFT", bars("MSFT", "2026-02-02", "2026-03-03"))

    assert store.history("AAPL", "2026-02-09", "2026-02-13") == loaded[5:10]
    assert store.history("AAPL", "2026-03-01", "2026-03-31") == []
    assert store.latest_close("AAPL") == loaded[-1].close
    assert store.latest_close("NONE") is None


def test_deleting_history_recomputes_the_bookkeeping_so_deleted_days_load_again(aws: MarketDataAws) -> None:
    store = aws.store()
    store.put_history("AAPL", bars("AAPL", "2026-02-02", "2026-02-27"))

    assert store.delete_history("AAPL", "2026-02-23", "2026-03-31") == 5
    record = store.get_record("AAPL")
    assert record is not None and (record.hist_data_start, record.hist_data_end) == ("2026-02-02", "2026-02-20")
    assert store.put_history("AAPL", bars("AAPL", "2026-02-23", "2026-02-27")).new_rows == 5

    assert store.delete_history("AAPL", "2026-01-01", "2026-12-31") == 20
    assert store.get_record("AAPL") is None  # no summary, no history: nothing left
    assert store.delete_history("AAPL", "2026-01-01", "2026-12-31") == 0


def test_deleting_a_summary_keeps_the_history(aws: MarketDataAws) -> None:
    store = aws.store()
    store.put_summary(OfflineProvider(clock=aws.clock).quote_summary("AAPL"))
    store.put_history("AAPL", bars("AAPL", "2026-02-02", "2026-02-06"))

    assert store.delete_summary("AAPL")
    assert not store.delete_summary("AAPL")
    record = store.get_record("AAPL")
    assert record is not None and record.summary is None and record.hist_data_end == "2026-02-06"

    store.put_summary(OfflineProvider(clock=aws.clock).quote_summary("MSFT"))
    assert store.delete_summary("MSFT")
    assert store.get_record("MSFT") is None


def test_staleness_for_the_router(aws: MarketDataAws) -> None:
    store = aws.store()
    store.put_summary(OfflineProvider(clock=aws.clock).quote_summary("AAPL"))
    now = aws.clock.now

    assert not store.is_stale("AAPL", now, timedelta(hours=1))
    assert store.is_stale("AAPL", now + timedelta(hours=2), timedelta(hours=1))
    assert store.is_stale("MSFT", now)
    assert store.stale_tickers(["MSFT", "AAPL", "COIN", "MSFT"], now, timedelta(hours=1)) == ["MSFT", "COIN"]
    assert store.stale_tickers(["AAPL"], now + timedelta(hours=2), timedelta(hours=1)) == ["AAPL"]


def test_the_reference_price_is_the_stored_quote_else_the_latest_close(aws: MarketDataAws) -> None:
    store = aws.store()
    store.put_history("AAPL", bars("AAPL", "2026-02-02", "2026-02-27"))
    store.put_history("COIN", bars("COIN", "2026-02-02", "2026-02-27"))
    quote = OFFLINE.quote_summary("COIN")
    store.put_summary(quote)

    assert store.reference_prices(["COIN", "AAPL", "MSFT", "COIN"]) == {
        "COIN": quote.price,
        "AAPL": OFFLINE.close("AAPL", date(2026, 2, 27)),
    }
    assert store.reference_prices([]) == {}


def test_reference_prices_of_many_tickers_are_read_in_batches(aws: MarketDataAws) -> None:
    store = aws.store()
    tickers = [f"T{n:03d}" for n in range(150)]
    for n, ticker in enumerate(tickers):
        store.put_summary(dataclasses.replace(OFFLINE.quote_summary("COIN"), ticker=ticker, price=Decimal(n + 1)))

    assert store.reference_prices(tickers) == {ticker: Decimal(n + 1) for n, ticker in enumerate(tickers)}


def test_market_prices_over_the_table_walk_its_reference(aws: MarketDataAws) -> None:
    store = aws.store()
    store.put_summary(OFFLINE.quote_summary("COIN"))
    prices = MarketPrices(store.reference_prices)
    at = datetime(2026, 3, 4, 15, 7, 30, tzinfo=UTC)

    quote = prices.quote("COIN", at)

    assert quote is not None and quote.price == walk_price(OFFLINE.quote_summary("COIN").price, "COIN", at)
    assert prices.quote("NOTAREALTICKER", at) is None
