"""The Orders API (`orders-api`): orders in (`order_router`), cancels (`order_canceller`)."""

from __future__ import annotations

from typing import Final

from trading_core.contracts import ORDER_CANCELLER_FUNCTION, ORDER_ROUTER_FUNCTION
from trading_core.orders.request import MAX_BODY_BYTES, MAX_ORDERS_PER_REQUEST

from . import parameters as p
from .examples import (
    CHILD_ORDER_ID as _CHILD,
)
from .examples import (
    OTHER_CUSTOMER_ID,
    SEED_ORDER,
)
from .examples import (
    PARENT_ORDER_ID as _PARENT,
)
from .examples import (
    REFUSED_ORDER_ID as _REFUSED,
)
from .examples import (
    SECOND_CHILD_ORDER_ID as _SECOND_CHILD,
)
from .order_schemas import CancelConflict, Cancellation, OrderRequest, RoutingAnswer
from .replies import KEY_REPLIES, docs_operation, error, field_error, invalid_parameters, not_found
from .spec import ApiDocument, Operation, Reply

NAME: Final = "orders-api"
TITLE: Final = "Orders API"

ROUTED_EXAMPLE: Final = {
    "orders": [
        {
            **SEED_ORDER,
            "quantity": 1000,
            "orderId": _CHILD,
            "orderDate": "2026-12-02T02:03:40.112Z",
            "initialQuantity": 8614,
            "split": "Yes",
            "parentOrderId": _PARENT,
            "reservedAmount": "161941.89",
            "timeInForce": "DAY",
            "expiresAt": "2026-12-02T21:00:00.000Z",
            "protectionPrice": None,
            "marketPrice": "161.75",
            "pricedAt": "2026-12-02T02:03:40.112Z",
            "status": "ACCEPTED",
        }
    ],
    "invalidOrders": [
        {
            "order": {
                "customerId": OTHER_CUSTOMER_ID,
                "direction": "Sell",
                "ticker": "TSLA",
                "type": "Market",
                "quantity": 10,
            },
            "reason": "insufficient position: the order needs 10, available 0",
            "orderId": _REFUSED,
        }
    ],
}

POST_ORDERS: Final = Operation(
    "POST",
    "/orders",
    "postOrders",
    "Send one order or up to 100",
    ORDER_ROUTER_FUNCTION,
    parameters=(p.IDEMPOTENCY_KEY,),
    request_body=OrderRequest,
    request_example=SEED_ORDER,
    description=(
        "Each order is validated, its funds (buys) or shares (sells) reserved, and it is split into child orders "
        "that go to a pool at the market price (ACCEPTED) or rest in the order book (OPEN). An order the router "
        "refuses (unknown customer or ticker, insufficient funds or position, too large) is listed in "
        "`invalidOrders` with its reason and kept as REFUSED. A malformed request is refused as a whole (400): "
        f"nothing is written. At most {MAX_ORDERS_PER_REQUEST} orders and {MAX_BODY_BYTES} bytes; the body is "
        "read as JSON whatever its Content-Type."
    ),
    replies=(
        Reply(200, "The child orders made and the orders refused.", RoutingAnswer, ROUTED_EXAMPLE),
        error(
            400,
            "A malformed body or Idempotency-Key; `errors` names each field (`[0].quantity`); nothing was written.",
            field_error("invalid order", "[0].quantity", "must be greater than 0"),
        ),
        *KEY_REPLIES,
        error(409, "A request with this Idempotency-Key is still in progress."),
        error(413, f"The body is over {MAX_BODY_BYTES} bytes."),
        error(422, "This Idempotency-Key was already used with other orders."),
        error(503, "The idempotency store is unavailable; retry."),
    ),
    tags=("orders",),
)

DELETE_ORDER: Final = Operation(
    "DELETE",
    "/orders/{orderId}",
    "cancelOrder",
    "Cancel a child order, or every live child of a parent order",
    ORDER_CANCELLER_FUNCTION,
    parameters=(p.ORDER_ID,),
    description="What the cancelled children reserved is given back in the transaction that cancels them.",
    replies=(
        Reply(
            200,
            "The children cancelled, what they released and those that had already ended.",
            Cancellation,
            {
                "orderId": _PARENT,
                "cancelled": [_CHILD, _SECOND_CHILD],
                "released": {"funds": "30180.27", "quantity": 0},
                "notCancelled": [],
            },
        ),
        invalid_parameters((p.ORDER_ID,)),
        *KEY_REPLIES,
        not_found("No order has this id.", f"order {_PARENT} not found"),
        Reply(
            409,
            "Nothing of the order is live any more.",
            CancelConflict,
            {
                "message": f"order {_CHILD} is FILLED",
                "errors": [],
                "orderId": _CHILD,
                "status": "FILLED",
                "notCancelled": [],
            },
        ),
    ),
    tags=("orders",),
)

DOCUMENT: Final = ApiDocument(
    NAME,
    TITLE,
    "Orders in and cancels. Every call but this document needs the `x-api-key` header.",
    (POST_ORDERS, DELETE_ORDER, docs_operation(TITLE)),
)
