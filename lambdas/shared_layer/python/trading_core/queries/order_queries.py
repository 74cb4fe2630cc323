"""The data API's reads of orders: one order by id (`GET /orders/{orderId}`) and a customer's parent orders,
newest first (`GET /customers/{customerId}/orders`), from the sparse `CustomerOrderKeys` index.

A customer's page is one Query of the index (read backwards: `OrderKey` = `<orderDate>#<id>`, so newest
first; `from`/`to` bound it by order day) and one BatchGetItem of the ORDER items it names, which hold the
children the derived status needs (the index projects keys only: every put of an ORDER item would write an
index projecting it again).
A `status` filter applies to that derived status, so it cannot be a DynamoDB filter: the reads go on
until the page holds `limit` orders, or `MAX_EXAMINED` parents were looked at, or the index is
exhausted. So a page may hold fewer orders than `limit` (even none) with a `nextToken` that carries on
where it stopped; only a null `nextToken` means there is nothing more. The token names the last parent
looked at (its `OrderKey`) and the customer, and is refused for another customer or outside the days.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from trading_core.common import keys
from trading_core.common.dynamodb import batch_get
from trading_core.common.ids import child_number
from trading_core.contracts import (
    CUSTOMER_ORDERS_INDEX,
    ORDER_CUSTOMER_ATTRIBUTE,
    ORDER_KEY_ATTRIBUTE,
)
from trading_core.model.order_item import child_item, child_items, item_key
from trading_core.queries.order_view import child_wire, parent_wire
from trading_core.queries.parameters import DayRange, InvalidParameter

MAX_EXAMINED: Final = 1000
"""The most parent orders one filtered page looks at before it answers with what it found and a token."""
_ORDER_KEY: Final = re.compile(r"^\d{4}-\d{2}-\d{2}T[^#]*#[0-9A-Fa-f-]{36}$")


class OrdersIndexUnavailable(RuntimeError):
    """The customer orders index cannot be read now (being built or replaced, docs/contracts.md "Data model")."""


@dataclass(frozen=True)
class OrderPage:
    orders: list[dict[str, Any]]
    next_token: str | None

    def to_wire(self) -> dict[str, Any]:
        return {"orders": self.orders, "count": len(self.orders), "nextToken": self.next_token}


def days_condition(customer_id: str, days: DayRange) -> Any:
    partition = Key(ORDER_CUSTOMER_ATTRIBUTE).eq(customer_id)
    sort = Key(ORDER_KEY_ATTRIBUTE)
    upper = days.upper
    if days.first is not None and upper is not None:
        # BETWEEN is inclusive; no OrderKey equals the bare next day ('2026-01-03' < '2026-01-03T...').
        return partition & sort.between(days.first, upper)
    if days.first is not None:
        return partition & sort.gte(days.first)
    if upper is not None:
        return partition & sort.lt(upper)
    return partition


def encode_order_token(customer_id: str, order_key: str) -> str:
    text = json.dumps({"c": customer_id, "k": order_key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_order_token(token: str, customer_id: str, days: DayRange) -> dict[str, str]:
    """The index start key a token stands for; refused unless it continues this very query."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        raise InvalidParameter("nextToken", "is not a token this API issued") from None
    order_key = decoded.get("k") if isinstance(decoded, dict) else None
    if (
        not isinstance(decoded, dict)
        or set(decoded) != {"c", "k"}
        or decoded["c"] != customer_id
        or not isinstance(order_key, str)
        or not _ORDER_KEY.match(order_key)
        or not days.contains(order_key)
    ):
        raise InvalidParameter("nextToken", "does not belong to this query")
    return start_key(customer_id, order_key)


def start_key(customer_id: str, order_key: str) -> dict[str, str]:
    """The index key of the parent order whose `OrderKey` this is (its id ends the key)."""
    return {
        ORDER_CUSTOMER_ATTRIBUTE: customer_id,
        ORDER_KEY_ATTRIBUTE: order_key,
        **keys.order_key(order_key.rsplit("#", 1)[1]),
    }


class OrderQueries:
    """Orders over the TradesStore Table resource."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client

    def order(self, order_id: str) -> dict[str, Any] | None:
        """A child order, or a parent order with its children, from the one ORDER item that holds them."""
        item = self._table.get_item(Key=item_key(order_id)).get("Item")
        if item is None:
            return None
        if child_number(order_id) != 0:
            child = child_item(item, order_id)
            return None if child is None else child_wire(child)
        return parent_wire(item, child_items(item))

    @staticmethod
    def parent_views(parents: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The views of ORDER items, with the children they hold."""
        return [parent_wire(parent, child_items(parent)) for parent in parents]

    def customer_orders(
        self,
        customer_id: str,
        *,
        days: DayRange,
        status: str | None,
        limit: int,
        token: str | None,
    ) -> OrderPage:
        """A page of the customer's parent orders, newest first; see the module docstring for `status`."""
        request: dict[str, Any] = {
            "IndexName": CUSTOMER_ORDERS_INDEX,
            "KeyConditionExpression": days_condition(customer_id, days),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if token:
            request["ExclusiveStartKey"] = decode_order_token(token, customer_id, days)
        found: list[dict[str, Any]] = []
        examined = 0
        while True:
            page = self._query(request)
            items = self._items(page.get("Items", []))
            more = "LastEvaluatedKey" in page
            for index, (item, view) in enumerate(zip(items, self.parent_views(items), strict=True)):
                examined += 1
                if status is not None and view["status"] != status:
                    continue
                found.append(view)
                if len(found) == limit:
                    last_read = index == len(items) - 1 and not more
                    return OrderPage(found, None if last_read else self._token(customer_id, item))
            if not more:
                return OrderPage(found, None)
            if examined >= MAX_EXAMINED:
                return OrderPage(found, self._token(customer_id, items[-1]))
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def has_orders(self, customer_id: str) -> bool:
        """Whether the customer has any order at all (refused ones included)."""
        page = self._query(
            {
                "IndexName": CUSTOMER_ORDERS_INDEX,
                "KeyConditionExpression": days_condition(customer_id, DayRange()),
                "Limit": 1,
            }
        )
        return bool(page.get("Items"))

    def _query(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            page: dict[str, Any] = self._table.query(**request)
        except ClientError as error:
            # AWS: ValidationException for an index missing or still backfilling; moto: ResourceNotFoundException.
            code = error.response.get("Error", {}).get("Code")
            if code in ("ValidationException", "ResourceNotFoundException") and "index" in str(error).lower():
                raise OrdersIndexUnavailable(str(error)) from error
            raise
        return page

    def _items(self, found: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """The ORDER items the index entries name, in their order (an item deleted since is left out), read as the
        index is: eventually consistent."""
        wanted = [{keys.PK: entry[keys.PK], keys.SK: entry[keys.SK]} for entry in found]
        items = {
            str(item[keys.PK]): item for item in batch_get(self._client, self._table.name, wanted, consistent=False)
        }
        return [items[str(key[keys.PK])] for key in wanted if str(key[keys.PK]) in items]

    @staticmethod
    def _token(customer_id: str, item: dict[str, Any]) -> str:
        return encode_order_token(customer_id, str(item[ORDER_KEY_ATTRIBUTE]))
