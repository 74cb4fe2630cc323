"""Identifiers and the deterministic 'randomness' of the simulated venues.

Every simulated choice is a pure function of an id, so reprocessing an order gives the same trade.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Final, TypeVar

T = TypeVar("T")

TRADE_NAMESPACE = uuid.UUID("6f1c7a52-3b7e-5d0e-9a55-1f0c2e7d4b21")
_SCALE = Decimal(2**64)


CHILD_NUMBER_DIGITS: Final = 2
"""An order id's last two hex digits: 00 names a parent order, 01 to 62 (1 to 98) its children."""
_PARENT_SUFFIX: Final = "0" * CHILD_NUMBER_DIGITS


def new_order_id() -> str:
    """A parent order's id: a uuid4 whose last byte is 0, so its children's ids are derived from it."""
    return parent_order_id_of(str(uuid.uuid4()))


def child_order_id(parent_order_id: str, number: int) -> str:
    """The id of a parent's `number`-th child (1-based): the parent's id with the number in its last byte,
    so any order id leads to the one ORDER item that holds it (docs/architecture.md §4)."""
    if not 1 <= number < 16**CHILD_NUMBER_DIGITS or not parent_order_id.endswith(_PARENT_SUFFIX):
        raise ValueError(f"no child {number} of order {parent_order_id}")
    return f"{parent_order_id[:-CHILD_NUMBER_DIGITS]}{number:0{CHILD_NUMBER_DIGITS}x}"


def parent_order_id_of(order_id: str) -> str:
    """The parent order that holds `order_id` (itself, for a parent)."""
    return f"{order_id[:-CHILD_NUMBER_DIGITS]}{_PARENT_SUFFIX}"


def child_number(order_id: str) -> int:
    """0 for a parent order's id, else the child's number."""
    return int(order_id[-CHILD_NUMBER_DIGITS:], 16)


def trade_id_for(order_id: str) -> str:
    """A child order fills once, so its trade id is derived from the order id (uuid5)."""
    return str(uuid.uuid5(TRADE_NAMESPACE, order_id))


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "big")


def unit_interval(*parts: str) -> Decimal:
    """A number in [0, 1) derived from the parts."""
    return Decimal(_digest(*parts)) / _SCALE


def choose(options: Sequence[T], *parts: str) -> T:
    if not options:
        raise ValueError("nothing to choose from")
    return options[_digest(*parts) % len(options)]


def bounded_int(low: int, high: int, *parts: str) -> int:
    """An integer in [low, high] derived from the parts."""
    return low + _digest(*parts) % (high - low + 1)
