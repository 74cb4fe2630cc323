"""The data API's reads of TradesStore: customers, trades by day or range of days, ticker-days, orders
(`queries.order_queries`), positions and ledger entries.

Items go out camelCase with money as 2-decimal strings (`model.items.item_to_wire`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from boto3.dynamodb.conditions import Key

from trading_core.common import keys
from trading_core.common.dynamodb import every_page
from trading_core.common.money import money_str
from trading_core.customers import record
from trading_core.customers.ledger import LEDGER_PREFIX
from trading_core.model.items import item_to_wire
from trading_core.model.order_trades import slot_of, trade_attributes, trades_of
from trading_core.queries.order_queries import OrderPage, OrderQueries
from trading_core.queries.parameters import DayRange
from trading_core.queries.position_view import TICKER_PREFIX
from trading_core.queries.trade_pages import TRADE_SLOT, LedgerPage, TradePage, decode_token, encode_token

DEFAULT_PAGE_SIZE: Final = 100
MAX_PAGE_SIZE: Final = 500


class TradesQueries:
    """Queries over the TradesStore Table resource: one GetItem or one Query per API call."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._orders = OrderQueries(table)

    def _get(self, key: dict[str, str]) -> dict[str, Any] | None:
        item = self._table.get_item(Key=key).get("Item")
        return None if item is None else item_to_wire(item)

    def customer(self, customer_id: str) -> dict[str, Any] | None:
        """With defaults for what the record lacks; raises `customers.record.UnreadableCustomer`."""
        item = self._table.get_item(Key=keys.customer_key(customer_id)).get("Item")
        return None if item is None else item_to_wire(record.with_defaults(item))

    def order(self, order_id: str) -> dict[str, Any] | None:
        """A child order, or a parent order with its children and what its fills came to."""
        return self._orders.order(order_id)

    def customer_orders(
        self, customer_id: str, *, days: DayRange, status: str | None, limit: int, token: str | None
    ) -> OrderPage:
        """A page of the customer's parent orders, newest first (`queries.order_queries`)."""
        return self._orders.customer_orders(customer_id, days=days, status=status, limit=limit, token=token)

    def has_orders(self, customer_id: str) -> bool:
        return self._orders.has_orders(customer_id)

    def ticker_day(self, ticker: str, day: str) -> dict[str, Any]:
        """The day's trade statistics, the sum of its customers' shares (`keys.ticker_day_share_key`, one
        Query): `nrTrades`, `totalQuantity`, `totalNotional` (their price x quantity, each to the cent) and
        `vwap` = totalNotional / totalQuantity to the cent (null without trades). A share aggregated before
        ticker-days kept their notional makes both null rather than a partial sum."""
        shares = list(
            every_page(
                self._table.query,
                KeyConditionExpression=Key(keys.PK).eq(keys.ticker_partition(ticker)) & Key(keys.SK).begins_with(day),
            )
        )
        quantity = sum(int(share.get("TotalQuantity", 0)) for share in shares)
        notional: Decimal | None = sum((Decimal(share.get("TotalNotional", 0)) for share in shares), Decimal(0))
        if any("TotalNotional" not in share and share.get("TotalQuantity") for share in shares):
            notional = None
        return {
            "ticker": ticker,
            "date": day,
            "nrTrades": sum(int(share.get("NrTrades", 0)) for share in shares),
            "totalQuantity": quantity,
            "totalNotional": None if notional is None else money_str(notional),
            "vwap": money_str(notional / quantity) if notional is not None and quantity else None,
        }

    def trades(
        self,
        customer_id: str,
        *,
        trade_day: str | None = None,
        days: DayRange | None = None,
        limit: int = DEFAULT_PAGE_SIZE,
        token: str | None = None,
    ) -> TradePage:
        """Trades of a customer, oldest day first: of one day, of the days of `days`, or all; `limit` trades per
        page. An order's trades of a day are one item, so a page may end inside one: its token then names the
        item and the slot to go on from."""
        prefix = keys.TRADE_PREFIX + (f"{trade_day}#" if trade_day else "")
        bounds = None
        if days is not None:
            bounds = (f"{keys.TRADE_PREFIX}{days.first or ''}", f"{keys.TRADE_PREFIX}{days.upper or '~'}")
        partition = keys.trades_partition(customer_id)
        request, resume_slot = _trades_request(partition, prefix, bounds, limit, token)
        page = self._table.query(**request)
        trades: list[dict[str, Any]] = []
        for item in page.get("Items", []):
            held = [trade for trade in trades_of(item) if resume_slot is None or slot_of(trade) >= resume_slot]
            resume_slot = None
            room = limit - len(trades)
            trades += [item_to_wire(trade_attributes(trade)) for trade in held[:room]]
            if len(held) > room:
                cut = {keys.PK: partition, keys.SK: str(item[keys.SK]), TRADE_SLOT: slot_of(held[room])}
                return TradePage(trades=trades, next_token=encode_token(cut))
        last = page.get("LastEvaluatedKey")
        return TradePage(trades=trades, next_token=encode_token(last) if last else None)

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
        sort = Key(keys.SK).begins_with(prefix)
        request: dict[str, Any] = {"KeyConditionExpression": Key(keys.PK).eq(partition) & sort, "Limit": limit}
        if token:
            request["ExclusiveStartKey"] = decode_token(token, partition=partition, sort_prefix=prefix)
        page = self._table.query(**request)
        last = page.get("LastEvaluatedKey")
        return list(page.get("Items", [])), encode_token(last) if last else None


def _trades_request(
    partition: str, prefix: str, bounds: tuple[str, str] | None, limit: int, token: str | None
) -> tuple[dict[str, Any], str | None]:
    """The Query of a trades page (at most `limit` items: each holds one trade or more), and the slot to go on
    from in its first item when the token ended the last page inside that item."""
    low, high = bounds or (prefix, f"{prefix}~")
    request: dict[str, Any] = {"Limit": limit}
    start = None
    if token:
        start = decode_token(token, partition=partition, sort_prefix=prefix, sort_range=bounds, slot=True)
    resume_slot = None if start is None else start.pop(TRADE_SLOT, None)
    if start is not None and resume_slot is not None:
        low = start[keys.SK]
    elif start is not None:
        request["ExclusiveStartKey"] = start
    # From `low` inclusive; `high` is never a sort key (no item is a bare `TRADE#<day>`, and `~` sorts after
    # every character of a key), so it is exclusive.
    request["KeyConditionExpression"] = Key(keys.PK).eq(partition) & Key(keys.SK).between(low, high)
    return request, resume_slot
