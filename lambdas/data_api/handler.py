"""Data API: customers, their positions (valued at the market price) and ledger entries (paginated), trades
(paginated), tickers (the day's statistics and the market price) and orders (children, or a parent with
its children), read from TradesStore and the MarketData table."""

from __future__ import annotations

import functools
from typing import Annotated, Any, NamedTuple

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.common import aws_clients
from trading_core.common.clock import utc_now
from trading_core.common.environment import DataApiEnvironment, load
from trading_core.common.money import money_str
from trading_core.common.observability import observability
from trading_core.contracts import CUSTOMER_ID_PATTERN, ORDER_ID_PATTERN, ORDER_TICKER_PATTERN
from trading_core.customers.record import UnreadableCustomer
from trading_core.market.price import MarketPrices
from trading_core.market_data.store import MarketDataStore
from trading_core.queries.parameters import (
    DAY_HINT,
    DAY_PATTERN,
    ORDER_ID_HINT,
    InvalidParameter,
    invalid_request_body,
    parse_day,
)
from trading_core.queries.position_view import is_shown, position_wire, ticker_of
from trading_core.queries.trades_queries import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, TradesQueries

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics
app = APIGatewayRestResolver(enable_validation=True)

CustomerId = Annotated[str, Path(pattern=CUSTOMER_ID_PATTERN)]
Day = Annotated[str, Query(pattern=DAY_PATTERN)]
# What a pattern mismatch means, per parameter (pydantic would echo the regex).
HINTS = {
    "customerId": "must be 1 to 64 letters, digits, '-' or '_'",
    "ticker": "must be 1 to 15 upper-case letters, digits, '.' or '-'",
    "orderId": ORDER_ID_HINT,
    "tradeDate": DAY_HINT,
    "date": DAY_HINT,
}


class Reads(NamedTuple):
    trades: TradesQueries
    prices: MarketPrices


@functools.cache
def build() -> Reads:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    env = load(DataApiEnvironment)
    market_data = MarketDataStore(aws_clients.table(env.market_data_table))
    return Reads(TradesQueries(aws_clients.table(env.trades_table)), MarketPrices(market_data.reference_prices))


def found(item: dict[str, Any] | None, what: str) -> Response[Any] | dict[str, Any]:
    return item if item is not None else Response(404, content_types.APPLICATION_JSON, {"message": f"{what} not found"})


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
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    nextToken: Annotated[str | None, Query(max_length=2048)] = None,
) -> Any:
    """The customer's deposits and withdrawals, oldest first."""
    reads = build()
    page = reads.trades.ledger(customerId, limit=limit, token=nextToken)
    if not page.entries and nextToken is None and not reads.trades.customer_exists(customerId):
        return found(None, f"customer {customerId}")
    return {"customerId": customerId, **page.to_wire()}


@app.get("/trades/<customerId>")
def get_trades(
    customerId: CustomerId,
    tradeDate: Day | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    nextToken: Annotated[str | None, Query(max_length=2048)] = None,
) -> dict[str, Any]:
    day = parse_day(tradeDate, "tradeDate") if tradeDate else None
    page = build().trades.trades(customerId, trade_day=day, limit=limit, token=nextToken)
    return {"customerId": customerId, "tradeDate": day, **page.to_wire()}


@app.get("/tickers/<ticker>")
def get_ticker(ticker: Annotated[str, Path(pattern=ORDER_TICKER_PATTERN)], date: Day | None = None) -> Any:
    """The day's trade statistics (today by default) and the market price now (`market.price`)."""
    now = utc_now()
    day = parse_day(date, "date") if date else now.date().isoformat()
    reads = build()
    statistics = reads.trades.ticker_day(ticker, day) or {
        "ticker": ticker,
        "date": day,
        "nrTrades": 0,
        "totalQuantity": 0,
    }
    quote = reads.prices.quote(ticker, now)
    if quote is None and statistics["nrTrades"] == 0:
        return found(None, f"ticker {ticker} (no market data and no trades on {day})")
    market = {"marketPrice": money_str(quote.price), "priceTime": quote.at} if quote else {"marketPrice": None}
    return {**statistics, **market}


@app.get("/orders/<orderId>")
def get_order(orderId: Annotated[str, Path(pattern=ORDER_ID_PATTERN)]) -> Any:
    return found(build().trades.order(orderId), f"order {orderId}")


@app.exception_handler([RequestValidationError, InvalidParameter])
def invalid_parameters(error: RequestValidationError | InvalidParameter) -> Response[Any]:
    return Response(400, content_types.APPLICATION_JSON, invalid_request_body(error, HINTS))


@app.exception_handler(UnreadableCustomer)
def unreadable_customer(error: UnreadableCustomer) -> Response[Any]:
    """The record exists but its funds are not numbers: a fault of the stored data, not of the request."""
    logger.error(str(error))
    body = {"message": str(error), "errors": [{"field": error.field, "message": str(error)}]}
    return Response(500, content_types.APPLICATION_JSON, body)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    build()  # a missing environment variable fails the invocation, not a route
    response = app.resolve(event, context)
    # One count per request and per status class, so every invocation publishes metrics.
    obs.count({"Requests": 1, f"Responses{int(response['statusCode']) // 100}xx": 1})
    return response
