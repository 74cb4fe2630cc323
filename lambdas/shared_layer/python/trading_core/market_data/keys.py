"""Key layout and bookkeeping attributes of the MarketData table (docs/market-data.md "MarketData table").

| item | PK | SK | attributes |
|---|---|---|---|
| summary | `TICKER#<t>` | `SUMMARY#<t>` | the quote; `HistDataStart, HistDataEnd, SummaryUpdated, Updated` |
| daily bar | `TICKER#<t>` | `HIST#<t>#<yyyy-mm-dd>` | `Ticker, Day, Open, High, Low, Close, AdjClose, Volume` |
"""

from __future__ import annotations

from typing import Final

from trading_core.contracts import PARTITION_KEY, SORT_KEY

PK: Final = PARTITION_KEY
SK: Final = SORT_KEY
TICKER_PREFIX: Final = "TICKER#"
SUMMARY_PREFIX: Final = "SUMMARY#"
HIST_PREFIX: Final = "HIST#"

HIST_DATA_START: Final = "HistDataStart"
HIST_DATA_END: Final = "HistDataEnd"
UPDATED: Final = "Updated"
SUMMARY_UPDATED: Final = "SummaryUpdated"


def ticker_partition(ticker: str) -> str:
    return f"{TICKER_PREFIX}{ticker}"


def summary_key(ticker: str) -> dict[str, str]:
    return {PK: ticker_partition(ticker), SK: f"{SUMMARY_PREFIX}{ticker}"}


def history_prefix(ticker: str) -> str:
    return f"{HIST_PREFIX}{ticker}#"


def history_key(ticker: str, day: str) -> dict[str, str]:
    return {PK: ticker_partition(ticker), SK: f"{history_prefix(ticker)}{day}"}
