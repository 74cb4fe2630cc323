"""The bodies of the customer-account calls (`customers.accounts`) and the refusals they can get.

Hand-written validation (as `POST /orders`): bodies are read as JSON whatever the Content-Type, JSON numbers
with a fraction become Decimal from their text (never float), and every problem is reported at once with
its field. A refusal changes nothing; the handler answers each kind with its HTTP status.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from trading_core.common.json_text import loads_exact
from trading_core.common.money import ZERO, has_at_most_cents, money_str
from trading_core.contracts import CUSTOMER_ID_PATTERN
from trading_core.customers import ledger

MAX_AMOUNT: Final = Decimal("1000000000000")
MAX_REASON_CHARS: Final = 200
MAX_BODY_BYTES: Final = 16 * 1024
CUSTOMER_ID_HINT: Final = "must be 1 to 64 letters, digits, '-' or '_'"
AMOUNT_HINT: Final = 'must be a decimal number such as "100.00"'
NEW_CUSTOMER_FIELDS: Final = ("customerId", "initialDeposit", "reason")
MOVEMENT_FIELDS: Final = ("amount", "reason")
# Idempotent requests' ids: uuid5 of the key in this namespace.
REQUEST_NAMESPACE: Final = uuid.UUID("0b6f3f2e-8f0c-5d61-a0a4-6c4b4a8d9e13")

_CUSTOMER_ID = re.compile(CUSTOMER_ID_PATTERN)
_DECIMAL_TEXT = re.compile(r"^\d{1,20}(\.\d{1,20})?$")


class AccountRefusal(Exception):
    """A customer-account request that was refused; nothing was written. `errors` are (field, message)."""

    def __init__(self, message: str, errors: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors)


class InvalidAccountRequest(AccountRefusal):
    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        super().__init__("invalid request", errors)


def invalid(field: str, message: str) -> InvalidAccountRequest:
    return InvalidAccountRequest([(field, message)])


def check_customer_id(customer_id: str) -> None:
    if not _CUSTOMER_ID.match(customer_id):
        raise invalid("customerId", CUSTOMER_ID_HINT)


@dataclass(frozen=True)
class NewCustomer:
    customer_id: str | None
    initial_deposit: Decimal
    reason: str | None


@dataclass(frozen=True)
class Movement:
    kind: ledger.EntryKind
    amount: Decimal
    reason: str | None


def read_object(body: str | None, *, is_base64: bool = False) -> dict[str, Any]:
    """The body as a JSON object, whatever the Content-Type said; numbers with a fraction are Decimal."""
    if body is None or not body.strip():
        raise invalid("body", "is required: a JSON object")
    if is_base64:
        try:
            body = base64.b64decode(body, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise invalid("body", "is not valid base64-encoded UTF-8") from None
    if len(body.encode()) > MAX_BODY_BYTES:
        raise invalid("body", f"must be at most {MAX_BODY_BYTES} bytes")
    try:
        document = loads_exact(body)
    except (ValueError, RecursionError) as error:
        raise invalid("body", f"is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise invalid("body", "must be a JSON object")
    return document


def check_amount(value: Any, *, allow_zero: bool) -> tuple[Decimal | None, str | None]:
    """A decimal string ("100.00") or a JSON number, in cents, from 0 (or above 0) to MAX_AMOUNT."""
    if isinstance(value, str):
        if not _DECIMAL_TEXT.match(value.strip()):
            return None, AMOUNT_HINT
        amount = Decimal(value.strip())
    elif isinstance(value, int | Decimal) and not isinstance(value, bool):
        amount = Decimal(value)
        if not amount.is_finite():
            return None, AMOUNT_HINT
    else:
        return None, AMOUNT_HINT
    if allow_zero and amount < ZERO:
        return None, "must be at least 0"
    if not allow_zero and amount <= ZERO:
        return None, "must be greater than 0"
    if amount > MAX_AMOUNT:
        return None, f"must be at most {MAX_AMOUNT}"
    if not has_at_most_cents(amount):
        return None, "must have at most 2 decimal places"
    return amount, None


def _unknown_fields(document: dict[str, Any], known: Sequence[str]) -> list[tuple[str, str]]:
    expected = f"is not a known field; expected {', '.join(known)}"
    return [(name or '""', expected) for name in document if name not in known]


def _amount(document: dict[str, Any], field: str, errors: list[tuple[str, str]], *, allow_zero: bool) -> Decimal | None:
    if field not in document:
        errors.append((field, "is required"))
        return None
    amount, message = check_amount(document[field], allow_zero=allow_zero)
    if message:
        errors.append((field, message))
    return amount


def _is_text(value: str) -> bool:
    """Encodable as UTF-8 (JSON may carry lone surrogates, which DynamoDB cannot store)."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _reason(document: dict[str, Any], errors: list[tuple[str, str]]) -> str | None:
    reason = document.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON_CHARS or not _is_text(reason)):
        errors.append(("reason", f"must be a string of at most {MAX_REASON_CHARS} characters"))
        return None
    return reason or None


def parse_new_customer(document: dict[str, Any]) -> NewCustomer:
    errors = _unknown_fields(document, NEW_CUSTOMER_FIELDS)
    customer_id = document.get("customerId")
    if customer_id is not None and (not isinstance(customer_id, str) or not _CUSTOMER_ID.match(customer_id)):
        errors.append(("customerId", CUSTOMER_ID_HINT))
    amount = _amount(document, "initialDeposit", errors, allow_zero=True)
    reason = _reason(document, errors)
    if errors or amount is None:
        raise InvalidAccountRequest(errors)
    return NewCustomer(customer_id=customer_id, initial_deposit=amount, reason=reason)


def parse_movement(kind: ledger.EntryKind, document: dict[str, Any]) -> Movement:
    errors = _unknown_fields(document, MOVEMENT_FIELDS)
    amount = _amount(document, "amount", errors, allow_zero=False)
    reason = _reason(document, errors)
    if errors or amount is None:
        raise InvalidAccountRequest(errors)
    return Movement(kind=kind, amount=amount, reason=reason)


def request_id(key: str) -> str:
    """The id of the request an `Idempotency-Key` names (the same for every customer and operation)."""
    return str(uuid.uuid5(REQUEST_NAMESPACE, key))


def fingerprint(operation: str, customer_id: str | None, amount: Decimal, reason: str | None) -> str:
    """What makes two requests the same: the operation, the customer named, the amount (in cents, so "10"
    and 10.00 are one amount) and the reason as sent."""
    canonical = json.dumps([operation, customer_id, money_str(amount), reason], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
