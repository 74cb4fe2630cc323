"""The trades of one parent order on one day: one TradesStore item (docs/architecture.md §4).

A trade is the fill of one child order, and the children of a parent are filled together, mostly in one
delivery at one price. Kept as one item per trade, they repeat the parent's terms in every item and each
costs a write unit; kept together, a parent of five children is written in one unit. The item is
`TRADE#<day>#<orderDate>#<parentOrderId>` in the customer's partition, so a day's trades sort by the time
their orders were placed. It holds the attributes its trades share once (`Trade`'s own attributes,
PascalCase) and `Trades`, one entry per child by the last two hex digits of its order id, with what the
trade does not share. A trade's order id is the parent's with those digits in its last byte, and its trade id
is derived from the order id (`common.ids.trade_id_for`); an entry keeps `TradeId` only when it is not.

The key follows from any trade (its customer, day, order date and order id), so a trade has one place and
every writer finds it. Writers merge: they read the item, add the trades it lacks and put it back on
condition of the `Version` read (`merged`). An item without `Trades` is a trade stored alone, as before this
layout."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from trading_core.common import keys
from trading_core.common.ids import CHILD_NUMBER_DIGITS, parent_order_id_of, trade_id_for
from trading_core.contracts import ORDER_ID_ATTRIBUTE
from trading_core.model.items import wire_to_item
from trading_core.model.order_item import VERSION
from trading_core.model.trade import Trade

TRADES: Final = "Trades"
TRADE_ID: Final = "TradeId"
_ITEM_ATTRIBUTES: Final = frozenset({keys.PK, keys.SK, TRADES, VERSION})


def order_trades_key(trade: Trade) -> dict[str, str]:
    """The key of the item that holds `trade`: its customer's partition, its day and its parent order."""
    return keys.order_trades_key(
        trade.customer_id, trade.trade_day, trade.order_date, parent_order_id_of(trade.order_id)
    )


def slot_of(trade: Trade) -> str:
    """The trade's entry in its item: its order id's last two hex digits."""
    return trade.order_id[-CHILD_NUMBER_DIGITS:]


def trade_attributes(trade: Trade) -> dict[str, Any]:
    """The trade's attributes, as an item of its own had them (PascalCase, no key): `item_to_wire` of them is
    the trade as the data API answers it."""
    return wire_to_item(trade.to_wire())


def _attributes(trade: Trade) -> dict[str, Any]:
    """The trade's attributes less what its place in the item gives."""
    attributes = trade_attributes(trade)
    del attributes[ORDER_ID_ATTRIBUTE]
    if attributes[TRADE_ID] == trade_id_for(trade.order_id):
        del attributes[TRADE_ID]
    return attributes


def order_trades_item(trades: Sequence[Trade], version: int) -> dict[str, Any]:
    """The item of `trades` (one parent order's on one day, distinct children), at `version`."""
    if not trades:
        raise ValueError("an order's trades item holds at least one trade")
    rows = {slot_of(trade): _attributes(trade) for trade in trades}
    if len(rows) != len(trades) or len({_place(trade) for trade in trades}) != 1:
        raise ValueError("the trades are not one parent order's on one day, once each")
    names = set.intersection(*(set(row) for row in rows.values()))
    first = next(iter(rows.values()))
    shared = {name: first[name] for name in sorted(names) if all(row[name] == first[name] for row in rows.values())}
    return {
        **order_trades_key(trades[0]),
        **shared,
        TRADES: {slot: {n: v for n, v in row.items() if n not in shared} for slot, row in sorted(rows.items())},
        VERSION: version,
    }


def _place(trade: Trade) -> tuple[str, str]:
    key = order_trades_key(trade)
    return key[keys.PK], key[keys.SK]


def trades_of(item: Mapping[str, Any]) -> list[Trade]:
    """The item's trades in child order; an item without `Trades` is one trade stored alone."""
    if TRADES not in item:
        return [Trade.from_item(dict(item))]
    shared = {name: value for name, value in item.items() if name not in _ITEM_ATTRIBUTES}
    parent_id = keys.order_trades_parent(str(item[keys.SK]))
    out = []
    for slot, row in sorted(item[TRADES].items()):
        order_id = f"{parent_id[:-CHILD_NUMBER_DIGITS]}{slot}"
        attributes = {**shared, **row, ORDER_ID_ATTRIBUTE: order_id}
        attributes.setdefault(TRADE_ID, trade_id_for(order_id))
        out.append(Trade.from_item(attributes))
    return out


def version_of(item: Mapping[str, Any] | None) -> int | None:
    """The version a put of the item is conditioned on, None for no item."""
    return None if item is None else int(item[VERSION])


def merged(item: Mapping[str, Any] | None, trades: Iterable[Trade]) -> tuple[dict[str, Any] | None, list[Trade]]:
    """The item with `trades` it lacks added, one version on (None when it lacks none), and the trades it
    already held of those, as stored."""
    stored = {} if item is None else {trade.trade_id: trade for trade in trades_of(item)}
    held = []
    added: dict[str, Trade] = {}
    for trade in trades:
        if trade.trade_id in stored:
            held.append(stored[trade.trade_id])
        else:
            added.setdefault(trade.trade_id, trade)
    if not added:
        return None, held
    version = version_of(item)
    return order_trades_item([*stored.values(), *added.values()], (version or 0) + 1), held
