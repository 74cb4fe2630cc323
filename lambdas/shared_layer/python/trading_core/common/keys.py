"""Key layout of the TradesStore table (docs/contracts.md, docs/architecture.md §4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from trading_core.contracts import PARTITION_KEY, SORT_KEY, TRADE_SORT_KEY_PREFIX

PK: Final = PARTITION_KEY
SK: Final = SORT_KEY
TRADE_PREFIX: Final = TRADE_SORT_KEY_PREFIX
CUSTOMER_PREFIX: Final = "CUST#"


def place(item: Mapping[str, Any]) -> tuple[str, str]:
    """An item's (or a key's) place in the table: its partition and sort key, to index items read by key."""
    return str(item[PK]), str(item[SK])


def customer_key(customer_id: str) -> dict[str, str]:
    return {PK: f"{CUSTOMER_PREFIX}{customer_id}", SK: f"{CUSTOMER_PREFIX}{customer_id}"}


def order_trades_key(customer_id: str, trade_day: str, order_date: str, parent_order_id: str) -> dict[str, str]:
    """The item of a parent order's trades on a day (`model.order_trades`): a day's come in the order the
    orders were placed."""
    return {PK: f"CUST#{customer_id}", SK: f"{TRADE_PREFIX}{trade_day}#{order_date}#{parent_order_id}"}


def order_trades_parent(sort_key: str) -> str:
    """The parent order id in an order's trades sort key (`TRADE#<day>#<orderDate>#<parentOrderId>`)."""
    return sort_key.rsplit("#", 1)[1]


def trades_partition(customer_id: str) -> str:
    return f"CUST#{customer_id}"


def position_key(customer_id: str, ticker: str) -> dict[str, str]:
    return {PK: f"CUST#{customer_id}", SK: f"TICKER#{ticker}"}


def ticker_day_share_key(ticker: str, day: str, customer_id: str) -> dict[str, str]:
    """One customer's share of a ticker-day: the day's statistics are the sum of the `<day>` items of the
    ticker's partition (an item `<day>` alone, written before shares, counts as one of them)."""
    return {PK: f"TICKER#{ticker}", SK: f"{day}#{customer_id}"}


def ticker_partition(ticker: str) -> str:
    return f"TICKER#{ticker}"


def order_key(order_id: str) -> dict[str, str]:
    return {PK: f"ORDER#{order_id}", SK: f"ORDER#{order_id}"}


def top_up_key(order_id: str) -> dict[str, str]:
    return {PK: f"ORDER#{order_id}", SK: "TOPUP"}
