"""The aggregator's store over a dict: the single-item conditional writes `DynamoDBAggregateWriter` asks
DynamoDB for (the mark read, a position's version, a customer that exists with funds), shared by the unit tests."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from trading_core.aggregation.aggregator import AGGREGATED_SEQUENCE, KeyUpdate
from trading_core.common import keys
from trading_core.model.trade import Trade
from trading_core.model.trade_stream import StreamTrade

Items = dict[tuple[str, str], dict[str, Any]]


def _key(key: dict[str, str]) -> tuple[str, str]:
    return (key[keys.PK], key[keys.SK])


def fails(update: KeyUpdate, item: dict[str, Any] | None) -> bool:
    """Whether the write's condition is false on `item` (None: there is none)."""
    mark = None if item is None else item.get(AGGREGATED_SEQUENCE)
    if mark != update.read_sequence:
        return True
    if update.customer_id is not None and (item is None or "AvailableFunds" not in item):
        return True
    if update.versioned and (None if item is None else item.get("Version")) != update.expected_version:
        return True
    return update.legacy and item is not None and "AvailableQuantity" in item


def write_aggregate(items: Items, update: KeyUpdate, now: str) -> dict[str, Any] | None:
    """None when written; else a copy of the item its failed condition found ({} when there is none)."""
    found = items.get(_key(update.key))
    if fails(update, found):
        return copy.deepcopy(found) if found is not None else {}
    item = items.setdefault(_key(update.key), dict(update.key))
    for name, value in update.add.items():
        item[name] = item.get(name, 0) + value
    item.update(update.set)
    item[AGGREGATED_SEQUENCE] = update.sequence
    item["Updated"] = now
    return None


def read_items(items: Items, keys_: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    """Copies of the items that exist, as a consistent BatchGetItem returns them."""
    return [copy.deepcopy(items[_key(key)]) for key in keys_ if _key(key) in items]


def in_stream(trades: Sequence[Trade], first: int = 1) -> list[StreamTrade]:
    """The trades as stream records, with increasing sequence numbers from `first`."""
    return [StreamTrade(str(first + n), trade) for n, trade in enumerate(trades)]
