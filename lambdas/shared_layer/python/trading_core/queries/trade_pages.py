"""Pages of a customer's trades (and of its ledger entries), continued with an opaque `nextToken`
(urlsafe base64 of DynamoDB's LastEvaluatedKey) that is only valid for the query it came from."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from trading_core.common import keys
from trading_core.queries.parameters import InvalidParameter


def encode_token(last_key: dict[str, Any]) -> str:
    text = json.dumps({name: str(value) for name, value in sorted(last_key.items())}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_token(
    token: str, *, partition: str, sort_prefix: str, sort_range: tuple[str, str] | None = None
) -> dict[str, str]:
    """The start key a token stands for; refused unless it continues this very query (its sort key starts
    with `sort_prefix` and, given a range, lies in it: from inclusive, to exclusive)."""
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
        or (sort_range is not None and not sort_range[0] <= decoded[keys.SK] < sort_range[1])
    ):
        raise InvalidParameter("nextToken", "does not belong to this query")
    return {keys.PK: partition, keys.SK: decoded[keys.SK]}


@dataclass(frozen=True)
class TradePage:
    trades: list[dict[str, Any]]
    next_token: str | None

    def to_wire(self) -> dict[str, Any]:
        return {"trades": self.trades, "count": len(self.trades), "nextToken": self.next_token}


@dataclass(frozen=True)
class LedgerPage:
    entries: list[dict[str, Any]]
    next_token: str | None

    def to_wire(self) -> dict[str, Any]:
        return {"entries": self.entries, "count": len(self.entries), "nextToken": self.next_token}
