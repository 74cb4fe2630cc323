"""Lit pool matching engine (route LitPoolOrders): fills every order and sends the trades to post-trade."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.bus.publishers import order_flow_publisher
from trading_core.common import aws_clients
from trading_core.common.environment import PoolEnvironment, load
from trading_core.common.observability import observability
from trading_core.common.ssm import ssm_reader
from trading_core.market_data.store import MarketDataStore
from trading_core.pools.events import orders_from_event
from trading_core.pools.lit_pool import LitPool
from trading_core.pools.market_prices import reference_price

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics


@functools.cache
def build() -> LitPool:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    env = load(PoolEnvironment)
    read = ssm_reader(env.parameter_prefix)
    market_data = MarketDataStore(aws_clients.table(env.market_data_table))
    # Market orders fill at the latest stored close (else the synthetic price), as the router priced them.
    return LitPool(
        read=read,
        publisher=order_flow_publisher(read, bus_name=env.event_bus, topic_arn=env.orders_topic),
        reference_price=reference_price(market_data.latest_close),
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    pool = build()
    trades = pool.process(orders_from_event(event))
    obs.count({"OrdersFilled": len(trades)})
    logger.info("lit pool filled", extra={"filled": len(trades)})
    return {"filled": len(trades)}
