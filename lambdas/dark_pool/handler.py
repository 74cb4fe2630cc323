"""Dark pool matching engine (route DarkPoolOrders): trades to post-trade, unmatched orders to the lit pools."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core import aws, market_prices, pools

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@functools.cache
def dark_pool() -> pools.DarkPool:
    """Built on first use, not at import, so tests can start moto first (reset with cache_clear)."""
    # Market orders fill at the latest stored close (else the synthetic price), as the router priced them.
    return pools.DarkPool(
        read=aws.parameters(),
        publisher=aws.publisher(aws.parameters()),
        reference_price=market_prices.reference_price_from_env(),
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    orders = pools.orders_from_event(event)
    result = dark_pool().process(orders)
    metrics.add_metric(name="OrdersReceived", unit=MetricUnit.Count, value=len(orders))
    metrics.add_metric(name="OrdersMatched", unit=MetricUnit.Count, value=len(result.trades))
    metrics.add_metric(name="OrdersForwarded", unit=MetricUnit.Count, value=len(result.unmatched))
    logger.info("dark pool matched", extra={"matched": len(result.trades), "forwarded": len(result.unmatched)})
    return {"matched": len(result.trades), "forwarded": len(result.unmatched)}
