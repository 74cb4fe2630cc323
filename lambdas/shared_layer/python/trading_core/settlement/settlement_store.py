"""Trades written once to TradesStore, each after its live order is marked FILLED (`SettlementStore`).

The ORDER item is the arbiter (docs/architecture.md §2 "Order lifecycle"), and one conditional write
on it decides: per parent order of the delivery, the item (read with the others of the delivery, one
BatchGetItem) is put again with each of the delivered children that is still ACCEPTED or OPEN moved to
FILLED, carrying its fill (price, fee, date and, as its `Updated`, the settlement date), on condition of
the version read (`model.order_item`). A cancel, an expiry or a routing failure that ended a child first
leaves it no longer live, and its fill is void; of two fills of one child only the first moves it; a
writer that changed the item between the read and the put makes the put fail, and the item is read again.

Only then are the trades stored, 25 per BatchWriteItem. A decided trade's item is what its child's
entry says (the fill and its settlement date, the delivery the venue and the ticket), so every delivery
of it writes the very same item: a delivery that failed before storing (the function died between the
writes) is repaired by its redelivery, which finds the child FILLED by this trade (a child's trade id is
derived from its id), reads whether the trade is stored (one BatchGetItem) and stores it if not. A trade
without an order item (hand-made, as in tests) is put on condition that it is not there yet.

A parent order's average price, notional and fees are read from its children's fills, with no read of
the trades.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from trading_core.common import keys
from trading_core.common.dynamodb import batch_get, batch_write, conditional_write
from trading_core.common.ids import child_number, parent_order_id_of, trade_id_for
from trading_core.model.child_order import FILL_DATE, FILL_FEE, FILL_PRICE, FILLED, LIVE_STATUSES
from trading_core.model.order_item import (
    MAX_VERSION_ATTEMPTS,
    children_of,
    item_key,
    version_of,
    versioned_put,
    with_children,
)
from trading_core.model.trade import Trade
from trading_core.settlement.post_trade import Inserted, SettlementError, VoidFill


@dataclasses.dataclass(frozen=True)
class _Decided:
    """A trade whose child is FILLED by it: as its item is to be stored, and whether this delivery filled it."""

    trade: Trade
    fresh: bool


class DynamoDBSettlementStore:
    """The delivery's ORDER items decide, then the decided trades are stored; what a decision finds (the
    child no longer live, filled by an earlier delivery) is kept, so one duplicate or void fill never blocks
    the others."""

    def __init__(self, table: Any) -> None:
        self._table_name = table.name
        self._client = table.meta.client

    def insert(self, trades: Sequence[Trade]) -> Inserted:
        inserted = Inserted()
        by_parent: dict[str, list[Trade]] = {}
        for trade in trades:
            by_parent.setdefault(parent_order_id_of(trade.order_id), []).append(trade)
        stored = self._read_many([item_key(parent_id) for parent_id in by_parent])
        decided: list[_Decided] = []
        unordered: list[Trade] = []
        for parent_id, fills in by_parent.items():
            item = stored.get(item_key(parent_id)[keys.PK])
            found, missing = self._decide(parent_id, fills, item, inserted)
            decided += found
            unordered += missing
        self._store(decided, inserted)
        for trade in unordered:
            self._put_once(trade, inserted)
        return inserted

    def _decide(
        self, parent_id: str, trades: list[Trade], item: dict[str, Any] | None, inserted: Inserted
    ) -> tuple[list[_Decided], list[Trade]]:
        """The trades whose child this put filled or an earlier delivery did, and those whose order does not
        exist (a fill at the venue is never lost); the others are void."""
        for _ in range(MAX_VERSION_ATTEMPTS):
            children = children_of(item or {})
            decided: list[_Decided] = []
            missing: list[Trade] = []
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
                        decided.append(_Decided(_as_filled(trade, entry, item or {}), fresh=False))
                else:
                    inserted.void[trade.trade_id] = VoidFill(trade=trade, status=str(entry["Status"]))
            if not fills:
                inserted.orders_missing.update(trade.order_id for trade in missing)
                return decided, missing
            assert item is not None
            settled_at = max(str(fill["Updated"]) for fill in fills.values())
            put = versioned_put(self._table_name, with_children(item, fills, settled_at), version_of(item))
            if self._write(self._client.put_item, put) is None:
                inserted.orders_missing.update(trade.order_id for trade in missing)
                return decided, missing
            for trade in trades:
                inserted.void.pop(trade.trade_id, None)
            item = self._read(parent_id)
        raise SettlementError(f"order {parent_id} kept changing while its fills were settled")

    def _store(self, decided: Sequence[_Decided], inserted: Inserted) -> None:
        """Puts the decided trades not stored yet: the fresh ones, and those an earlier delivery decided but
        may not have stored (read first: one consistent BatchGetItem)."""
        earlier = [entry.trade for entry in decided if not entry.fresh]
        if earlier:
            found = self._read_many([keys.trade_key(t.customer_id, t.trade_day, t.trade_id) for t in earlier], by="SK")
            for trade in earlier:
                item = found.get(trade.to_item()[keys.SK])
                if item is not None:
                    inserted.existing[trade.trade_id] = Trade.from_item(item)
        to_put = [entry.trade for entry in decided if entry.trade.trade_id not in inserted.existing]
        inserted.recorded.update(
            {trade.trade_id: trade for trade in earlier if trade.trade_id not in inserted.existing}
        )
        try:
            batch_write(self._client, self._table_name, [{"PutRequest": {"Item": trade.to_item()}} for trade in to_put])
        except (ClientError, BotoCoreError, RuntimeError) as error:
            raise SettlementError(f"settlement write failed: {error}") from error

    def _read(self, parent_id: str) -> dict[str, Any] | None:
        try:
            item: dict[str, Any] | None = self._client.get_item(
                TableName=self._table_name, Key=item_key(parent_id), ConsistentRead=True
            ).get("Item")
        except (ClientError, BotoCoreError) as error:
            raise SettlementError(f"settlement read failed: {error}") from error
        return item

    def _read_many(self, item_keys: Sequence[dict[str, str]], by: str = keys.PK) -> dict[str, dict[str, Any]]:
        try:
            return {str(item[by]): item for item in batch_get(self._client, self._table_name, item_keys)}
        except (ClientError, BotoCoreError, RuntimeError) as error:
            raise SettlementError(f"settlement read failed: {error}") from error

    def _put_once(self, trade: Trade, inserted: Inserted) -> None:
        stored = self._write(
            self._client.put_item,
            {
                "TableName": self._table_name,
                "Item": trade.to_item(),
                "ConditionExpression": "attribute_not_exists(PK)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
        )
        if stored is not None:
            if not stored:
                raise SettlementError(f"trade {trade.trade_id} exists but its image was not returned")
            inserted.existing[trade.trade_id] = Trade.from_item(stored)

    @staticmethod
    def _write(call: Any, request: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return conditional_write(call, request)
        except (ClientError, BotoCoreError) as error:
            raise SettlementError(f"settlement write failed: {error}") from error


def _as_filled(trade: Trade, entry: Mapping[str, Any], item: Mapping[str, Any]) -> Trade:
    """The trade as its child's entry recorded the fill: its price, fee, date and settlement date."""
    return dataclasses.replace(
        trade,
        price=entry.get(FILL_PRICE, trade.price),
        fee=entry.get(FILL_FEE, trade.fee),
        trade_date=str(entry.get(FILL_DATE) or item.get("PricedAt") or trade.trade_date),
        settlement_date=str(entry.get("Updated") or trade.settlement_date),
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
