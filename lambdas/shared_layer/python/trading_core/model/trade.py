"""Trades: the fill of one child order at a venue, settled once."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from trading_core.common.clock import day_of
from trading_core.common.money import cents, money_str, to_decimal
from trading_core.model.child_order import Direction, OrderTicket
from trading_core.model.items import item_to_wire


class ExchangeType(StrEnum):
    DARK_POOL = "DarkPool"
    LIT_POOL = "LitPool"


@dataclass(frozen=True, kw_only=True)
class Trade(OrderTicket):
    """A fill of one child order, on its ticket; `price` is the execution price."""

    price: Decimal  # in the ticket's place among the fields
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
            **self.ticket_wire(),
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
            **cls.ticket_fields(data, lambda wire: to_decimal(wire["price"])),
            trade_id=str(data["tradeId"]),
            exchange=str(data["exchange"]),
            exchange_type=ExchangeType(data["exchangeType"]),
            trade_date=str(data["tradeDate"]),
            fee=to_decimal(data["fee"]),
            settlement_date=data.get("settlementDate"),
        )

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Trade:
        return cls.from_wire(item_to_wire(item))
