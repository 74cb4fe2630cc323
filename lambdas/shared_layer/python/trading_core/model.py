"""Child orders and trades, and their two shapes: camelCase JSON on the wire, PascalCase items."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from trading_core import keys
from trading_core.clock import day_of
from trading_core.money import cents, money_str, to_decimal


class Direction(StrEnum):
    BUY = "Buy"
    SELL = "Sell"


class OrderType(StrEnum):
    LIMIT = "Limit"
    MARKET = "Market"


class PoolType(StrEnum):
    DARK = "Dark"
    LIT = "Lit"


class ExchangeType(StrEnum):
    DARK_POOL = "DarkPool"
    LIT_POOL = "LitPool"


@dataclass(frozen=True, kw_only=True)
class ChildOrder:
    """A child order as routed to a pool; `quantity` never exceeds the split size."""

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
    protection_price: Decimal | None = None

    def to_wire(self) -> dict[str, Any]:
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
            "protectionPrice": None if self.protection_price is None else money_str(self.protection_price),
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> ChildOrder:
        return cls(
            customer_id=str(data["customerId"]),
            direction=Direction(data["direction"]),
            ticker=str(data["ticker"]),
            order_type=OrderType(data["type"]),
            quantity=int(data["quantity"]),
            price=_optional_money(data.get("price")),
            order_id=str(data["orderId"]),
            order_date=str(data["orderDate"]),
            initial_quantity=int(data["initialQuantity"]),
            split=data["split"] == "Yes",
            parent_order_id=str(data.get("parentOrderId") or data["orderId"]),
            reserved_amount=to_decimal(data.get("reservedAmount", "0")),
            protection_price=_optional_money(data.get("protectionPrice")),
        )

    def to_item(self, status: str) -> dict[str, Any]:
        item = wire_to_item(self.to_wire())
        item.update(keys.order_key(self.order_id))
        item["Status"] = status
        return item


@dataclass(frozen=True, kw_only=True)
class Trade:
    """A fill of one child order; `price` is the execution price."""

    customer_id: str
    direction: Direction
    ticker: str
    order_type: OrderType
    quantity: int
    price: Decimal
    order_id: str
    order_date: str
    initial_quantity: int
    split: bool
    parent_order_id: str
    reserved_amount: Decimal
    trade_id: str
    exchange: str
    exchange_type: ExchangeType
    trade_date: str
    fee: Decimal
    settlement_date: str | None = None

    @property
    def notional(self) -> Decimal:
        return cents(self.price * self.quantity)

    @property
    def cash_flow(self) -> Decimal:
        """What the trade does to the customer's funds: buys pay, sells receive, both pay the fee."""
        if self.direction is Direction.BUY:
            return -(self.notional + self.fee)
        return self.notional - self.fee

    @property
    def trade_day(self) -> str:
        return day_of(self.trade_date)

    def settled(self, settlement_date: str) -> Trade:
        return dataclasses.replace(self, settlement_date=settlement_date)

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "customerId": self.customer_id,
            "direction": self.direction.value,
            "ticker": self.ticker,
            "type": self.order_type.value,
            "quantity": self.quantity,
            "price": money_str(self.price),
            "orderId": self.order_id,
            "orderDate": self.order_date,
            "initialQuantity": self.initial_quantity,
            "split": "Yes" if self.split else "No",
            "parentOrderId": self.parent_order_id,
            "reservedAmount": money_str(self.reserved_amount),
            "tradeId": self.trade_id,
            "exchange": self.exchange,
            "exchangeType": self.exchange_type.value,
            "tradeDate": self.trade_date,
            "fee": money_str(self.fee),
        }
        if self.settlement_date is not None:
            wire["settlementDate"] = self.settlement_date
        return wire

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Trade:
        return cls(
            customer_id=str(data["customerId"]),
            direction=Direction(data["direction"]),
            ticker=str(data["ticker"]),
            order_type=OrderType(data["type"]),
            quantity=int(data["quantity"]),
            price=to_decimal(data["price"]),
            order_id=str(data["orderId"]),
            order_date=str(data["orderDate"]),
            initial_quantity=int(data["initialQuantity"]),
            split=data["split"] == "Yes",
            parent_order_id=str(data.get("parentOrderId") or data["orderId"]),
            reserved_amount=to_decimal(data.get("reservedAmount", "0")),
            trade_id=str(data["tradeId"]),
            exchange=str(data["exchange"]),
            exchange_type=ExchangeType(data["exchangeType"]),
            trade_date=str(data["tradeDate"]),
            fee=to_decimal(data["fee"]),
            settlement_date=data.get("settlementDate"),
        )

    def to_item(self) -> dict[str, Any]:
        item = wire_to_item(self.to_wire())
        item.update(keys.trade_key(self.customer_id, self.trade_day, self.trade_id))
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Trade:
        return cls.from_wire(item_to_wire(item))


MONEY_FIELDS = frozenset({"price", "fee", "reservedAmount", "protectionPrice"})
_ITEM_ONLY = frozenset({keys.PK, keys.SK})


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
        if name in _ITEM_ONLY:
            continue
        field = name[0].lower() + name[1:]
        if isinstance(value, Decimal):
            wire[field] = money_str(value) if field in MONEY_FIELDS or _is_money_attribute(name) else int(value)
        else:
            wire[field] = value
    return wire


_MONEY_ATTRIBUTES = frozenset(
    {
        "RemainingFunds",
        "AvailableFunds",
        "ReservedFunds",
        "TotalCommissionPaid",
        "TotalAmountInvested",
        "Amount",
    }
)


def _is_money_attribute(name: str) -> bool:
    return name in _MONEY_ATTRIBUTES


def _optional_money(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value)
