"""Pages of a customer's trades (and of its ledger entries), continued with an opaque `nextToken`
(urlsafe base64 of DynamoDB's LastEvaluatedKey) that is only valid for the query it came from."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Final

from trading_core.common import keys
from trading_core.queries.parameters import InvalidParameter


def encode_token(last_key: dict[str, Any]) -> str:
    text = json.dumps({name: str(value) for name, value in sorted(last_key.items())}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


TRADE_SLOT: Final = "Slot"
"""In a trades page's token: the page ended inside this item, before the trade of this slot
(`model.order_trades`)."""


def decode_token(
    token: str,
    *,
    partition: str,
    sort_prefix: str,
    sort_range: tuple[str, str] | None = None,
    slot: bool = False,
) -> dict[str, str]:
    """The start key a token stands for; refused unless it continues this very query (its sort key starts
    with `sort_prefix` and, given a range, lies in it: from inclusive, to exclusive). With `slot`, the token
    may also name the slot the page goes on from inside that item."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError):
        raise InvalidParameter("nextToken", "is not a token this API issued") from None
    if (
        not isinstance(decoded, dict)
        or not {keys.PK, keys.SK} <= set(decoded) <= ({keys.PK, keys.SK, TRADE_SLOT} if slot else {keys.PK, keys.SK})
        or not isinstance(decoded.get(TRADE_SLOT, ""), str)
        or decoded[keys.PK] != partition
        or not isinstance(decoded[keys.SK], str)
        or not decoded[keys.SK].startswith(sort_prefix)
        or (sort_range is not None and not sort_range[0] <= decoded[keys.SK] < sort_range[1])
    ):
        raise InvalidParameter("nextToken", "does not belong to this query")
    start = {keys.PK: partition, keys.SK: decoded[keys.SK]}
    if TRADE_SLOT in decoded:
        start[TRADE_SLOT] = decoded[TRADE_SLOT]
    return start


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
