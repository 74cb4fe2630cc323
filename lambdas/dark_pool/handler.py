"""Dark pool matching engine (route DarkPoolOrders): trades to post-trade, unmatched orders to the lit pools."""

from __future__ import annotations

import functools
from collections import Counter
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.common.observability import observability
from trading_core.contracts import FILLS_METRIC, ORDERS_RECEIVED_METRIC, VENUE_DIMENSION
from trading_core.pools.composition import pool_from_environment
from trading_core.pools.dark_pool import DarkPool
from trading_core.pools.events import orders_from_event

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics


@functools.cache
def build() -> DarkPool:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    return pool_from_environment(DarkPool)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    pool = build()
    orders = orders_from_event(event)
    result = pool.process(orders)
    obs.count(
        {
            ORDERS_RECEIVED_METRIC: len(orders),
            "OrdersMatched": len(result.trades),
            "OrdersForwarded": len(result.unmatched),
        }
    )
    obs.count_by(FILLS_METRIC, VENUE_DIMENSION, Counter(trade.exchange for trade in result.trades))
    logger.info("dark pool matched", extra={"matched": len(result.trades), "forwarded": len(result.unmatched)})
    return {"matched": len(result.trades), "forwarded": len(result.unmatched)}
