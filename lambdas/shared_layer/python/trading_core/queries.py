"""Read side of the TradesStore for the Data API: customers, trades by day, ticker-days, orders.

Items go out camelCase with money as 2-decimal strings (`model.item_to_wire`). Trade pages are
continued with an opaque `nextToken` (urlsafe base64 of DynamoDB's LastEvaluatedKey) that is only
valid for the query it came from.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from boto3.dynamodb.conditions import Key

from trading_core import customers, keys
from trading_core.model import item_to_wire

DEFAULT_PAGE_SIZE: Final = 100
MAX_PAGE_SIZE: Final = 500
DAY_PATTERN: Final = r"^\d{4}-\d{2}-\d{2}$"
ORDER_ID_PATTERN: Final = r"^[A-Za-z0-9-]{1,64}$"


class InvalidParameter(ValueError):
    """A path or query parameter that passed its pattern but means nothing (e.g. 2026-02-30)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field
        self.message = message

    def to_wire(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def invalid_request(errors: list[dict[str, str]]) -> dict[str, Any]:
    """The 400 body of the data and market-data APIs: one entry per bad field."""
    return {"message": "invalid request", "errors": errors}


def field_errors(details: Iterable[Mapping[str, Any]], hints: Mapping[str, str]) -> list[dict[str, str]]:
    """Powertools' request validation errors as field-level messages (a pattern failure gets its hint)."""
    errors = []
    for detail in details:
        name = str(detail["loc"][-1])
        hint = hints.get(name) if detail["type"] == "string_pattern_mismatch" else None
        message = "is required" if detail["type"] == "missing" else hint or str(detail["msg"])
        errors.append({"field": name, "message": message})
    return errors


def parse_day(value: str, field: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidParameter(field, "must be a date as YYYY-MM-DD") from None


def encode_token(last_key: dict[str, Any]) -> str:
    text = json.dumps({name: str(value) for name, value in sorted(last_key.items())}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_token(token: str, *, partition: str, sort_prefix: str) -> dict[str, str]:
    """The start key a token stands for; refused unless it continues this very query."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        raise InvalidParameter("nextToken", "is not a token this API issued") from None
    if (
        not isinstance(decoded, dict)
        or set(decoded) != {keys.PK, keys.SK}
        or decoded[keys.PK] != partition
        or not isinstance(decoded[keys.SK], str)
        or not decoded[keys.SK].startswith(sort_prefix)
    ):
        raise InvalidParameter("nextToken", "does not belong to this query")
    return {keys.PK: partition, keys.SK: decoded[keys.SK]}


@dataclass(frozen=True)
class TradePage:
    trades: list[dict[str, Any]]
    next_token: str | None

    def to_wire(self) -> dict[str, Any]:
        return {"trades": self.trades, "count": len(self.trades), "nextToken": self.next_token}


class TradesQueries:
    """Queries over the TradesStore Table resource: one GetItem or one Query per API call."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def _get(self, key: dict[str, str]) -> dict[str, Any] | None:
        item = self._table.get_item(Key=key).get("Item")
        return None if item is None else item_to_wire(item)

    def customer(self, customer_id: str) -> dict[str, Any] | None:
        """With defaults for what the record lacks; raises `customers.UnreadableCustomer`."""
        item = self._table.get_item(Key=keys.customer_key(customer_id)).get("Item")
        return None if item is None else item_to_wire(customers.with_defaults(item))

    def order(self, order_id: str) -> dict[str, Any] | None:
        return self._get(keys.order_key(order_id))

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
        partition = keys.trades_partition(customer_id)
        prefix = keys.TRADE_PREFIX + (f"{trade_day}#" if trade_day else "")
        request: dict[str, Any] = {
            "KeyConditionExpression": Key(keys.PK).eq(partition) & Key(keys.SK).begins_with(prefix),
            "Limit": limit,
        }
        if token:
            request["ExclusiveStartKey"] = decode_token(token, partition=partition, sort_prefix=prefix)
        page = self._table.query(**request)
        last = page.get("LastEvaluatedKey")
        return TradePage(
            trades=[item_to_wire(item) for item in page.get("Items", [])],
            next_token=encode_token(last) if last else None,
        )
