"""Child orders: what the router sends to a pool, at most the split size each."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from trading_core.common import keys
from trading_core.common.money import money_str, to_decimal
from trading_core.contracts import DARK_POOL_TYPE, LIT_POOL_TYPE
from trading_core.model.items import optional_money, wire_to_item

# An ORDER item's `Status` (docs/contracts.md "Order states").
ACCEPTED: Final = "ACCEPTED"
FILLED: Final = "FILLED"
REJECTED: Final = "REJECTED"


class Direction(StrEnum):
    BUY = "Buy"
    SELL = "Sell"


class OrderType(StrEnum):
    LIMIT = "Limit"
    MARKET = "Market"


class PoolType(StrEnum):
    DARK = DARK_POOL_TYPE
    LIT = LIT_POOL_TYPE


@dataclass(frozen=True, kw_only=True)
class OrderTicket:
    """The terms of a child order, which the trade that fills it carries on (on the wire, the bus and in
    TradesStore alike): one declaration and one conversion, so the two cannot drift apart."""

    customer_id: str
    direction: Direction
    ticker: str
    order_type: OrderType
    quantity: int
    price: Decimal | None
    order_id: str
    order_date: str
    initial_quantity: int
    split: bool
    parent_order_id: str
    reserved_amount: Decimal

    def ticket_wire(self) -> dict[str, Any]:
        """The ticket's wire fields, in the order of the contract's shapes (the owner's own follow)."""
        return {
            "customerId": self.customer_id,
            "direction": self.direction.value,
            "ticker": self.ticker,
            "type": self.order_type.value,
            "quantity": self.quantity,
            "price": None if self.price is None else money_str(self.price),
            "orderId": self.order_id,
            "orderDate": self.order_date,
            "initialQuantity": self.initial_quantity,
            "split": "Yes" if self.split else "No",
            "parentOrderId": self.parent_order_id,
            "reservedAmount": money_str(self.reserved_amount),
        }

    @staticmethod
    def ticket_fields(data: Mapping[str, Any], price: Callable[[Mapping[str, Any]], Decimal | None]) -> dict[str, Any]:
        """The ticket's keyword arguments from its wire fields; `price` reads the price (optional on an
        order, required on a trade), in its place so a malformed record fails on the same field as ever."""
        return {
            "customer_id": str(data["customerId"]),
            "direction": Direction(data["direction"]),
            "ticker": str(data["ticker"]),
            "order_type": OrderType(data["type"]),
            "quantity": int(data["quantity"]),
            "price": price(data),
            "order_id": str(data["orderId"]),
            "order_date": str(data["orderDate"]),
            "initial_quantity": int(data["initialQuantity"]),
            "split": data["split"] == "Yes",
            "parent_order_id": str(data.get("parentOrderId") or data["orderId"]),
            "reserved_amount": to_decimal(data.get("reservedAmount", "0")),
        }


@dataclass(frozen=True, kw_only=True)
class ChildOrder(OrderTicket):
    """A child order as routed to a pool; `quantity` never exceeds the split size."""

    protection_price: Decimal | None = None

    def to_wire(self) -> dict[str, Any]:
        return {
            **self.ticket_wire(),
            "protectionPrice": None if self.protection_price is None else money_str(self.protection_price),
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> ChildOrder:
        return cls(
            **cls.ticket_fields(data, lambda wire: optional_money(wire.get("price"))),
            protection_price=optional_money(data.get("protectionPrice")),
        )

    def to_item(self, status: str) -> dict[str, Any]:
        item = wire_to_item(self.to_wire())
        item.update(keys.order_key(self.order_id))
        item["Status"] = status
        return item
