"""Trades in TradesStore for tests: written and read back as the system keeps them, one item per parent order
and day (`trading_core.model.order_trades`), so tests assert on trades one by one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from trading_core.common import keys
from trading_core.model.order_trades import merged, order_trades_item, order_trades_key, trades_of
from trading_core.model.trade import Trade


def trade_item(trade: Trade) -> dict[str, Any]:
    """The item of a parent order's trades on a day holding `trade` alone."""
    return order_trades_item([trade], 1)


def trades_items(trades: Sequence[Trade]) -> list[dict[str, Any]]:
    """The items that hold `trades`, those of one parent order on one day together."""
    items: dict[tuple[str, str], dict[str, Any]] = {}
    for trade in trades:
        key = order_trades_key(trade)
        place = (key[keys.PK], key[keys.SK])
        updated, _ = merged(items.get(place), [trade])
        if updated is not None:
            items[place] = updated
    return list(items.values())


def put_trades(table: Any, trades: Sequence[Trade]) -> None:
    with table.batch_writer() as batch:
        for item in trades_items(trades):
            batch.put_item(Item=item)


def is_trades_item(item: Mapping[str, Any]) -> bool:
    return str(item[keys.SK]).startswith(keys.TRADE_PREFIX)


def stored_trades(items: Iterable[Mapping[str, Any]]) -> list[Trade]:
    """Every trade held by the trades items among `items` (a scan or query of TradesStore)."""
    return [trade for item in items if is_trades_item(item) for trade in trades_of(item)]


def stored_trade(table: Any, trade: Trade) -> Trade | None:
    """`trade` as stored (consistent read of its item), or None."""
    item = table.get_item(Key=order_trades_key(trade), ConsistentRead=True).get("Item")
    found = [] if item is None else [held for held in trades_of(item) if held.trade_id == trade.trade_id]
    return found[0] if found else None


def replace_trade(table: Any, trade: Trade, replacement: Trade | None) -> None:
    """Rewrites `trade`'s item with `replacement` in its place (None: without it; the item goes with its last
    trade), as a fault or an operator's mistake would leave it."""
    key = order_trades_key(trade)
    item = table.get_item(Key=key, ConsistentRead=True)["Item"]
    kept = [held for held in trades_of(item) if held.trade_id != trade.trade_id]
    kept += [] if replacement is None else [replacement]
    if kept:
        table.put_item(Item=order_trades_item(kept, int(item["Version"]) + 1))
    else:
        table.delete_item(Key=key)
