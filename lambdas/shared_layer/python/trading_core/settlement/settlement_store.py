"""Trades written once to TradesStore, each after its live order is marked FILLED (`SettlementStore`).

The order item is the arbiter (docs/architecture.md §2 "Order lifecycle"), and one conditional write
on it decides: the order's move `Status IN (ACCEPTED, OPEN)` → FILLED, which carries the fill (its
trade id, price, fee and date: `FILL_ATTRIBUTES`). A cancel, an expiry or a routing failure that ended
the order first makes that condition false and the fill void; of two fills of one order only the first
moves it. Only then is the trade item put, on condition that it is not there yet. The two writes are
single-item writes (one unit each) rather than one transaction (two units per item): should the put
not happen (the function failed between them), the redelivery finds the order FILLED by this very
trade and puts the trade then, so a decided fill is always stored, and stored once.

A parent order's average price, notional and fees are read from its children's items, with no read of
the trades.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from trading_core.common import keys
from trading_core.common.dynamodb import conditional_write
from trading_core.contracts import RESTING_TICKER_ATTRIBUTE
from trading_core.model.child_order import ACCEPTED, FILL_DATE, FILL_FEE, FILL_PRICE, FILLED, OPEN, TRADE_ID
from trading_core.model.trade import Trade
from trading_core.settlement.post_trade import Inserted, SettlementError, VoidFill


class DynamoDBSettlementStore:
    """Per trade, the order's conditional move to FILLED, then the trade's conditional put; what a
    failed condition returns (ALL_OLD: the order no longer live, the trade already stored) is kept, so
    one duplicate or void fill never blocks the others."""

    def __init__(self, table: Any) -> None:
        self._table_name = table.name
        self._client = table.meta.client

    def insert(self, trades: Sequence[Trade]) -> Inserted:
        inserted = Inserted()
        for trade in trades:
            if self._decide(trade, inserted):
                self._put(trade, inserted)
        return inserted

    def _decide(self, trade: Trade, inserted: Inserted) -> bool:
        """True when the trade is to be stored: this update filled its order, an earlier delivery of this
        trade did, or the order does not exist (a fill at the venue is never lost)."""
        order = self._write(self._client.update_item, self._fill_order(trade))
        if order is None:
            return True
        if not order:
            inserted.orders_missing.add(trade.order_id)
            return True
        if order.get("Status") == FILLED and order.get(TRADE_ID) == trade.trade_id:
            return True
        inserted.void[trade.trade_id] = VoidFill(trade=trade, status=str(order.get("Status")))
        return False

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

    def _fill_order(self, trade: Trade) -> dict[str, Any]:
        return {
            "TableName": self._table_name,
            "Key": keys.order_key(trade.order_id),
            "UpdateExpression": (
                "SET #status = :filled, #tradeId = :tradeId, #fillPrice = :fillPrice, #fillFee = :fillFee,"
                " #fillDate = :fillDate, #updated = :updated REMOVE #resting"
            ),
            "ConditionExpression": "#status IN (:accepted, :open)",
            "ExpressionAttributeNames": {
                "#status": "Status",
                "#tradeId": TRADE_ID,
                "#fillPrice": FILL_PRICE,
                "#fillFee": FILL_FEE,
                "#fillDate": FILL_DATE,
                "#updated": "Updated",
                "#resting": RESTING_TICKER_ATTRIBUTE,
            },
            "ExpressionAttributeValues": {
                ":filled": FILLED,
                ":accepted": ACCEPTED,
                ":open": OPEN,
                ":tradeId": trade.trade_id,
                ":fillPrice": trade.price,
                ":fillFee": trade.fee,
                ":fillDate": trade.trade_date,
                ":updated": trade.settlement_date,
            },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
