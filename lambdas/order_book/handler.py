"""Order book (schedule `ORDER_BOOK_SCHEDULE`, and `MarketDataUpdate` on the bus): resting orders that
the market reached go to the pools, DAY orders past their close expire (trading_core.orders.book).

The schedule delivers EventBridge's Scheduled Event (`detail: {}`): every resting order is read (a Scan
of the sparse index). A `MarketDataUpdate` arrives as its detail `{"tickers": [...]}`: only those
tickers' resting orders are read (a Query each), priced at their new reference prices.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.bus.events import details_from_event
from trading_core.bus.publishers import order_flow_publisher
from trading_core.common import aws_clients
from trading_core.common.clock import utc_now
from trading_core.common.environment import OrderBookEnvironment, load
from trading_core.common.observability import observability
from trading_core.common.parameters import single, split_list
from trading_core.common.ssm import ssm_reader
from trading_core.contracts import DARK_POOL_TICKERS_PARAMETER, MARKET_DATA_UPDATE_DETAIL_TYPE, TICKERS_FIELD
from trading_core.market.price import MarketPrices
from trading_core.market_data.store import MarketDataStore
from trading_core.orders.book import OrderBook
from trading_core.orders.book_store import DynamoRestingOrders

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics


@functools.cache
def build() -> OrderBook:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    env = load(OrderBookEnvironment)
    read = ssm_reader(env.parameter_prefix)
    market_data = MarketDataStore(aws_clients.table(env.market_data_table))
    dark_pool_tickers = single(read, DARK_POOL_TICKERS_PARAMETER)
    return OrderBook(
        orders=DynamoRestingOrders(aws_clients.table(env.trades_table)),
        prices=MarketPrices(market_data.reference_prices),
        publisher=order_flow_publisher(read, bus_name=env.event_bus, topic_arn=env.orders_topic),
        dark_pool_tickers=lambda: frozenset(split_list(dark_pool_tickers())),
        clock=lambda: utc_now(),
    )


def tickers_of(event: dict[str, Any]) -> list[str] | None:
    """The tickers of a MarketDataUpdate, or None for the schedule (every resting order)."""
    tickers = [
        str(ticker.get("ticker") if isinstance(ticker, dict) else ticker)
        for detail in details_from_event(event)
        for ticker in detail.get(TICKERS_FIELD) or []
    ]
    return tickers or None


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    book = build()
    tickers = tickers_of(event)
    result = book.run(tickers)
    obs.count(result.metrics())
    if result.unpriced:
        logger.warning("resting orders without a market price", extra={"tickers": sorted(result.unpriced)})
    # A run that found nothing resting is only a debug line: the schedule fires every minute.
    log = logger.info if result.examined or result.expired else logger.debug
    log(
        "order book run",
        extra={
            "trigger": "schedule" if tickers is None else MARKET_DATA_UPDATE_DETAIL_TYPE,
            "examined": result.examined,
            "sent": len(result.sent),
            "expired": len(result.expired),
            "movedOn": result.moved_on,
        },
    )
    return {
        "at": result.at,
        "examined": result.examined,
        "sent": [child.order_id for child in result.sent],
        "expired": [child.order_id for child in result.expired],
    }
