"""`POST /orders` bodies: the order request model and its validation (docs/architecture.md §2 "Intake").

Validation is hand-written rather than pydantic so the order path imports nothing heavy (cold start,
docs/architecture.md §9) and prices never pass through float: JSON numbers are parsed as Decimal from
their text. Bad input is refused as a whole, with one error per field, before anything is written or
published; the handler answers a refusal with its HTTP status.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from trading_core.common.json_text import loads_exact
from trading_core.common.money import has_at_most_cents
from trading_core.contracts import CUSTOMER_ID_PATTERN, MAX_ORDER_QUANTITY, ORDER_TICKER_PATTERN
from trading_core.model.child_order import Direction, OrderType, TimeInForce

# One request carries at most this many parent orders: each is one DynamoDB transaction, and the
# whole request must finish well within API Gateway's 29 s integration timeout.
MAX_ORDERS_PER_REQUEST: Final = 100
# API Gateway accepts 10 MB; 100 orders need under 20 KB, so anything near this limit is not orders.
MAX_BODY_BYTES: Final = 256 * 1024
MAX_PRICE: Final = Decimal("1000000000")
IDEMPOTENCY_KEY_HEADER: Final = "Idempotency-Key"
ORDER_FIELDS: Final = ("customerId", "direction", "ticker", "type", "quantity", "price", "timeInForce")

_CUSTOMER_ID = re.compile(CUSTOMER_ID_PATTERN)
_TICKER = re.compile(ORDER_TICKER_PATTERN)
_DECIMAL_TEXT = re.compile(r"^-?\d{1,20}(\.\d{1,20})?$")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@dataclass(frozen=True, kw_only=True)
class OrderRequest:
    """A validated order as the client sent it."""

    customer_id: str
    direction: Direction
    ticker: str
    order_type: OrderType
    quantity: int
    price: Decimal | None
    time_in_force: TimeInForce = TimeInForce.DAY


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def to_wire(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class InvalidRequest(ValueError):
    """The request is refused as a whole, with field-level errors; nothing was written or published."""

    def __init__(self, errors: Sequence[FieldError], *, message: str = "invalid order"):
        super().__init__(f"{message}: " + "; ".join(f"{e.field} {e.message}" for e in errors))
        self.errors = list(errors)
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"message": self.message, "errors": [error.to_wire() for error in self.errors]}


class RequestTooLarge(InvalidRequest):
    """The body exceeds `MAX_BODY_BYTES`: refused unread."""


@dataclass(frozen=True)
class SubmittedOrder:
    """A valid order: `sent` is echoed in `invalidOrders` (JSON numbers come back as strings)."""

    sent: dict[str, Any]
    request: OrderRequest


def _json_ready(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {name: _json_ready(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    return value


def parse_body(body: str | None, *, is_base64: bool = False) -> list[SubmittedOrder]:
    """One order object or an array of 1..MAX_ORDERS_PER_REQUEST; raises InvalidRequest."""
    if body is None or not body.strip():
        raise InvalidRequest([FieldError("body", "is required: an order object or an array of orders")])
    raw_bytes = len(body) if is_base64 else len(body.encode())
    if is_base64:
        try:
            body = base64.b64decode(body, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidRequest([FieldError("body", "is not valid base64-encoded UTF-8")]) from None
        raw_bytes = len(body.encode())
    if raw_bytes > MAX_BODY_BYTES:
        raise RequestTooLarge(
            [FieldError("body", f"must be at most {MAX_BODY_BYTES} bytes")], message="request too large"
        )
    try:
        document = loads_exact(body)
    except (ValueError, RecursionError) as error:
        raise InvalidRequest([FieldError("body", f"is not valid JSON: {error}")]) from None
    if isinstance(document, dict):
        entries, prefixes = [document], [""]
    elif isinstance(document, list):
        if not document:
            raise InvalidRequest([FieldError("body", "must contain at least one order")])
        if len(document) > MAX_ORDERS_PER_REQUEST:
            raise InvalidRequest([FieldError("body", f"must contain at most {MAX_ORDERS_PER_REQUEST} orders")])
        entries, prefixes = document, [f"[{index}]" for index in range(len(document))]
    else:
        raise InvalidRequest([FieldError("body", "must be an order object or an array of orders")])
    orders: list[SubmittedOrder] = []
    errors: list[FieldError] = []
    for entry, prefix in zip(entries, prefixes, strict=True):
        request, entry_errors = validate_order(entry, prefix)
        errors.extend(entry_errors)
        if request is not None:
            orders.append(SubmittedOrder(sent=_json_ready(entry), request=request))
    if errors:
        raise InvalidRequest(errors)
    return orders


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _check_price(value: Any) -> tuple[Decimal | None, str | None]:
    """A price is a decimal string such as "161.90" (the seed's form) or a JSON number."""
    if isinstance(value, str):
        if not _DECIMAL_TEXT.match(value):
            return None, 'must be a decimal number such as "161.90"'
        price = Decimal(value)
    elif isinstance(value, Decimal | int) and not isinstance(value, bool):
        price = Decimal(value)
        if not price.is_finite():
            return None, 'must be a decimal number such as "161.90"'
    else:
        return None, 'must be a decimal number such as "161.90"'
    if price <= 0:
        return None, "must be greater than 0"
    if price > MAX_PRICE:
        return None, f"must be at most {MAX_PRICE}"
    if not has_at_most_cents(price):
        return None, "must have at most 2 decimal places"
    return price, None


def validate_order(entry: Any, prefix: str = "") -> tuple[OrderRequest | None, list[FieldError]]:
    """Every problem of one order, each with its field path (e.g. `[0].quantity`)."""
    if not isinstance(entry, dict):
        return None, [FieldError(prefix or "body", "must be an order object")]
    errors: list[FieldError] = []

    def fail(name: str, message: str) -> None:
        errors.append(FieldError(_path(prefix, name), message))

    for name in entry:
        if name not in ORDER_FIELDS:
            fail(name or '""', f"is not a known field; expected {', '.join(ORDER_FIELDS)}")

    customer_id = entry.get("customerId")
    if customer_id is None:
        fail("customerId", "is required")
    elif not isinstance(customer_id, str) or not _CUSTOMER_ID.match(customer_id):
        fail("customerId", "must be a string of 1 to 64 letters, digits, '-' or '_'")

    direction = entry.get("direction")
    if direction is None:
        fail("direction", "is required")
    elif not isinstance(direction, str) or direction not in {d.value for d in Direction}:
        fail("direction", f"must be one of {', '.join(d.value for d in Direction)}")

    ticker = entry.get("ticker")
    if ticker is None:
        fail("ticker", "is required")
    elif not isinstance(ticker, str) or not _TICKER.match(ticker):
        fail("ticker", "must be 1 to 15 upper-case letters, digits, '.' or '-'")

    order_type = entry.get("type")
    if order_type is None:
        fail("type", "is required")
    elif not isinstance(order_type, str) or order_type not in {t.value for t in OrderType}:
        fail("type", f"must be one of {', '.join(t.value for t in OrderType)}")
        order_type = None

    quantity = entry.get("quantity")
    if quantity is None:
        fail("quantity", "is required")
    elif not isinstance(quantity, int) or isinstance(quantity, bool):
        fail("quantity", "must be an integer")
    elif quantity <= 0:
        fail("quantity", "must be greater than 0")
    elif quantity > MAX_ORDER_QUANTITY:
        fail("quantity", f"must be at most {MAX_ORDER_QUANTITY}")

    price: Decimal | None = None
    raw_price = entry.get("price")
    if order_type == OrderType.MARKET.value and raw_price is not None:
        fail("price", "must be absent for a Market order")
    elif order_type == OrderType.LIMIT.value and raw_price is None:
        fail("price", "is required for a Limit order")
    elif raw_price is not None:
        price, message = _check_price(raw_price)
        if message:
            fail("price", message)

    time_in_force = entry.get("timeInForce", TimeInForce.DAY.value)
    if not isinstance(time_in_force, str) or time_in_force not in {t.value for t in TimeInForce}:
        fail("timeInForce", f"must be one of {', '.join(t.value for t in TimeInForce)}")

    if errors:
        return None, errors
    return (
        OrderRequest(
            customer_id=str(customer_id),
            direction=Direction(str(direction)),
            ticker=str(ticker),
            order_type=OrderType(str(order_type)),
            quantity=int(quantity or 0),
            price=price,
            time_in_force=TimeInForce(str(time_in_force)),
        ),
        [],
    )


def check_idempotency_key(key: str | None) -> None:
    """An `Idempotency-Key` header, when sent, is 1 to 255 printable ASCII characters."""
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        raise InvalidRequest(
            [FieldError(IDEMPOTENCY_KEY_HEADER, "must be 1 to 255 printable ASCII characters")],
            message="invalid request",
        )
