"""The path, query and header parameters of the REST APIs, each with its pattern or limits and its hint.

Written once from the domain's constants: the documents list them, the constructs make API Gateway require
them, the handlers validate with their schemas and answer a mismatch with their hint (`hints`). Standard
library and domain constants only, so a handler can import them without pydantic.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Final

from trading_core.contracts import (
    CUSTOMER_ID_PATTERN,
    MARKET_DATA_TICKER_PATTERN,
    ORDER_ID_PATTERN,
    ORDER_TICKER_PATTERN,
)
from trading_core.orders.request import IDEMPOTENCY_KEY_HEADER
from trading_core.queries.parameters import DAY_HINT, DAY_PATTERN
from trading_core.queries.trades_queries import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

from .spec import Parameter

CUSTOMER_ID_HINT: Final = "must be 1 to 64 letters, digits, '-' or '_'"
ORDER_ID_HINT: Final = "must be a UUID"
ORDER_TICKER_HINT: Final = "must be 1 to 15 upper-case letters, digits, '.' or '-'"
MARKET_DATA_TICKER_HINT: Final = "must be 1 to 15 upper-case letters, digits, '.', '-', '=' or '^'"
LIMIT_HINT: Final = f"must be an integer from 1 to {MAX_PAGE_SIZE}"
NEXT_TOKEN_MAX_LENGTH: Final = 2048
IDEMPOTENCY_KEY_PATTERN: Final = "^[!-~]{1,255}$"
"""1 to 255 printable ASCII characters: what `orders.request.check_idempotency_key` accepts."""
IDEMPOTENCY_KEY_HINT: Final = "must be 1 to 255 printable ASCII characters"

# Every status a parent order can be listed with (`GET /customers/{customerId}/orders?status=`).
ORDER_STATUSES: Final = (
    "ACCEPTED",
    "OPEN",
    "PARTIALLY_FILLED",
    "FILLED",
    "CANCELLED",
    "EXPIRED",
    "REJECTED",
    "REFUSED",
)

CUSTOMER_ID: Final = Parameter(
    "customerId",
    "path",
    {"type": "string", "pattern": CUSTOMER_ID_PATTERN},
    "The customer's id, e.g. `000002`.",
    hint=CUSTOMER_ID_HINT,
)
ORDER_ID: Final = Parameter(
    "orderId",
    "path",
    {"type": "string", "pattern": ORDER_ID_PATTERN, "format": "uuid"},
    "A child or parent order id, as the Orders API returned it.",
    hint=ORDER_ID_HINT,
)
ORDER_TICKER: Final = Parameter(
    "ticker",
    "path",
    {"type": "string", "pattern": ORDER_TICKER_PATTERN},
    "A ticker as orders name it, e.g. `COIN`.",
    hint=ORDER_TICKER_HINT,
)
MARKET_DATA_TICKER: Final = Parameter(
    "ticker",
    "path",
    {"type": "string", "pattern": MARKET_DATA_TICKER_PATTERN},
    "A ticker as Yahoo spells it, e.g. `AAPL`, `^GSPC`, `ES=F`.",
    hint=MARKET_DATA_TICKER_HINT,
)
_DAY_SCHEMA: Final = {"type": "string", "pattern": DAY_PATTERN, "format": "date"}
DATE: Final = Parameter("date", "query", _DAY_SCHEMA, "A day, YYYY-MM-DD.", hint=DAY_HINT)
TRADE_DATE: Final = Parameter("tradeDate", "query", _DAY_SCHEMA, "Only the trades of this day.", hint=DAY_HINT)
FROM_DAY: Final = Parameter("from", "query", _DAY_SCHEMA, "The first day, inclusive.", hint=DAY_HINT)
TO_DAY: Final = Parameter("to", "query", _DAY_SCHEMA, "The last day, inclusive.", hint=DAY_HINT)
LIMIT: Final = Parameter(
    "limit",
    "query",
    {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
    f"Items per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
    hint=LIMIT_HINT,
)
NEXT_TOKEN: Final = Parameter(
    "nextToken",
    "query",
    {"type": "string", "minLength": 1, "maxLength": NEXT_TOKEN_MAX_LENGTH},
    "The `nextToken` of the previous page, for the same query; absent for the first page.",
    hint="is not a token this API issued",
)
ORDER_STATUS: Final = Parameter(
    "status",
    "query",
    {"type": "string", "enum": list(ORDER_STATUSES)},
    "Only the orders in this status.",
    hint=f"must be one of {', '.join(ORDER_STATUSES)}",
)
IDEMPOTENCY_KEY: Final = Parameter(
    IDEMPOTENCY_KEY_HEADER,
    "header",
    {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
    "Makes a retried request return the first answer and change nothing twice (kept 24 h); the same key with "
    "another body is refused (422).",
    hint=IDEMPOTENCY_KEY_HINT,
)


def described(parameter: Parameter, description: str) -> Parameter:
    """The parameter with an operation's own description (e.g. what `from` bounds)."""
    return dataclasses.replace(parameter, description=description)


def hints(parameters: Iterable[Parameter]) -> dict[str, str]:
    """Parameter name -> the message a value failing its schema gets (the handlers' 400 field messages)."""
    return {parameter.name: parameter.hint for parameter in parameters if parameter.hint is not None}
