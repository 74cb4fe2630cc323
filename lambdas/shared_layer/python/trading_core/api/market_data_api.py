"""The Market data API (`market-data-api`): quote summaries and daily history, served by `market_data_api`."""

from __future__ import annotations

from typing import Final

from trading_core.contracts import MARKET_DATA_API_FUNCTION

from . import parameters as p
from .market_schemas import DeletedHistory, History, HistoryWindow, QuoteSummary, SummaryDeletion
from .replies import KEY_REPLIES, docs_operation, error, field_error, invalid_parameters, not_found
from .spec import ApiDocument, Operation, Reply

NAME: Final = "market-data-api"
TITLE: Final = "Market data API"

_WINDOW_EXAMPLE: Final = {"from": "2026-11-01", "to": "2026-11-30"}
_DELETED_EXAMPLE: Final = {"ticker": "AAPL", "from": "2026-11-01", "to": "2026-11-30", "deletedRows": 21}
_BAD_BODY: Final = error(
    400,
    "A malformed ticker or body (not JSON, a day that is not YYYY-MM-DD, from after to); `errors` names the field.",
    field_error("invalid request", "from", "must not be after to"),
)
_NO_SUMMARY: Final = not_found("No quote summary is stored for the ticker.", "quote summary of ZZZZ not found")
_TAGS: Final = ("market data",)

GET_QUOTE_SUMMARY: Final = Operation(
    "GET",
    "/quote-summary/{ticker}",
    "getQuoteSummary",
    "A ticker's stored quote summary",
    MARKET_DATA_API_FUNCTION,
    parameters=(p.MARKET_DATA_TICKER,),
    replies=(
        Reply(
            200,
            "The summary and its history bookkeeping.",
            QuoteSummary,
            {
                "ticker": "AAPL",
                "name": "Apple Inc.",
                "currency": "USD",
                "exchange": "NMS",
                "price": "230.10",
                "previousClose": "229.50",
                "open": "229.80",
                "dayHigh": "231.00",
                "dayLow": "228.90",
                "volume": 51234000,
                "marketCap": 3490000000000,
                "fiftyTwoWeekHigh": "260.10",
                "fiftyTwoWeekLow": "164.08",
                "marketTime": "2026-12-01T21:00:00.000Z",
                "histDataStart": "2025-12-01",
                "histDataEnd": "2026-12-01",
                "updated": "2026-12-02T02:03:38.934Z",
            },
        ),
        invalid_parameters((p.MARKET_DATA_TICKER,)),
        *KEY_REPLIES,
        _NO_SUMMARY,
    ),
    tags=_TAGS,
)

DELETE_QUOTE_SUMMARY: Final = Operation(
    "DELETE",
    "/quote-summary/{ticker}",
    "deleteQuoteSummary",
    "Delete a ticker's quote summary, or with a body the history in a window",
    MARKET_DATA_API_FUNCTION,
    parameters=(p.MARKET_DATA_TICKER,),
    request_body=HistoryWindow,
    request_body_required=False,
    request_example=_WINDOW_EXAMPLE,
    description="Without a body the summary goes (the history is kept); with `{from, to}` the history in that window.",
    replies=(
        Reply(200, "What was deleted.", SummaryDeletion, {"ticker": "AAPL", "deletedSummary": True}),
        _BAD_BODY,
        *KEY_REPLIES,
        _NO_SUMMARY,
    ),
    tags=_TAGS,
)

GET_HISTORY: Final = Operation(
    "GET",
    "/history/{ticker}",
    "getHistory",
    "A ticker's daily bars, oldest first",
    MARKET_DATA_API_FUNCTION,
    parameters=(
        p.MARKET_DATA_TICKER,
        p.described(p.FROM_DAY, "The first day (default: 30 days before `to`)."),
        p.described(p.TO_DAY, "The last day (default: today)."),
    ),
    replies=(
        Reply(
            200,
            "The bars in the window.",
            History,
            {
                "ticker": "AAPL",
                "from": "2026-11-30",
                "to": "2026-11-30",
                "count": 1,
                "bars": [
                    {
                        "date": "2026-11-30",
                        "open": "229.80",
                        "high": "231.00",
                        "low": "228.90",
                        "close": "230.10",
                        "adjClose": "230.10",
                        "volume": 51234000,
                    }
                ],
            },
        ),
        invalid_parameters((p.FROM_DAY,)),
        *KEY_REPLIES,
        not_found("No market data is stored for the ticker.", "market data of ZZZZ not found"),
    ),
    tags=_TAGS,
)

DELETE_HISTORY: Final = Operation(
    "DELETE",
    "/history/{ticker}",
    "deleteHistory",
    "Delete a ticker's history in a window",
    MARKET_DATA_API_FUNCTION,
    parameters=(p.MARKET_DATA_TICKER,),
    request_body=HistoryWindow,
    request_example=_WINDOW_EXAMPLE,
    replies=(
        Reply(200, "The rows deleted.", DeletedHistory, _DELETED_EXAMPLE),
        _BAD_BODY,
        *KEY_REPLIES,
    ),
    tags=_TAGS,
)

DOCUMENT: Final = ApiDocument(
    NAME,
    TITLE,
    "The stored market data: quote summaries and daily history, tickers as Yahoo spells them. Every call but "
    "this document needs the `x-api-key` header.",
    (GET_QUOTE_SUMMARY, DELETE_QUOTE_SUMMARY, GET_HISTORY, DELETE_HISTORY, docs_operation(TITLE)),
)
