"""The two shapes of a record: camelCase JSON on the wire and the bus, PascalCase items in TradesStore."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from trading_core.common import keys
from trading_core.common.money import money_str, to_decimal

MONEY_FIELDS: Final = frozenset({"price", "fee", "reservedAmount", "protectionPrice", "marketPrice"})
AGGREGATED_SEQUENCE: Final = "AggregatedSequence"
"""On every aggregate (customer, position, ticker-day share): the stream position of the last trade it holds
(`aggregation.aggregator`). Bookkeeping of the aggregator, never on the wire."""
HOLD_PREFIX: Final = "H#"
"""A reservation's hold on a customer or position item, named by its parent order (`orders.holds`): bookkeeping
of the router, never on the wire."""
_ITEM_ONLY: Final = frozenset({keys.PK, keys.SK, AGGREGATED_SEQUENCE})
_MONEY_ATTRIBUTES: Final = frozenset(
    {
        "RemainingFunds",
        "AvailableFunds",
        "ReservedFunds",
        "TotalCommissionPaid",
        "TotalAmountInvested",
        "Amount",
        "MarketPriceAtOrder",
        "TotalDeposits",
        "TotalWithdrawals",
        "RealizedPnl",
        "CostBasis",
        "AverageCost",
        "FillPrice",
        "FillFee",
        "TotalNotional",
    }
)


def wire_to_item(wire: dict[str, Any]) -> dict[str, Any]:
    """camelCase wire fields to PascalCase attributes; money becomes Decimal, nulls are left out."""
    item: dict[str, Any] = {}
    for name, value in wire.items():
        if value is None:
            continue
        item[name[0].upper() + name[1:]] = to_decimal(value) if name in MONEY_FIELDS else value
    return item


def item_to_wire(item: dict[str, Any]) -> dict[str, Any]:
    """PascalCase attributes to camelCase JSON-ready fields; money as 2-decimal strings."""
    wire: dict[str, Any] = {}
    for name, value in item.items():
        if name in _ITEM_ONLY or name.startswith(HOLD_PREFIX):
            continue
        field = name[0].lower() + name[1:]
        if isinstance(value, Decimal):
            wire[field] = money_str(value) if field in MONEY_FIELDS or name in _MONEY_ATTRIBUTES else int(value)
        else:
            wire[field] = value
    return wire


def optional_money(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value)
