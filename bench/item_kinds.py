"""What a DynamoDB item is, named from its key, for the bench's breakdown of write units (`make bench DETAILS=1`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trading_core.common import keys


def item_kind(key: Mapping[str, Any]) -> str:
    """What an item is, from its key: the prefix of its sort key (`ORDER`, `TRADE`, `CUST`, `TICKER`, …), or of its
    partition key when the sort key starts with a date (a ticker-day share: `TICKER#…` / `<day>#<customer>`);
    "other" for a key of another layout (the idempotency table's)."""
    text = {
        name: str(next(iter(value.values()))) if isinstance(value, Mapping) else str(value)
        for name, value in key.items()
    }
    if keys.PK not in text or keys.SK not in text:
        return "other"
    prefix = text[keys.SK].split("#", 1)[0]
    return prefix if prefix.isalpha() else f"{text[keys.PK].split('#', 1)[0]} share"
