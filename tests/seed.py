"""The seed's example order and the fields of its example trade (the original README)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

SEED_ORDER: Final[dict[str, Any]] = {
    "customerId": "000002",
    "direction": "Buy",
    "ticker": "COIN",
    "type": "Limit",
    "quantity": 8614,
    "price": "161.90",
}
# Every field of the seed's output JSON: a trade must carry all of them (we add, never drop).
SEED_TRADE_FIELDS: Final = frozenset(
    {
        "customerId",
        "direction",
        "ticker",
        "type",
        "quantity",
        "price",
        "orderId",
        "orderDate",
        "initialQuantity",
        "split",
        "tradeId",
        "exchange",
        "exchangeType",
        "tradeDate",
        "fee",
        "settlementDate",
    }
)
SEEDED_FUNDS: Final = Decimal("1000000.00")  # each of the twelve customers seeded at deployment
