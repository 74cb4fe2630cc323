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
    keys per call), eventually consistent (half the read units): a stored trade never changes, so a lagging read
    can only miss one stored a moment ago, and a trade it misses is looked for again with a consistent read."""

    def __init__(self, table: Any) -> None:
        self._table_name = table.name
        self._client = table.meta.client

    def find(self, trades: Sequence[Trade]) -> dict[str, Trade]:
        by_trade = {trade.trade_id: order_trades_key(trade) for trade in trades}
        unique_keys = {keys.place(key): key for key in by_trade.values()}
        found = self._found(list(unique_keys.values()), set(by_trade), consistent=False)
        if missed := {keys.place(key) for trade_id, key in by_trade.items() if trade_id not in found}:
            found.update(self._found([unique_keys[place] for place in missed], set(by_trade), consistent=True))
        return found

    def _found(self, item_keys: list[dict[str, str]], wanted: set[str], *, consistent: bool) -> dict[str, Trade]:
        items = batch_get(self._client, self._table_name, item_keys, consistent=consistent)
        return {trade.trade_id: trade for item in items for trade in trades_of(item) if trade.trade_id in wanted}
