"""Identifiers and the deterministic 'randomness' of the simulated venues.

Every simulated choice is a pure function of an id, so reprocessing an order gives the same trade.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

T = TypeVar("T")

TRADE_NAMESPACE = uuid.UUID("6f1c7a52-3b7e-5d0e-9a55-1f0c2e7d4b21")
_SCALE = Decimal(2**64)


def new_order_id() -> str:
    return str(uuid.uuid4())


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
