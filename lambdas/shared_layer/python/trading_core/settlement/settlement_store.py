"""Trades written once to TradesStore, each with its live order marked FILLED (`SettlementStore`).

The order item is the arbiter (docs/architecture.md §2 "Order lifecycle"): a trade settles only with
its order's move `Status IN (ACCEPTED, OPEN)` → FILLED in the same transaction, so a cancel, an
expiry or a routing failure that ended the order first makes the fill void, and of two fills of one
order only the first settles.

The same update writes what the fill was on the ORDER item (`FILL_ATTRIBUTES`: its trade id, price,
fee and trade date), so a parent order's average price, notional and fees are read from its
children's items, with no read of the trades.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from trading_core.common import keys
from trading_core.common.dynamodb import MAX_TRANSACTION_ITEMS, TransactionCancelled, chunked, transact_write
from trading_core.contracts import RESTING_TICKER_ATTRIBUTE
from trading_core.model.child_order import ACCEPTED, FILL_DATE, FILL_FEE, FILL_PRICE, FILLED, OPEN, TRADE_ID
from trading_core.model.trade import Trade
from trading_core.settlement.post_trade import Inserted, SettlementError, VoidFill

# A trade is two items (its Put and its order's Update) of a 100-item transaction.
TRADES_PER_TRANSACTION: Final = MAX_TRANSACTION_ITEMS // 2
# Cancellations that teach nothing (conflicts, throttling) are retried at once this many times.
MAX_BLIND_ATTEMPTS: Final = 3


class DynamoDBSettlementStore:
    """Writes trades with conditional puts in transactions of 50 trades (two items each); what a
    cancellation reports (ALL_OLD images of trades already there, orders not found or no longer
    live) is kept and the rest retried, so one duplicate or void fill never blocks the others."""

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
        # Trades whose order update is left out: no order item, or an order this very trade filled
        # (a redelivery: the trade's own Put then reports the stored trade).
        no_order_update: set[str] = set()
        blind_attempts = 0
        while pending:
            actions = [
                (trade, part)
                for trade in pending
                for part in ("trade", "order")
                if part == "trade" or trade.trade_id not in no_order_update
            ]
            try:
                transact_write(self._client, [self._request(trade, part) for trade, part in actions])
                return
            except TransactionCancelled as cancelled:
                learned = False
                for (trade, part), reason in zip(actions, cancelled.reasons, strict=True):
                    if not reason.condition_failed:
                        continue
                    learned = True
                    if part == "trade":
                        if reason.item is None:
                            raise SettlementError(
                                f"trade {trade.trade_id} exists but its image was not returned"
                            ) from None
                        inserted.existing[trade.trade_id] = Trade.from_item(reason.item)
                    else:
                        self._learn_order(trade, reason.item, inserted, no_order_update)
                pending = [
                    trade
                    for trade in pending
                    if trade.trade_id not in inserted.existing and trade.trade_id not in inserted.void
                ]
                if not learned:
                    blind_attempts += 1
                    if blind_attempts >= MAX_BLIND_ATTEMPTS:
                        raise SettlementError(f"settlement transaction cancelled: {cancelled}") from cancelled

    @staticmethod
    def _learn_order(trade: Trade, order: dict[str, Any] | None, inserted: Inserted, no_update: set[str]) -> None:
        if order is None:
            inserted.orders_missing.add(trade.order_id)
            no_update.add(trade.trade_id)
        elif order.get("Status") == FILLED and order.get(TRADE_ID) == trade.trade_id:
            no_update.add(trade.trade_id)
        else:
            inserted.void[trade.trade_id] = VoidFill(trade=trade, status=str(order.get("Status")))

    def _request(self, trade: Trade, part: str) -> dict[str, Any]:
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
        }
