"""The Data API (`data-api`): customers and money (`customer_accounts`), and the reads of `data_api`:
a customer, positions, ledger, orders, portfolio, trades, tickers and orders by id."""

from __future__ import annotations

from typing import Any, Final

from trading_core.contracts import CUSTOMER_ACCOUNTS_FUNCTION, DATA_API_FUNCTION

from . import parameters as p
from .account_schemas import (
    CreatedCustomer,
    Customer,
    CustomerList,
    LedgerPage,
    Movement,
    MovementResult,
    NewCustomer,
    Portfolio,
    Positions,
)
from .market_schemas import TickerDay, TradePage
from .order_schemas import CustomerOrders, OrderView
from .replies import KEY_REPLIES, docs_operation, error, field_error, invalid_parameters, not_found
from .spec import ApiDocument, Operation, Parameter, Reply

NAME: Final = "data-api"
TITLE: Final = "Data API"

CUSTOMER_ID: Final = "000002"
_ORDER_ID = "5670b3df-2658-4cb4-9954-8f99b9eca7b3"
_CHILD_ID = "48ffb5ec-64a0-40be-9a45-b84e8e90dbc8"

CUSTOMER_EXAMPLE: Final = {
    "customerId": CUSTOMER_ID,
    "remainingFunds": "995984.99",
    "availableFunds": "991974.95",
    "reservedFunds": "4010.04",
    "totalDeposits": "1000000.00",
    "totalWithdrawals": "0.00",
    "nrTrades": 1,
    "totalCommissionPaid": "0.01",
    "totalAmountInvested": "4015.00",
    "realizedPnl": "0.00",
    "created": "2026-12-01T09:00:00.000Z",
    "updated": "2026-12-02T02:09:39.275Z",
}
ENTRY_EXAMPLE: Final = {
    "customerId": CUSTOMER_ID,
    "entryId": "initial-funds",
    "kind": "DEPOSIT",
    "amount": "1000000.00",
    "reason": "initial funds",
    "created": "2026-12-01T09:00:00.000Z",
}
_UNKNOWN_CUSTOMER = not_found("No customer has this id.", "customer 000099 not found")
_UNREADABLE = error(500, "The stored customer record's funds are not numbers; `errors` names the field.")
_IDEMPOTENCY_REPLIES = (
    error(409, "A request with this Idempotency-Key is still in progress."),
    error(422, "This Idempotency-Key was already used with another body."),
    error(503, "The idempotency store is unavailable; retry."),
)


def _body_error(field: str, message: str) -> Reply:
    return error(
        400, "A malformed body, parameter or Idempotency-Key; `errors` names each field.", _bad(field, message)
    )


def _bad(field: str, message: str) -> dict[str, Any]:
    return field_error("invalid request", field, message)


def _read(
    path: str,
    operation_id: str,
    summary: str,
    parameters: tuple[Parameter, ...],
    ok: Reply,
    *more: Reply,
    description: str = "",
    tags: tuple[str, ...] = ("customers",),
) -> Operation:
    """A GET of `data_api`: its 200, the 400 of its parameters, the API key's replies and `more`."""
    return Operation(
        "GET",
        path,
        operation_id,
        summary,
        DATA_API_FUNCTION,
        parameters=parameters,
        replies=(ok, invalid_parameters(parameters), *KEY_REPLIES, *more),
        description=description,
        tags=tags,
    )


LIST_CUSTOMERS: Final = Operation(
    "GET",
    "/customers",
    "listCustomers",
    "List the customers, by id",
    CUSTOMER_ACCOUNTS_FUNCTION,
    parameters=(p.LIMIT, p.NEXT_TOKEN),
    replies=(
        Reply(
            200, "A page of customers.", CustomerList, {"customers": [CUSTOMER_EXAMPLE], "count": 1, "nextToken": None}
        ),
        invalid_parameters((p.LIMIT,)),
        *KEY_REPLIES,
        _UNREADABLE,
    ),
    tags=("customers",),
)

CREATE_CUSTOMER: Final = Operation(
    "POST",
    "/customers",
    "createCustomer",
    "Create a customer with an initial deposit",
    CUSTOMER_ACCOUNTS_FUNCTION,
    parameters=(p.IDEMPOTENCY_KEY,),
    request_body=NewCustomer,
    request_example={"customerId": "000100", "initialDeposit": "1000.00", "reason": "opening deposit"},
    description="Without `customerId` a UUID is generated. The body is read as JSON whatever its Content-Type.",
    replies=(
        Reply(
            201,
            "The customer created, with its ledger.",
            CreatedCustomer,
            {
                **CUSTOMER_EXAMPLE,
                "customerId": "000100",
                "remainingFunds": "1000.00",
                "availableFunds": "1000.00",
                "reservedFunds": "0.00",
                "totalDeposits": "1000.00",
                "nrTrades": 0,
                "totalCommissionPaid": "0.00",
                "totalAmountInvested": "0.00",
                "ledger": [{**ENTRY_EXAMPLE, "customerId": "000100", "amount": "1000.00", "reason": "opening deposit"}],
            },
        ),
        _body_error("initialDeposit", "must have at most 2 decimal places"),
        *KEY_REPLIES,
        error(
            409,
            "A customer with this id exists (or the Idempotency-Key is in use).",
            {"message": "customer 000100 exists", "errors": []},
        ),
        *_IDEMPOTENCY_REPLIES[1:],
    ),
    tags=("customers",),
)

GET_CUSTOMER: Final = _read(
    "/customers/{customerId}",
    "getCustomer",
    "A customer's funds and statistics",
    (p.CUSTOMER_ID,),
    Reply(200, "The customer.", Customer, CUSTOMER_EXAMPLE),
    _UNKNOWN_CUSTOMER,
    _UNREADABLE,
)


def _movement(kind: str, operation_id: str, summary: str, conflict: Reply) -> Operation:
    return Operation(
        "POST",
        f"/customers/{{customerId}}/{kind}",
        operation_id,
        summary,
        CUSTOMER_ACCOUNTS_FUNCTION,
        parameters=(p.CUSTOMER_ID, p.IDEMPOTENCY_KEY),
        request_body=Movement,
        request_example={"amount": "250.00", "reason": "wire transfer"},
        description="Recorded as a ledger entry in the transaction that changes the funds.",
        replies=(
            Reply(
                201,
                "The ledger entry and the customer after it.",
                MovementResult,
                {
                    "entry": {
                        **ENTRY_EXAMPLE,
                        "entryId": "0b7f8a52-3f0e-4d0c-9c61-2b1f1f5e8a10",
                        "kind": "DEPOSIT" if kind == "deposits" else "WITHDRAWAL",
                        "amount": "250.00",
                        "reason": "wire transfer",
                        "created": "2026-12-02T03:00:00.000Z",
                    },
                    "customer": CUSTOMER_EXAMPLE,
                },
            ),
            _body_error("amount", "must be greater than 0"),
            *KEY_REPLIES,
            _UNKNOWN_CUSTOMER,
            conflict,
            *_IDEMPOTENCY_REPLIES[1:],
            _UNREADABLE,
        ),
        tags=("money",),
    )


DEPOSIT: Final = _movement(
    "deposits",
    "deposit",
    "Deposit money",
    error(409, "A request with this Idempotency-Key is still in progress."),
)
WITHDRAW: Final = _movement(
    "withdrawals",
    "withdraw",
    "Withdraw money (never more than the available funds)",
    error(
        409,
        "More than the available funds (or the Idempotency-Key is in use); nothing changed.",
        {"message": "insufficient funds: the withdrawal needs 250.00, available 100.00", "errors": []},
    ),
)

GET_POSITIONS: Final = _read(
    "/customers/{customerId}/positions",
    "getPositions",
    "A customer's positions, valued at the market price now",
    (p.CUSTOMER_ID,),
    Reply(
        200,
        "Every position held, or sold out with realized P&L.",
        Positions,
        {
            "customerId": CUSTOMER_ID,
            "positions": [
                {
                    "ticker": "COIN",
                    "quantity": 100,
                    "availableQuantity": 100,
                    "reservedQuantity": 0,
                    "costBasis": "4015.01",
                    "averageCost": "40.15",
                    "realizedPnl": "0.00",
                    "marketPrice": "40.23",
                    "priceTime": "2026-12-02T02:10:00.000Z",
                    "marketValue": "4023.00",
                    "unrealizedPnl": "7.99",
                }
            ],
            "count": 1,
        },
    ),
    _UNKNOWN_CUSTOMER,
)

GET_LEDGER: Final = _read(
    "/customers/{customerId}/ledger",
    "getLedger",
    "A customer's deposits and withdrawals, oldest first",
    (p.CUSTOMER_ID, p.LIMIT, p.NEXT_TOKEN),
    Reply(
        200,
        "A page of ledger entries.",
        LedgerPage,
        {"customerId": CUSTOMER_ID, "entries": [ENTRY_EXAMPLE], "count": 1, "nextToken": None},
    ),
    _UNKNOWN_CUSTOMER,
    tags=("money",),
)

GET_CUSTOMER_ORDERS: Final = _read(
    "/customers/{customerId}/orders",
    "listCustomerOrders",
    "A customer's orders, newest first",
    (
        p.CUSTOMER_ID,
        p.ORDER_STATUS,
        p.described(p.FROM_DAY, "Orders placed on or after this day."),
        p.described(p.TO_DAY, "Orders placed on or before this day."),
        p.LIMIT,
        p.NEXT_TOKEN,
    ),
    Reply(
        200,
        "A page of the customer's parent orders.",
        CustomerOrders,
        {
            "customerId": CUSTOMER_ID,
            "orders": [
                {
                    "orderId": _ORDER_ID,
                    "customerId": CUSTOMER_ID,
                    "direction": "Buy",
                    "ticker": "COIN",
                    "type": "Limit",
                    "quantity": 100,
                    "price": "40.15",
                    "timeInForce": "GTC",
                    "orderDate": "2026-12-02T02:03:40.112Z",
                    "kind": "parent",
                    "status": "FILLED",
                    "filledQuantity": 100,
                    "openQuantity": 0,
                    "averagePrice": "40.15",
                    "fees": "0.01",
                    "notional": "4015.00",
                    "children": [],
                }
            ],
            "count": 1,
            "nextToken": None,
        },
    ),
    _UNKNOWN_CUSTOMER,
    tags=("orders",),
)

GET_PORTFOLIO: Final = _read(
    "/customers/{customerId}/portfolio",
    "getPortfolio",
    "A customer's portfolio at the end of a day, or its daily series",
    (
        p.CUSTOMER_ID,
        p.described(p.DATE, "Value the holdings at the end of this day (not after today)."),
        p.described(p.FROM_DAY, "The first day of the series (with `to`; at most 366 days)."),
        p.described(p.TO_DAY, "The last day of the series (not after today)."),
    ),
    Reply(
        200,
        "The portfolio at the end of `date`, or the daily totals from `from` to `to`.",
        Portfolio,
        {
            "customerId": CUSTOMER_ID,
            "date": "2026-11-30",
            "cash": "995984.99",
            "marketValue": "4020.00",
            "equity": "1000004.99",
            "realizedPnl": "0.00",
            "unrealizedPnl": "4.99",
            "positions": [
                {
                    "ticker": "COIN",
                    "quantity": 100,
                    "costBasis": "4015.01",
                    "averageCost": "40.15",
                    "close": "40.20",
                    "closeDate": "2026-11-30",
                    "marketValue": "4020.00",
                    "unrealizedPnl": "4.99",
                    "realizedPnl": "0.00",
                }
            ],
            "missingPrices": [],
        },
    ),
    _UNKNOWN_CUSTOMER,
    _UNREADABLE,
    error(503, "Missing history could not be fetched now; retry."),
    description=(
        "Exactly one form: `date`, or `from` and `to`. Holdings are valued at the close of that day from the "
        "stored history (missing history is fetched first); a ticker with no close is listed in "
        "`missingPrices` and valued at null."
    ),
    tags=("portfolio",),
)

GET_TRADES: Final = _read(
    "/trades/{customerId}",
    "listTrades",
    "A customer's trades: of a day, of a date range, or all",
    (
        p.CUSTOMER_ID,
        p.TRADE_DATE,
        p.described(p.FROM_DAY, "Trades on or after this day (not with `tradeDate`)."),
        p.described(p.TO_DAY, "Trades on or before this day (not with `tradeDate`)."),
        p.LIMIT,
        p.NEXT_TOKEN,
    ),
    Reply(
        200,
        "A page of trades, oldest first.",
        TradePage,
        {
            "customerId": CUSTOMER_ID,
            "tradeDate": "2026-12-02",
            "trades": [
                {
                    "tradeId": "9c1e4f3a-8b2d-4e6f-a1c3-5d7e9f0b2a4c",
                    "orderId": _CHILD_ID,
                    "parentOrderId": _ORDER_ID,
                    "customerId": CUSTOMER_ID,
                    "direction": "Buy",
                    "ticker": "COIN",
                    "type": "Limit",
                    "quantity": 100,
                    "price": "40.15",
                    "exchange": "NYSE",
                    "exchangeType": "LitPool",
                    "tradeDate": "2026-12-02T02:09:39.175Z",
                    "fee": "0.01",
                    "settlementDate": "2026-12-02T02:09:39.275Z",
                }
            ],
            "count": 1,
            "nextToken": None,
        },
    ),
    _UNKNOWN_CUSTOMER,
    tags=("trades",),
)

GET_TICKER: Final = _read(
    "/tickers/{ticker}",
    "getTicker",
    "A ticker's trades on a day, its VWAP and the market price now",
    (p.ORDER_TICKER, p.described(p.DATE, "The day of the statistics (today by default).")),
    Reply(
        200,
        "The day's statistics and the market price.",
        TickerDay,
        {
            "ticker": "COIN",
            "date": "2026-12-02",
            "nrTrades": 9,
            "totalQuantity": 8614,
            "totalNotional": "345852.10",
            "vwap": "40.15",
            "marketPrice": "40.23",
            "priceTime": "2026-12-02T02:10:00.000Z",
        },
    ),
    not_found(
        "No market data and no trades that day.",
        "ticker ZZZZ not found: no market data and no trades on 2026-12-01",
    ),
    tags=("trades",),
)

GET_ORDER: Final = _read(
    "/orders/{orderId}",
    "getOrder",
    "A child order, or a parent order with its children",
    (p.ORDER_ID,),
    Reply(
        200,
        "The order and its status.",
        OrderView,
        {
            "orderId": _CHILD_ID,
            "customerId": CUSTOMER_ID,
            "direction": "Buy",
            "ticker": "COIN",
            "type": "Limit",
            "quantity": 100,
            "price": "40.15",
            "orderDate": "2026-12-02T02:03:40.112Z",
            "initialQuantity": 100,
            "split": "No",
            "parentOrderId": _ORDER_ID,
            "reservedAmount": "4015.04",
            "timeInForce": "GTC",
            "status": "FILLED",
        },
    ),
    not_found("No order has this id.", f"order {_ORDER_ID} not found"),
    tags=("orders",),
)

DOCUMENT: Final = ApiDocument(
    NAME,
    TITLE,
    "Customers and their money, positions, portfolio, orders and trades; tickers. Every call but this document "
    "needs the `x-api-key` header. Money is a string with 2 decimals.",
    (
        LIST_CUSTOMERS,
        CREATE_CUSTOMER,
        GET_CUSTOMER,
        DEPOSIT,
        WITHDRAW,
        GET_POSITIONS,
        GET_LEDGER,
        GET_CUSTOMER_ORDERS,
        GET_PORTFOLIO,
        GET_TRADES,
        GET_TICKER,
        GET_ORDER,
        docs_operation(TITLE),
    ),
)
