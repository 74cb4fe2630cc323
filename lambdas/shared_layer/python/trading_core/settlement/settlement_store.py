"""Trades written once to TradesStore, each with its order marked FILLED (`SettlementStore`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from trading_core.common import keys
from trading_core.common.dynamodb import MAX_TRANSACTION_ITEMS, TransactionCancelled, chunked, transact_write
from trading_core.model.child_order import FILLED, REJECTED
from trading_core.model.trade import Trade
from trading_core.settlement.post_trade import Inserted, SettlementError

# A trade is two items (its Put and its order's Update) of a 100-item transaction.
TRADES_PER_TRANSACTION: Final = MAX_TRANSACTION_ITEMS // 2
# Cancellations that teach nothing (conflicts, throttling) are retried at once this many times.
MAX_BLIND_ATTEMPTS: Final = 3


class DynamoDBSettlementStore:
    """Writes trades with conditional puts in transactions of 50 trades (two items each); what a
    cancellation reports (ALL_OLD images of trades already there, orders not found) is kept and
    the rest retried, so one duplicate never blocks the others."""

    def __init__(self, table: Any) -> None:
        self._table_name = table.name
        self._client = table.meta.client

    def insert(self, trades: Sequence[Trade]) -> Inserted:
        inserted = Inserted()
        for chunk in chunked(trades, TRADES_PER_TRANSACTION):
            self._insert(chunk, inserted)
        return inserted

    def _insert(self, trades: Sequence[Trade], inserted: Inserted) -> None:
        pending = list(trades)
        blind_attempts = 0
        while pending:
            pending = [inserted.released.get(trade.trade_id, trade) for trade in pending]
            actions = [
                (trade, part)
                for trade in pending
                for part in ("trade", "order")
                if part == "trade" or trade.order_id not in inserted.orders_missing
            ]
            try:
                transact_write(self._client, [self._request(trade, part, inserted) for trade, part in actions])
                return
            except TransactionCancelled as cancelled:
                learned = False
                for (trade, part), reason in zip(actions, cancelled.reasons, strict=True):
                    if not reason.condition_failed:
                        continue
                    learned = True
                    if part == "order":
                        self._learn_order(trade, reason.item, inserted)
                    elif reason.item is None:
                        raise SettlementError(f"trade {trade.trade_id} exists but its image was not returned") from None
                    else:
                        inserted.existing[trade.trade_id] = Trade.from_item(reason.item)
                pending = [trade for trade in pending if trade.trade_id not in inserted.existing]
                if not learned:
                    blind_attempts += 1
                    if blind_attempts >= MAX_BLIND_ATTEMPTS:
                        raise SettlementError(f"settlement transaction cancelled: {cancelled}") from cancelled

    @staticmethod
    def _learn_order(trade: Trade, order: dict[str, Any] | None, inserted: Inserted) -> None:
        if order is None:
            inserted.orders_missing.add(trade.order_id)
        elif order.get("Status") == REJECTED:
            inserted.released[trade.trade_id] = dataclasses.replace(trade, reserved_amount=Decimal(0))
        else:
            raise SettlementError(f"order {trade.order_id} is {order.get('Status')}, not fillable")

    def _request(self, trade: Trade, part: str, inserted: Inserted) -> dict[str, Any]:
        if part == "trade":
            return {
                "Put": {
                    "TableName": self._table_name,
                    "Item": trade.to_item(),
                    "ConditionExpression": "attribute_not_exists(PK)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        return {
            "Update": {
                "TableName": self._table_name,
                "Key": keys.order_key(trade.order_id),
                "UpdateExpression": "SET #status = :filled, #tradeId = :tradeId, #updated = :updated",
                "ConditionExpression": (
                    "#status = :rejected"
                    if trade.trade_id in inserted.released
                    else "attribute_exists(PK) AND #status <> :rejected"
                ),
                "ExpressionAttributeNames": {"#status": "Status", "#tradeId": "TradeId", "#updated": "Updated"},
                "ExpressionAttributeValues": {
                    ":filled": FILLED,
                    ":rejected": REJECTED,
                    ":tradeId": trade.trade_id,
                    ":updated": trade.settlement_date,
                },
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
