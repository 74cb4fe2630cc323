"""Trades written once to TradesStore, each after its live order is marked FILLED (`SettlementStore`).

The ORDER item is the arbiter (docs/architecture.md §2 "Order lifecycle"), and one conditional write
on it decides: per parent order of the delivery, the item (read with the others of the delivery, one
BatchGetItem) is put again with each of the delivered children that is still ACCEPTED or OPEN moved to
FILLED, carrying its fill (price, fee, date and, as its `Updated`, the settlement date), on condition of
the version read (`model.order_item`). A cancel, an expiry or a routing failure that ended a child first
leaves it no longer live, and its fill is void; of two fills of one child only the first moves it; a
writer that changed the item between the read and the put makes the put fail, and the item is read again.

Only then are the trades stored: each in its parent order's trades item of its day (`model.order_trades`,
read with the ORDER items), merged in and put back on condition of the item's version, so two deliveries
filling children of one order never write over each other. A decided trade is stored as its child's entry
says (the fill and its settlement date, the delivery the venue and the ticket), so every delivery of it
stores the very same trade: a delivery that failed before storing (the function died between the writes)
is repaired by its redelivery, which finds the child FILLED by this trade (a child's trade id is derived
from its id) and the trade missing from the item, and adds it. A trade the item holds already is settled
as stored. A trade without an order item (hand-made, as in tests) is merged the same way.

A parent order's average price, notional and fees are read from its children's fills, with no read of
the trades.

The delivery's items are read eventually consistent (half the read units): every write is conditional on the
version read, so a read that lags a write only makes the put fail and the item be read again, consistently.
An older ORDER item never shows a child filled that is not (a fill is final), and a child cancelled or expired
stays so. One thing a lagging read can miss is the item itself (an order placed a moment ago): the orders the
read did not find are read again consistently before any is settled without its order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from trading_core.common import keys
from trading_core.common.dynamodb import batch_get, conditional_write
from trading_core.common.ids import child_number, parent_order_id_of, trade_id_for
from trading_core.model.child_order import FILL_DATE, FILL_FEE, FILL_PRICE, FILLED, LIVE_STATUSES
from trading_core.model.order_item import (
    MAX_VERSION_ATTEMPTS,
    child_item,
    children_of,
    item_key,
    settled_by,
    version_of,
    versioned_put,
    with_children,
)
from trading_core.model.order_trades import merged, order_trades_key
from trading_core.model.order_trades import version_of as trades_version
from trading_core.model.trade import Trade
from trading_core.settlement.post_trade import Inserted, SettlementError, VoidFill


@dataclasses.dataclass(frozen=True)
class _Decided:
    """A trade whose child is FILLED by it: as its item is to be stored, and whether this delivery filled it."""

    trade: Trade
    fresh: bool


class DynamoDBSettlementStore:
    """The delivery's ORDER items decide, then the decided trades are merged into their orders' trades items;
    what a decision finds (the child no longer live, filled by an earlier delivery) is kept, so one duplicate
    or void fill never blocks the others."""

    def __init__(self, table: Any) -> None:
        self._table_name = table.name
        self._client = table.meta.client

    def insert(self, trades: Sequence[Trade], delivery: str) -> Inserted:
        inserted = Inserted()
        by_parent: dict[str, list[Trade]] = {}
        for trade in trades:
            by_parent.setdefault(parent_order_id_of(trade.order_id), []).append(trade)
        groups = {keys.place(order_trades_key(trade)) for trade in trades}
        wanted = [item_key(parent_id) for parent_id in by_parent]
        stored = self._read_many(wanted + [_key(g) for g in sorted(groups)], consistent=False)
        if absent := [key for key in wanted if keys.place(key) not in stored]:
            stored.update(self._read_many(absent, consistent=True))
        decided: list[_Decided] = []
        unordered: list[Trade] = []
        for parent_id, fills in by_parent.items():
            item = stored.get(keys.place(item_key(parent_id)))
            found, missing = self._decide(parent_id, fills, item, inserted, delivery)
            decided += found
            unordered += missing
        self._store(decided, unordered, stored, inserted)
        return inserted

    def _decide(
        self, parent_id: str, trades: list[Trade], item: dict[str, Any] | None, inserted: Inserted, delivery: str
    ) -> tuple[list[_Decided], list[Trade]]:
        """The trades whose child this put filled or an earlier delivery did (another delivery's, if its entry
        names another: `inserted.elsewhere`), and those whose order does not exist (a fill at the venue is never
        lost); the others are void."""
        for _ in range(MAX_VERSION_ATTEMPTS):
            children = children_of(item or {})
            decided: list[_Decided] = []
            missing: list[Trade] = []
            elsewhere: set[str] = set()
            fills: dict[int, dict[str, Any]] = {}
            for trade in trades:
                number = child_number(trade.order_id)
                entry = children.get(number)
                if entry is None:
                    missing.append(trade)
                elif entry["Status"] in LIVE_STATUSES and number not in fills:
                    fills[number] = _fill(trade)
                    decided.append(_Decided(trade, fresh=True))
                elif entry["Status"] == FILLED and trade.trade_id == trade_id_for(trade.order_id):
                    if number not in fills:
                        decided.append(_Decided(_as_filled(trade, child_item(item or {}, trade.order_id)), fresh=False))
                        if (settled_by(item or {}, entry) or delivery) != delivery:
                            elsewhere.add(trade.trade_id)
                else:
                    inserted.void[trade.trade_id] = VoidFill(trade=trade, status=str(entry["Status"]))
            if not fills:
                inserted.orders_missing.update(trade.order_id for trade in missing)
                inserted.elsewhere |= elsewhere
                return decided, missing
            assert item is not None
            settled_at = max(str(fill["Updated"]) for fill in fills.values())
            filled = with_children(item, fills, settled_at, settled_by=delivery)
            put = versioned_put(self._table_name, filled, version_of(item))
            if self._write(put) is None:
                inserted.orders_missing.update(trade.order_id for trade in missing)
                inserted.elsewhere |= elsewhere
                return decided, missing
            for trade in trades:
                inserted.void.pop(trade.trade_id, None)
            item = self._read(item_key(parent_id))
        raise SettlementError(f"order {parent_id} kept changing while its fills were settled")

    def _store(
        self,
        decided: Sequence[_Decided],
        unordered: Sequence[Trade],
        stored: Mapping[tuple[str, str], dict[str, Any]],
        inserted: Inserted,
    ) -> None:
        """Adds each trade to its order's trades item unless the item holds it already (then it is settled as
        stored). A trade an earlier delivery decided is stored as that delivery decided it."""
        earlier = {entry.trade.trade_id for entry in decided if not entry.fresh}
        by_group: dict[tuple[str, str], list[Trade]] = {}
        for trade in [entry.trade for entry in decided] + list(unordered):
            by_group.setdefault(keys.place(order_trades_key(trade)), []).append(trade)
        for group, trades in by_group.items():
            item = stored.get(group)
            for _ in range(MAX_VERSION_ATTEMPTS):
                updated, held = merged(item, trades)
                if (
                    updated is None
                    or self._write(versioned_put(self._table_name, updated, trades_version(item))) is None
                ):
                    break
                item = self._read(_key(group))
            else:
                raise SettlementError(f"the trades of {group[1]} kept changing while they were stored")
            inserted.existing.update({trade.trade_id: trade for trade in held})
            inserted.recorded.update(
                {
                    trade.trade_id: trade
                    for trade in trades
                    if trade.trade_id in earlier and trade.trade_id not in inserted.existing
                }
            )

    def _read(self, key: dict[str, str]) -> dict[str, Any] | None:
        try:
            item: dict[str, Any] | None = self._client.get_item(
                TableName=self._table_name, Key=key, ConsistentRead=True
            ).get("Item")
        except (ClientError, BotoCoreError) as error:
            raise SettlementError(f"settlement read failed: {error}") from error
        return item

    def _read_many(
        self, item_keys: Sequence[dict[str, str]], *, consistent: bool
    ) -> dict[tuple[str, str], dict[str, Any]]:
        try:
            items = batch_get(self._client, self._table_name, item_keys, consistent=consistent)
            return {keys.place(item): item for item in items}
        except (ClientError, BotoCoreError, RuntimeError) as error:
            raise SettlementError(f"settlement read failed: {error}") from error

    def _write(self, request: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return conditional_write(self._client.put_item, request)
        except (ClientError, BotoCoreError) as error:
            raise SettlementError(f"settlement write failed: {error}") from error


def _key(place: tuple[str, str]) -> dict[str, str]:
    return {keys.PK: place[0], keys.SK: place[1]}


def _as_filled(trade: Trade, child: Mapping[str, Any] | None) -> Trade:
    """The trade as its child's entry recorded the fill (`model.order_item.child_items`): its price, fee, date
    and settlement date."""
    child = child or {}
    return dataclasses.replace(
        trade,
        price=child.get(FILL_PRICE, trade.price),
        fee=child.get(FILL_FEE, trade.fee),
        trade_date=str(child.get(FILL_DATE) or trade.trade_date),
        settlement_date=str(child.get("Updated") or trade.settlement_date),
    )


def _fill(trade: Trade) -> dict[str, Any]:
    """What a fill sets on its child's entry: FILLED, the trade's price, fee and date, no reason."""
    return {
        "Status": FILLED,
        FILL_PRICE: trade.price,
        FILL_FEE: trade.fee,
        FILL_DATE: trade.trade_date,
        "Updated": trade.settlement_date,
        "StatusReason": None,
    }
