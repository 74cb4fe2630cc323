"""Workflow A task: load each ticker's daily history incrementally (only days after `HistDataEnd`)."""

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
    updates = [service().refresh_history(ticker).to_wire() for ticker in market_data.tickers_from_event(event)]
    new_rows = sum(update["newRows"] for update in updates)
    metrics.add_metric(name="HistoryRowsStored", unit=MetricUnit.Count, value=new_rows)
    logger.info("history loaded", extra={"tickers": len(updates), "newRows": new_rows})
    return {"tickers": updates, "newRows": new_rows}
