"""Workflow A task: fetch and store the quote summary of each ticker (`{"tickers": [...]}` or `{"ticker": ...}`)."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core import market_data
from trading_core.money import money_str

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
    summaries, not_found = [], []
    for ticker in market_data.tickers_from_event(event):
        try:
            summary = service().refresh_summary(ticker)
        except market_data.TickerNotFound:
            not_found.append(ticker)
            continue
        summaries.append({"ticker": ticker, "price": money_str(summary.price), "currency": summary.currency})
    metrics.add_metric(name="QuoteSummariesStored", unit=MetricUnit.Count, value=len(summaries))
    logger.info("quote summaries stored", extra={"stored": len(summaries), "notFound": not_found})
    return {"summaries": summaries, "notFound": not_found}
