"""The stored side of a reconciliation: a settled batch's trades as TradesStore holds them (`StoredTrades`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trading_core.common import keys
from trading_core.common.dynamodb import batch_get
from trading_core.model.order_trades import order_trades_key, trades_of
from trading_core.model.trade import Trade


class DynamoDBStoredTrades:
    """Reads the trades' items (their orders' trades of the day, `model.order_trades`) with BatchGetItem (100
    keys per call, consistent reads)."""

    def __init__(self, table: Any) -> None:
        self._table_name = table.name
        self._client = table.meta.client

    def find(self, trades: Sequence[Trade]) -> dict[str, Trade]:
        unique_keys = {(key[keys.PK], key[keys.SK]): key for key in map(order_trades_key, trades)}
        items = batch_get(self._client, self._table_name, list(unique_keys.values()))
        wanted = {trade.trade_id for trade in trades}
        found = (trade for item in items for trade in trades_of(item))
        return {trade.trade_id: trade for trade in found if trade.trade_id in wanted}
