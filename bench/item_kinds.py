"""What a DynamoDB item is, named from its key, for the bench's breakdown of write units (`make bench DETAILS=1`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def item_kind(key: Mapping[str, Any]) -> str:
    """What an item is, from its key: the prefix of its sort key (`ORDER`, `TRADE`, `CUST`, `TICKER`, …), or of its
    partition key beside a sort key that has none (a ticker-day share: `TICKER#…` / `<day>#<customer>`)."""
    values = [str(next(iter(value.values()))) if isinstance(value, Mapping) else str(value) for value in key.values()]
    prefixes = [value.split("#", 1)[0] for value in values if "#" in value]
    if len(values) == 2 and "#" in values[1] and not values[1].split("#", 1)[0].isalpha():
        return f"{prefixes[0]} share" if prefixes else "other"
    return prefixes[-1] if prefixes else "other"
