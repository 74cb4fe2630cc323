"""The data API's reads of TradesStore: customers, trades by day, ticker-days, orders, positions and
ledger entries.

Items go out camelCase with money as 2-decimal strings (`model.items.item_to_wire`).
"""

from __future__ import annotations

from typing import Any, Final

from boto3.dynamodb.conditions import Key

from trading_core.common import keys
from trading_core.common.dynamodb import batch_get
from trading_core.customers import record
from trading_core.customers.ledger import LEDGER_PREFIX
from trading_core.model.child_order import PARENT_KIND
from trading_core.model.items import item_to_wire
from trading_core.queries.order_view import child_wire, parent_wire
from trading_core.queries.position_view import TICKER_PREFIX
from trading_core.queries.trade_pages import LedgerPage, TradePage, decode_token, encode_token

DEFAULT_PAGE_SIZE: Final = 100
MAX_PAGE_SIZE: Final = 500


class TradesQueries:
    """Queries over the TradesStore Table resource: one GetItem or one Query per API call."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def _get(self, key: dict[str, str]) -> dict[str, Any] | None:
        item = self._table.get_item(Key=key).get("Item")
        return None if item is None else item_to_wire(item)

    def customer(self, customer_id: str) -> dict[str, Any] | None:
        """With defaults for what the record lacks; raises `customers.record.UnreadableCustomer`."""
        item = self._table.get_item(Key=keys.customer_key(customer_id)).get("Item")
        return None if item is None else item_to_wire(record.with_defaults(item))

    def order(self, order_id: str) -> dict[str, Any] | None:
        """A child order, or a parent order with its children (one more BatchGetItem)."""
        item = self._table.get_item(Key=keys.order_key(order_id)).get("Item")
        if item is None:
            return None
        if item.get("Kind") != PARENT_KIND:
            return child_wire(item)
        child_keys = [keys.order_key(str(child_id)) for child_id in item.get("ChildOrderIds", [])]
        return parent_wire(item, batch_get(self._table.meta.client, self._table.name, child_keys))

    def ticker_day(self, ticker: str, day: str) -> dict[str, Any] | None:
        item = self._get(keys.ticker_day_key(ticker, day))
        return None if item is None else {"ticker": ticker, "date": day, **item}

    def trades(
        self,
        customer_id: str,
        *,
        trade_day: str | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        token: str | None = None,
    ) -> TradePage:
        """Trades of a customer, oldest day first, optionally of one day; `limit` per page."""
        prefix = keys.TRADE_PREFIX + (f"{trade_day}#" if trade_day else "")
        items, next_token = self._page(customer_id, prefix, limit, token)
        return TradePage(trades=[item_to_wire(item) for item in items], next_token=next_token)

    def ledger(self, customer_id: str, *, limit: int = DEFAULT_PAGE_SIZE, token: str | None = None) -> LedgerPage:
        """The customer's ledger entries, oldest first (their sort key starts with the entry's time)."""
        items, next_token = self._page(customer_id, LEDGER_PREFIX, limit, token)
        return LedgerPage(entries=[item_to_wire(item) for item in items], next_token=next_token)

    def positions(self, customer_id: str) -> list[dict[str, Any]]:
        """Every position item of the customer, as stored, by ticker (one Query, continued if large)."""
        request: dict[str, Any] = {
            "KeyConditionExpression": Key(keys.PK).eq(keys.trades_partition(customer_id))
            & Key(keys.SK).begins_with(TICKER_PREFIX)
        }
        items: list[dict[str, Any]] = []
        while True:
            page = self._table.query(**request)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return items
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def customer_exists(self, customer_id: str) -> bool:
        names = {"#pk": keys.PK}
        item = self._table.get_item(
            Key=keys.customer_key(customer_id), ProjectionExpression="#pk", ExpressionAttributeNames=names
        )
        return "Item" in item

    def _page(
        self, customer_id: str, prefix: str, limit: int, token: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the customer's items whose sort key starts with `prefix`, and the token after it."""
        partition = keys.trades_partition(customer_id)
        request: dict[str, Any] = {
            "KeyConditionExpression": Key(keys.PK).eq(partition) & Key(keys.SK).begins_with(prefix),
            "Limit": limit,
        }
        if token:
            request["ExclusiveStartKey"] = decode_token(token, partition=partition, sort_prefix=prefix)
        page = self._table.query(**request)
        last = page.get("LastEvaluatedKey")
        return list(page.get("Items", [])), encode_token(last) if last else None
