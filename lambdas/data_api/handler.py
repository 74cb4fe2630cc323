"""Data API: customers, their positions (valued at the market price) and ledger entries (paginated), their
orders (newest first, paginated), trades (of a day or a range of days, paginated), tickers (the day's
statistics, VWAP and the market price) and orders (children, or a parent with its children and fills),
read from TradesStore and the MarketData table, as `trading_core.api.data_api` documents them.

Every 4xx/5xx is the one error body (`trading_core.api.errors.error_body`): a 400 names the parameter at
fault with its hint (`trading_core.api.parameters`), a 404 has `errors: []`.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, NamedTuple

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.api import parameters as p
from trading_core.api.data_api import DOCUMENT as DATA_API
from trading_core.api.errors import FieldError, error_body
from trading_core.api.query_parameters import documented_query, only_documented
from trading_core.common import aws_clients
from trading_core.common.clock import utc_now
from trading_core.common.environment import DataApiEnvironment, load
from trading_core.common.money import money_str
from trading_core.common.observability import observability
from trading_core.customers.record import UnreadableCustomer
from trading_core.market.price import MarketPrices
from trading_core.market_data.history_lookup import HISTORY_LOOKUP_CONFIG, FunctionHistoryLookup, HistoryUnavailable
from trading_core.market_data.store import MarketDataStore
from trading_core.queries.order_queries import OrdersIndexUnavailable
from trading_core.queries.parameters import (
    DAY_PATTERN,
    InvalidParameter,
    day_range,
    invalid_request_body,
    parse_day,
)
from trading_core.queries.portfolio import portfolio_request
from trading_core.queries.portfolio_reads import PortfolioReads
from trading_core.queries.position_view import is_shown, position_wire, ticker_of
from trading_core.queries.trades_queries import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, TradesQueries

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics
app = APIGatewayRestResolver(enable_validation=True)
app.use([only_documented(documented_query(DATA_API))])

CustomerId = Annotated[str, Path(pattern=p.CUSTOMER_ID.pattern)]
Day = Annotated[str, Query(pattern=DAY_PATTERN)]
From = Annotated[str | None, Query(alias="from", pattern=DAY_PATTERN)]
To = Annotated[str | None, Query(alias="to", pattern=DAY_PATTERN)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
NextToken = Annotated[str | None, Query(min_length=1, max_length=p.NEXT_TOKEN_MAX_LENGTH)]
# What a parameter that fails its schema is told, per parameter (pydantic would echo the regex or bound).
HINTS = p.hints(
    (
        p.CUSTOMER_ID,
        p.ORDER_TICKER,
        p.ORDER_ID,
        p.TRADE_DATE,
        p.DATE,
        p.FROM_DAY,
        p.TO_DAY,
        p.LIMIT,
        p.NEXT_TOKEN,
        p.ORDER_STATUS,
    )
)
MAX_TRADE_RANGE_DAYS = 366
# The path parameter of each resource, for a path the router cannot read (`unreadable_path`).
PATH_PARAMETERS = {
    "customers": p.CUSTOMER_ID,
    "trades": p.CUSTOMER_ID,
    "tickers": p.ORDER_TICKER,
    "orders": p.ORDER_ID,
}


class Reads(NamedTuple):
    trades: TradesQueries
    prices: MarketPrices
    portfolio: PortfolioReads


@functools.cache
def build() -> Reads:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    env = load(DataApiEnvironment)
    market_data = MarketDataStore(aws_clients.table(env.market_data_table))
    history = FunctionHistoryLookup(aws_clients.client("lambda", HISTORY_LOOKUP_CONFIG), env.history_lookup_function)
    portfolio = PortfolioReads(aws_clients.table(env.trades_table), market_data, history)
    return Reads(
        TradesQueries(aws_clients.table(env.trades_table)), MarketPrices(market_data.reference_prices), portfolio
    )


def not_found(what: str, why: str = "") -> Response[Any]:
    return Response(404, content_types.APPLICATION_JSON, error_body(f"{what} not found{why}"))


def found(item: dict[str, Any] | None, what: str) -> Response[Any] | dict[str, Any]:
    return item if item is not None else not_found(what)


@app.get("/customers/<customerId>")
def get_customer(customerId: CustomerId) -> Any:
    return found(build().trades.customer(customerId), f"customer {customerId}")


@app.get("/customers/<customerId>/positions")
def get_positions(customerId: CustomerId) -> Any:
    """Every position held (or closed with realized P&L), valued at the market price now."""
    now = utc_now()
    reads = build()
    items = reads.trades.positions(customerId)
    if not items and not reads.trades.customer_exists(customerId):
        return found(None, f"customer {customerId}")
    shown = [item for item in items if is_shown(item)]
    reads.prices.references(ticker_of(item) for item in shown)  # one lookup; the quotes below hit the cache
    positions = [position_wire(item, reads.prices.quote(ticker_of(item), now)) for item in shown]
    return {"customerId": customerId, "positions": positions, "count": len(positions)}


@app.get("/customers/<customerId>/ledger")
def get_ledger(
    customerId: CustomerId,
    limit: Limit = DEFAULT_PAGE_SIZE,
    nextToken: NextToken = None,
) -> Any:
    """The customer's deposits and withdrawals, oldest first."""
    reads = build()
    page = reads.trades.ledger(customerId, limit=limit, token=nextToken)
    if not page.entries and nextToken is None and not reads.trades.customer_exists(customerId):
        return found(None, f"customer {customerId}")
    return {"customerId": customerId, **page.to_wire()}


@app.get("/customers/<customerId>/portfolio")
def get_portfolio(
    customerId: CustomerId,
    date: Day | None = None,
    start: Annotated[str | None, Query(alias="from", pattern=DAY_PATTERN)] = None,
    end: Annotated[str | None, Query(alias="to", pattern=DAY_PATTERN)] = None,
) -> Any:
    """Holdings and cash at the end of `date` (or of every day from `from` to `to`), at the day's close."""
    request = portfolio_request(date, start, end, utc_now().date())
    reads = build().portfolio
    if request.single:
        return found(reads.portfolio(customerId, request.first), f"customer {customerId}")
    return found(reads.portfolio_range(customerId, request.first, request.last), f"customer {customerId}")


@app.get("/customers/<customerId>/orders")
def get_customer_orders(
    customerId: CustomerId,
    status: Annotated[str | None, Query()] = None,
    start: From = None,
    end: To = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    nextToken: NextToken = None,
) -> Any:
    """The customer's parent orders, newest first, optionally of one derived status and of the order days
    `from`..`to`. A filtered page may hold fewer than `limit` orders with a nextToken (`queries.order_queries`)."""
    if status is not None and status not in p.ORDER_STATUSES:
        raise InvalidParameter(p.ORDER_STATUS.name, p.ORDER_STATUS.hint or "")
    days = day_range(start, end)
    reads = build()
    page = reads.trades.customer_orders(customerId, days=days, status=status, limit=limit, token=nextToken)
    if (
        not page.orders
        and page.next_token is None
        and nextToken is None
        and not reads.trades.customer_exists(customerId)
        and not reads.trades.has_orders(customerId)
    ):
        return not_found(f"customer {customerId}")
    return {"customerId": customerId, **page.to_wire()}


@app.get("/trades/<customerId>")
def get_trades(
    customerId: CustomerId,
    tradeDate: Day | None = None,
    start: From = None,
    end: To = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    nextToken: NextToken = None,
) -> Any:
    """The customer's trades, oldest first: of `tradeDate`, of the days `from`..`to` (both, at most 366 days),
    or all of them."""
    if tradeDate is not None and (start is not None or end is not None):
        raise InvalidParameter(p.TRADE_DATE.name, "must not be given with from and to")
    day = parse_day(tradeDate, "tradeDate") if tradeDate else None
    days = day_range(start, end, together=True, max_days=MAX_TRADE_RANGE_DAYS) if start or end else None
    reads = build()
    page = reads.trades.trades(customerId, trade_day=day, days=days, limit=limit, token=nextToken)
    if not page.trades and nextToken is None and not reads.trades.customer_exists(customerId):
        return not_found(f"customer {customerId}")
    form = {"tradeDate": day} if days is None else {"tradeDate": None, "from": days.first, "to": days.last}
    return {"customerId": customerId, **form, **page.to_wire()}


@app.get("/tickers/<ticker>")
def get_ticker(ticker: Annotated[str, Path(pattern=p.ORDER_TICKER.pattern)], date: Day | None = None) -> Any:
    """The day's trade statistics and VWAP (today by default) and the market price now (`market.price`)."""
    now = utc_now()
    day = parse_day(date, "date") if date else now.date().isoformat()
    reads = build()
    statistics = reads.trades.ticker_day(ticker, day)
    quote = reads.prices.quote(ticker, now)
    if quote is None and statistics["nrTrades"] == 0:
        return not_found(f"ticker {ticker}", f": no market data and no trades on {day}")
    market = {"marketPrice": money_str(quote.price), "priceTime": quote.at} if quote else {"marketPrice": None}
    return {**statistics, **market}


@app.get("/orders/<orderId>")
def get_order(orderId: Annotated[str, Path(pattern=p.ORDER_ID.pattern)]) -> Any:
    return found(build().trades.order(orderId), f"order {orderId}")


@app.exception_handler([RequestValidationError, InvalidParameter])
def invalid_parameters(error: RequestValidationError | InvalidParameter) -> Response[Any]:
    return Response(400, content_types.APPLICATION_JSON, invalid_request_body(error, HINTS))


@app.exception_handler(UnreadableCustomer)
def unreadable_customer(error: UnreadableCustomer) -> Response[Any]:
    """The record exists but its funds are not numbers: a fault of the stored data, not of the request."""
    logger.error(str(error))
    body = error_body(str(error), [FieldError(error.field, str(error))])
    return Response(500, content_types.APPLICATION_JSON, body)


@app.not_found
def unreadable_path(_: Exception) -> Response[Any]:
    """API Gateway routes only this API's resources here, so a path no route matches has a parameter the
    router cannot read (characters outside its syntax): a 400 on that resource's parameter."""
    segments = app.current_event.path.strip("/").split("/")
    parameter = PATH_PARAMETERS.get(segments[0])
    if parameter is None:
        return not_found(f"path {app.current_event.path}")
    body = error_body("invalid request", [FieldError(parameter.name, parameter.hint or "")])
    return Response(400, content_types.APPLICATION_JSON, body)


@app.exception_handler(OrdersIndexUnavailable)
def orders_index_unavailable(error: OrdersIndexUnavailable) -> Response[Any]:
    """The stage's orders index is being built or replaced (docs/contracts.md "Data model"): retry later."""
    logger.warning(str(error))
    body = error_body("the customer orders index is being built or replaced; try again")
    return Response(503, content_types.APPLICATION_JSON, body)


@app.exception_handler(HistoryUnavailable)
def history_unavailable(error: HistoryUnavailable) -> Response[Any]:
    """The portfolio needed history that could not be loaded now: retrying may work; no price is made up."""
    logger.warning(str(error))
    obs.count({"HistoryLookupFailures": 1})
    body = error_body(f"the history of {', '.join(error.tickers)} could not be loaded now; try again")
    return Response(503, content_types.APPLICATION_JSON, body)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    build()  # a missing environment variable fails the invocation, not a route
    response = app.resolve(event, context)
    # One count per request and per status class, so every invocation publishes metrics.
    obs.count({"Requests": 1, f"Responses{int(response['statusCode']) // 100}xx": 1})
    return response
