"""Workflow B Map iterator task: one `{"ticker": "AAPL"}` -> summary + incremental history.

Returns `{"ticker", "newRows", "histDataEnd", "found"}` for the checker.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core import market_data

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@functools.cache
def service() -> market_data.MarketDataService:
    """Built on first use, not at import, so tests can start moto first (reset with cache_clear)."""
    return market_data.service_from_env()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    tickers = market_data.tickers_from_event(event)
    if len(tickers) != 1:
        raise market_data.InvalidTicker(f"a Map iteration takes one ticker, not {len(tickers)}")
    update, found = service().refresh(tickers[0])
    metrics.add_metric(name="HistoryRowsStored", unit=MetricUnit.Count, value=update.new_rows)
    logger.info("market data fetched", extra={**update.to_wire(), "found": found})
    return {**update.to_wire(), "found": found}
