"""The Orders API's bodies and the order views of the data API.

`OrderRequest` follows `orders.request` (hand-written validation, the single authority at run time): the same
enums, patterns and limits, so the document cannot promise another order than the router accepts.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import ConfigDict, Field, RootModel
from pydantic.config import JsonDict

from trading_core.contracts import CUSTOMER_ID_PATTERN, MAX_ORDER_QUANTITY, ORDER_TICKER_PATTERN
from trading_core.model.child_order import Direction, OrderType, TimeInForce
from trading_core.orders.request import MAX_ORDERS_PER_REQUEST, MAX_PRICE

from .parameters import ORDER_STATUSES
from .schemas import ClosedModel, ErrorBody, Money, OpenModel, Timestamp

# A price as text: greater than 0, at most MAX_PRICE (1000000000), at most 2 decimals, no leading zeros.
PRICE_TEXT_PATTERN: Final = r"^(?:[1-9]\d{0,8}(?:\.\d{1,2})?|1000000000(?:\.0{1,2})?|0\.(?:[1-9]\d?|0[1-9]))$"
_LIMIT_NEEDS_PRICE: JsonDict = {
    "if": {"properties": {"type": {"const": OrderType.LIMIT.value}}, "required": ["type"]},
    "then": {"required": ["price"], "properties": {"price": {"not": {"type": "null"}}}},
}
_MARKET_HAS_NO_PRICE: JsonDict = {
    "if": {"properties": {"type": {"const": OrderType.MARKET.value}}, "required": ["type"]},
    "then": {"properties": {"price": {"type": "null"}}},
}


class Order(ClosedModel):
    """One order as sent: a Limit order has a `price`, a Market order none."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"allOf": [_LIMIT_NEEDS_PRICE, _MARKET_HAS_NO_PRICE]})

    customerId: str = Field(pattern=CUSTOMER_ID_PATTERN)
    direction: Direction
    ticker: str = Field(pattern=ORDER_TICKER_PATTERN)
    type: OrderType
    quantity: int = Field(ge=1, le=MAX_ORDER_QUANTITY)
    price: Any = Field(
        default=None,
        json_schema_extra={
            "anyOf": [
                {"type": "string", "pattern": PRICE_TEXT_PATTERN},
                {"type": "number", "exclusiveMinimum": 0, "maximum": int(MAX_PRICE)},
                {"type": "null"},
            ],
            "description": f'The limit: a decimal string such as "161.90" or a number, greater than 0, at most '
            f"{MAX_PRICE}, at most 2 decimals; absent (or null) for a Market order.",
        },
    )
    timeInForce: TimeInForce = Field(
        default=TimeInForce.DAY, description="DAY (the default) expires at the close; GTC is good till cancelled."
    )


class Orders(RootModel[list[Order]]):
    root: list[Order] = Field(min_length=1, max_length=MAX_ORDERS_PER_REQUEST)


class OrderRequest(RootModel[Order | Orders]):
    """`POST /orders`: one order object, or an array of 1 to 100 orders."""


class ChildOrder(OpenModel):
    """A child order as the router made it: at most the split size, on its way to a pool (ACCEPTED, at
    `marketPrice`) or resting in the order book (OPEN)."""

    customerId: str
    direction: Direction
    ticker: str
    type: OrderType
    quantity: int = Field(ge=1)
    price: Money | None
    orderId: str
    orderDate: Timestamp
    initialQuantity: int = Field(description="The quantity of the order it was split from.")
    split: Literal["Yes", "No"]
    parentOrderId: str
    reservedAmount: Money
    timeInForce: TimeInForce
    expiresAt: Timestamp | None = Field(description="The close a DAY order expires at; null for GTC.")
    protectionPrice: Money | None
    marketPrice: Money | None
    pricedAt: Timestamp | None
    status: Literal["ACCEPTED", "OPEN"]


class RefusedOrder(OpenModel):
    """An order refused by the router: kept with status REFUSED and its reason (GET /orders/{orderId})."""

    order: dict[str, Any] = Field(description="The order as sent (numbers come back as strings).")
    reason: str = Field(description="e.g. `unknown customer 000099`, `unknown ticker`, `insufficient funds: ...`.")
    orderId: str | None = Field(
        description="The REFUSED parent order that records it; null for a transient refusal (retry), which is not kept."
    )


class RoutingAnswer(OpenModel):
    """What `POST /orders` answers when the request was well-formed: the child orders made, the orders refused."""

    orders: list[ChildOrder]
    invalidOrders: list[RefusedOrder]


class Released(OpenModel):
    funds: Money = Field(description="What the cancelled buys had reserved.")
    quantity: int = Field(description="The shares the cancelled sells had reserved.")


class ChildStatus(OpenModel):
    orderId: str
    status: str


class Cancellation(OpenModel):
    """`DELETE /orders/{orderId}`: the children cancelled, what they released, those already ended."""

    orderId: str
    cancelled: list[str]
    released: Released
    notCancelled: list[ChildStatus]


class CancelConflict(ErrorBody):
    """409: nothing of the order is live any more (`status` is the children's common status, else DONE)."""

    orderId: str
    status: str
    notCancelled: list[ChildStatus]


class ChildOrderView(OpenModel):
    """A child order as stored (absent fields were null), its status and why it ended without a fill."""

    orderId: str
    customerId: str
    direction: Direction
    ticker: str
    type: OrderType
    quantity: int
    status: str = Field(description="ACCEPTED, OPEN, FILLED, CANCELLED, EXPIRED or REJECTED.")
    price: Money | None = None
    orderDate: Timestamp | None = None
    initialQuantity: int | None = None
    split: Literal["Yes", "No"] | None = None
    parentOrderId: str | None = None
    reservedAmount: Money | None = None
    timeInForce: TimeInForce | None = None
    expiresAt: Timestamp | None = None
    marketPrice: Money | None = None
    pricedAt: Timestamp | None = None
    statusReason: str | None = None
    tradeId: str | None = Field(default=None, description="Once FILLED: its trade.")
    fillPrice: Money | None = None
    fillFee: Money | None = None
    fillDate: Timestamp | None = None
    updated: Timestamp | None = None


class ParentOrderView(OpenModel):
    """A parent order: as sent, its children and what they add up to; a refused one has its `reason`."""

    orderId: str
    customerId: str
    direction: Direction
    ticker: str
    type: OrderType
    quantity: int
    kind: Literal["parent"]
    status: Literal[*ORDER_STATUSES] = Field(  # type: ignore[valid-type]
        description="Derived from the children (PARTIALLY_FILLED while some are filled and others live); REFUSED "
        "when the router refused the order."
    )
    filledQuantity: int
    openQuantity: int
    children: list[ChildOrderView]
    price: Money | None = None
    timeInForce: TimeInForce | None = None
    orderDate: Timestamp | None = None
    marketPriceAtOrder: Money | None = None
    averagePrice: Money | None = Field(default=None, description="Of the fills; null while nothing is filled.")
    fees: Money | None = None
    notional: Money | None = None
    reason: str | None = Field(default=None, description="Why the router refused the order (status REFUSED).")
    updated: Timestamp | None = None


class OrderView(RootModel[ParentOrderView | ChildOrderView]):
    """`GET /orders/{orderId}`: a parent order (`kind: parent`) or a child order."""


class CustomerOrders(OpenModel):
    """A customer's parent orders, newest first."""

    customerId: str
    orders: list[ParentOrderView]
    count: int = Field(ge=0)
    nextToken: str | None
