"""Lit pool matching engine (route LitPoolOrders): fills every order and sends the trades to post-trade."""

from __future__ import annotations

import functools
from collections import Counter
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.common.observability import observability
from trading_core.contracts import FILLS_METRIC, VENUE_DIMENSION
from trading_core.pools.composition import pool_from_environment
from trading_core.pools.events import orders_from_event
from trading_core.pools.lit_pool import LitPool

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics


@functools.cache
def build() -> LitPool:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    return pool_from_environment(LitPool)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    pool = build()
    trades = pool.process(orders_from_event(event))
    obs.count({"OrdersFilled": len(trades)})
    obs.count_by(FILLS_METRIC, VENUE_DIMENSION, Counter(trade.exchange for trade in trades))
    logger.info("lit pool filled", extra={"filled": len(trades)})
    return {"filled": len(trades)}
