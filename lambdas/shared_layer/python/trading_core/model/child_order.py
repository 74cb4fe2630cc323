"""Child orders: what the router sends to a pool, at most the split size each."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from trading_core.common.money import money_str, to_decimal
from trading_core.contracts import DARK_POOL_TYPE, LIT_POOL_TYPE
from trading_core.model.items import optional_money

# A child ORDER item's `Status` (docs/architecture.md §2 "Order lifecycle"). ACCEPTED: on its way to a
# pool at a marketable price; OPEN: resting, its reservation held until it fills, is cancelled or
# expires; the other three are final. A fill settles only an ACCEPTED or OPEN order, and a cancel or
# expiry moves only those, so the ORDER item decides a race between them: one outcome, never two.
ACCEPTED: Final = "ACCEPTED"
OPEN: Final = "OPEN"
FILLED: Final = "FILLED"
REJECTED: Final = "REJECTED"
CANCELLED: Final = "CANCELLED"
EXPIRED: Final = "EXPIRED"
LIVE_STATUSES: Final = (ACCEPTED, OPEN)
"""The states a fill, a cancel or an expiry may leave."""
PARENT_KIND: Final = "PARENT"
"""`Kind` of the ORDER item of a parent order, which holds its children (`model.order_item`)."""
TRADE_ID: Final = "TradeId"
FILL_PRICE: Final = "FillPrice"
FILL_FEE: Final = "FillFee"
FILL_DATE: Final = "FillDate"
FILL_ATTRIBUTES: Final = (TRADE_ID, FILL_PRICE, FILL_FEE, FILL_DATE)
"""What settlement writes on a child ORDER item as it marks it FILLED: its trade's id, price, fee and date."""
SETTLED_BY: Final = "SettledBy"
"""The delivery whose settlement filled the child (`settlement.post_trade.delivery_tag`): it alone archives and
announces the trade, however many deliveries (a redelivery, the order book's next run) bring it again."""


class Direction(StrEnum):
    BUY = "Buy"
    SELL = "Sell"


class OrderType(StrEnum):
    LIMIT = "Limit"
    MARKET = "Market"


class TimeInForce(StrEnum):
    DAY = "DAY"
    """Expires at the close of the trading day it was placed in (`market.session`)."""
    GTC = "GTC"
    """Good till cancelled."""


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
    time_in_force: TimeInForce = TimeInForce.DAY
    expires_at: str | None = None
    """The close a DAY order expires at (ISO-8601 UTC); None for GTC."""

    def ticket_terms(self) -> dict[str, Any]:
        """The ticket's terms as keyword arguments: what a trade carries on from the order it fills."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(OrderTicket)}

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
            "timeInForce": self.time_in_force.value,
            "expiresAt": self.expires_at,
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
            "time_in_force": TimeInForce(data.get("timeInForce") or TimeInForce.DAY.value),
            "expires_at": data.get("expiresAt"),
        }


@dataclass(frozen=True, kw_only=True)
class ChildOrder(OrderTicket):
    """A child order; `quantity` never exceeds the split size.

    On its way to a pool it carries the market price it was found marketable at and that instant
    (`market_price`, `priced_at`), decided once by the router or the order book; both pools fill at
    that price, so the venue, the reservation and the data API never disagree on it."""

    protection_price: Decimal | None = None
    market_price: Decimal | None = None
    priced_at: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return {
            **self.ticket_wire(),
            "protectionPrice": None if self.protection_price is None else money_str(self.protection_price),
            "marketPrice": None if self.market_price is None else money_str(self.market_price),
            "pricedAt": self.priced_at,
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> ChildOrder:
        return cls(
            **cls.ticket_fields(data, lambda wire: optional_money(wire.get("price"))),
            protection_price=optional_money(data.get("protectionPrice")),
            market_price=optional_money(data.get("marketPrice")),
            priced_at=data.get("pricedAt"),
        )

    def priced(self, market_price: Decimal, priced_at: str) -> ChildOrder:
        """The order as sent to a pool: marketable at `market_price` at `priced_at`."""
        return dataclasses.replace(self, market_price=market_price, priced_at=priced_at)

    @property
    def initial_status(self) -> str:
        """ACCEPTED when the router priced it marketable (it goes to a pool now), else OPEN (it rests)."""
        return ACCEPTED if self.priced_at is not None else OPEN
