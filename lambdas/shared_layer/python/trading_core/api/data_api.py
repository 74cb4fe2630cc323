"""The Data API (`data-api`): the reads of `data_api` (a customer, positions, ledger, orders, portfolio, trades,
tickers, orders by id) and the customers and money of `customer_operations`."""

from __future__ import annotations

from typing import Final

from trading_core.contracts import DATA_API_FUNCTION

from . import parameters as p
from .account_schemas import Customer, LedgerPage, Portfolio, Positions
from .customer_operations import CREATE_CUSTOMER, DEPOSIT, LIST_CUSTOMERS, UNKNOWN_CUSTOMER, UNREADABLE, WITHDRAW
from .examples import CHILD_ORDER_ID, CUSTOMER, CUSTOMER_ID, LEDGER_ENTRY, PARENT_ORDER_ID
from .market_schemas import TickerDay, TradePage
from .order_schemas import CustomerOrders, OrderView
from .replies import KEY_REPLIES, docs_operation, error, invalid_parameters, not_found
from .spec import ApiDocument, Operation, Parameter, Reply

NAME: Final = "data-api"
TITLE: Final = "Data API"


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


GET_CUSTOMER: Final = _read(
    "/customers/{customerId}",
    "getCustomer",
    "A customer's funds and statistics",
    (p.CUSTOMER_ID,),
    Reply(200, "The customer.", Customer, CUSTOMER),
    UNKNOWN_CUSTOMER,
    UNREADABLE,
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
    UNKNOWN_CUSTOMER,
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
        {"customerId": CUSTOMER_ID, "entries": [LEDGER_ENTRY], "count": 1, "nextToken": None},
    ),
    UNKNOWN_CUSTOMER,
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
                    "orderId": PARENT_ORDER_ID,
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
    UNKNOWN_CUSTOMER,
    error(503, "The customer orders index is being built or replaced (an upgrade of the stage); retry."),
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
    UNKNOWN_CUSTOMER,
    UNREADABLE,
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
                    "orderId": CHILD_ORDER_ID,
                    "parentOrderId": PARENT_ORDER_ID,
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
    UNKNOWN_CUSTOMER,
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
            "orderId": CHILD_ORDER_ID,
            "customerId": CUSTOMER_ID,
            "direction": "Buy",
            "ticker": "COIN",
            "type": "Limit",
            "quantity": 100,
            "price": "40.15",
            "orderDate": "2026-12-02T02:03:40.112Z",
            "initialQuantity": 100,
            "split": "No",
            "parentOrderId": PARENT_ORDER_ID,
            "reservedAmount": "4015.04",
            "timeInForce": "GTC",
            "status": "FILLED",
        },
    ),
    not_found("No order has this id.", f"order {PARENT_ORDER_ID} not found"),
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
