"""Trades written once to TradesStore, each after its live order is marked FILLED (`SettlementStore`).

The ORDER item is the arbiter (docs/architecture.md §2 "Order lifecycle"), and one conditional write
on it decides: per parent order of the delivery, the item is read and put again with each of the
delivered children that is still ACCEPTED or OPEN moved to FILLED, carrying its fill (price, fee and
date), on condition of the version read (`model.order_item`). A cancel, an expiry or a routing failure
that ended a child first leaves it no longer live, and its fill is void; of two fills of one child only
the first moves it; a writer that changed the item between the read and the put makes the put fail,
and the item is read again. Only then is each trade item put, on condition that it is not there yet.
These are single-item writes (one unit per KB) rather than one transaction (two units): should a trade's
put not happen (the function failed between them), the redelivery finds its child FILLED (by this very
trade: a child's trade id is derived from its id) and puts the trade then, so a decided fill is always
stored, and stored once.

A parent order's average price, notional and fees are read from its children's fills, with no read of
the trades.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from trading_core.common.dynamodb import conditional_write
from trading_core.common.ids import child_number, parent_order_id_of, trade_id_for
from trading_core.model.child_order import FILL_DATE, FILL_FEE, FILL_PRICE, FILLED, LIVE_STATUSES
from trading_core.model.order_item import children_of, item_key, version_of, versioned_put, with_children
from trading_core.model.trade import Trade
from trading_core.settlement.post_trade import Inserted, SettlementError, VoidFill

MAX_VERSION_ATTEMPTS: Final = 5
"""Reads and puts of one ORDER item before the delivery fails (and is retried), when other writers keep
changing it."""


class DynamoDBSettlementStore:
    """Per trade, the order's conditional move to FILLED, then the trade's conditional put; what a
    failed condition returns (ALL_OLD: the order no longer live, the trade already stored) is kept, so
    one duplicate or void fill never blocks the others."""

    def __init__(self, table: Any) -> None:
        self._table_name = table.name
        self._client = table.meta.client

    def insert(self, trades: Sequence[Trade]) -> Inserted:
        inserted = Inserted()
        by_parent: dict[str, list[Trade]] = {}
        for trade in trades:
            by_parent.setdefault(parent_order_id_of(trade.order_id), []).append(trade)
        for parent_id, fills in by_parent.items():
            for trade in self._decide(parent_id, fills, inserted):
                self._put(trade, inserted)
        return inserted

    def _decide(self, parent_id: str, trades: list[Trade], inserted: Inserted) -> list[Trade]:
        """The trades to store: those whose child this put filled, or an earlier delivery did, or whose order
        does not exist (a fill at the venue is never lost); the others are void."""
        for _ in range(MAX_VERSION_ATTEMPTS):
            item = self._read(parent_id)
            children = children_of(item or {})
            kept: list[Trade] = []
            fills: dict[int, dict[str, Any]] = {}
            for trade in trades:
                number = child_number(trade.order_id)
                entry = children.get(number)
                if entry is None:
                    inserted.orders_missing.add(trade.order_id)
                    kept.append(trade)
                elif entry["Status"] in LIVE_STATUSES and number not in fills:
                    fills[number] = _fill(trade)
                    kept.append(trade)
                elif (entry["Status"] == FILLED or number in fills) and trade.trade_id == trade_id_for(trade.order_id):
                    kept.append(trade)
                else:
                    inserted.void[trade.trade_id] = VoidFill(trade=trade, status=str(entry["Status"]))
            if not fills:
                return kept
            assert item is not None
            settled_at = max(str(fill["Updated"]) for fill in fills.values())
            put = versioned_put(self._table_name, with_children(item, fills, settled_at), version_of(item))
            if self._write(self._client.put_item, put) is None:
                return kept
            for trade in trades:
                inserted.orders_missing.discard(trade.order_id)
                inserted.void.pop(trade.trade_id, None)
        raise SettlementError(f"order {parent_id} kept changing while its fills were settled")

    def _read(self, parent_id: str) -> dict[str, Any] | None:
        try:
            item: dict[str, Any] | None = self._client.get_item(
                TableName=self._table_name, Key=item_key(parent_id), ConsistentRead=True
            ).get("Item")
        except (ClientError, BotoCoreError) as error:
            raise SettlementError(f"settlement read failed: {error}") from error
        return item

    def _put(self, trade: Trade, inserted: Inserted) -> None:
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
