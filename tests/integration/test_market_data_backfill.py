"""Loading an older window of history (the portfolio of a past date): `refresh_history(ticker, since)`
fills in the days not stored, before the first load or in a deleted window, without rewriting stored
rows, and widens `HistDataStart`/`HistDataEnd`; without `since` the load stays incremental."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest

from lambdas.historical_data import handler as historical_data
from tests.integration.api_events import lambda_context
from tests.integration.market_data_fixtures import MarketDataAws, market_data_environment, use
from trading_core.market_data.keys import history_key
from trading_core.market_data.providers.offline import OfflineProvider, business_days
from trading_core.market_data.service import InvalidHistoryWindow, history_since

# The fixture's clock: Wednesday 2026-03-04; yesterday 2026-03-03.
YESTERDAY = date(2026, 3, 3)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[MarketDataAws]:
    with market_data_environment(monkeypatch) as environment:
        use(historical_data, "build", environment.service, monkeypatch)
        yield environment


def days(start: date, end: date) -> list[str]:
    return [day.isoformat() for day in business_days(start, end)]


def test_a_window_older_than_the_first_load_is_filled_in(aws: MarketDataAws) -> None:
    service, store = aws.service(), aws.store()
    first = service.refresh_history("AAPL")
    assert first.hist_data_end == "2026-03-03"
    loaded_from = store.get_record("AAPL").hist_data_start  # type: ignore[union-attr]
    assert loaded_from == (YESTERDAY - timedelta(days=364)).isoformat()  # a year back (a business day)

    since = date(2024, 6, 3)
    older = service.refresh_history("AAPL", since)

    expected = days(since, date.fromisoformat(loaded_from) - timedelta(days=1))
    assert older.new_rows == len(expected) == 196
    record = store.get_record("AAPL")
    assert record is not None
    assert (record.hist_data_start, record.hist_data_end) == ("2024-06-03", "2026-03-03")
    stored = store.history("AAPL", "2024-06-03", "2026-03-03")
    assert [bar.day for bar in stored] == days(since, YESTERDAY)  # every business day, once
    assert stored[0] == OfflineProvider().bar("AAPL", since)  # the provider's deterministic bar
    # asked again: nothing is missing any more
    assert service.refresh_history("AAPL", since).new_rows == 0


def test_a_first_load_with_since_starts_there_and_later_loads_stay_incremental(aws: MarketDataAws) -> None:
    service, store = aws.service(), aws.store()

    update = service.refresh_history("MSFT", date(2025, 1, 6))

    assert update.new_rows == len(days(date(2025, 1, 6), YESTERDAY))
    assert store.get_record("MSFT").hist_data_start == "2025-01-06"  # type: ignore[union-attr]
    aws.clock.now += timedelta(days=5)  # Monday 2026-03-09
    assert service.refresh_history("MSFT").new_rows == 3  # Wednesday to Friday


def test_a_deleted_window_is_filled_in_and_stored_rows_are_not_rewritten(aws: MarketDataAws) -> None:
    service, store = aws.service(), aws.store()
    service.refresh_history("KO")
    assert store.delete_history("KO", "2025-12-01", "2025-12-12") == 10
    marked = history_key("KO", "2025-11-28")
    aws.table.update_item(
        Key=marked,
        UpdateExpression="SET #c = :c",
        ExpressionAttributeNames={"#c": "Close"},
        ExpressionAttributeValues={":c": Decimal("1.23")},
    )

    # without `since`: incremental, the gap stays
    assert service.refresh_history("KO").new_rows == 0
    assert store.history("KO", "2025-12-01", "2025-12-12") == []

    filled = service.refresh_history("KO", date(2025, 11, 24))

    assert filled.new_rows == 10
    assert [bar.day for bar in store.history("KO", "2025-12-01", "2025-12-12")] == days(
        date(2025, 12, 1), date(2025, 12, 12)
    )
    assert aws.table.get_item(Key=marked)["Item"]["Close"] == Decimal("1.23")  # a stored row is kept as is


def test_history_ends_of_several_tickers(aws: MarketDataAws) -> None:
    service, store = aws.service(), aws.store()
    service.refresh_history("AAPL")

    assert store.history_ends(["AAPL", "NOSUCH", "AAPL"]) == {"AAPL": "2026-03-03", "NOSUCH": None}


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"tickers": ["AAPL"]}, None),
        ({"tickers": ["AAPL"], "from": "2025-01-02"}, date(2025, 1, 2)),
        ({"detail": {"tickers": ["AAPL"], "from": "2025-01-02"}}, date(2025, 1, 2)),
    ],
)
def test_the_first_day_of_a_task_input(event: dict[str, object], expected: date | None) -> None:
    assert history_since(event) == expected


def test_a_bad_first_day_fails_the_task() -> None:
    with pytest.raises(InvalidHistoryWindow, match="from"):
        history_since({"tickers": ["AAPL"], "from": "2025-13-01"})


def test_the_historical_data_task_loads_from_the_day_it_is_given(aws: MarketDataAws) -> None:
    context = lambda_context("historical_data")
    historical_data.lambda_handler({"tickers": ["AAPL"]}, context)  # the first load: a year back

    answer = historical_data.lambda_handler({"tickers": ["AAPL", "KO"], "from": "2024-12-02"}, context)

    older = len(days(date(2024, 12, 2), date(2025, 3, 3)))  # AAPL: up to the day before its first load
    assert answer == {
        "tickers": [
            {"ticker": "AAPL", "newRows": older, "histDataEnd": "2026-03-03"},
            {"ticker": "KO", "newRows": len(days(date(2024, 12, 2), YESTERDAY)), "histDataEnd": "2026-03-03"},
        ],
        "newRows": older + len(days(date(2024, 12, 2), YESTERDAY)),
    }
    with pytest.raises(InvalidHistoryWindow):
        historical_data.lambda_handler({"tickers": ["AAPL"], "from": "yesterday"}, context)
