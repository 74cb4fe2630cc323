"""Workflow A task: fetch and store the quote summary of each ticker (`{"tickers": [...]}` or `{"ticker": ...}`)."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.common.money import money_str
from trading_core.common.observability import observability
from trading_core.market_data.composition import service_from_environment
from trading_core.market_data.model import TickerNotFound, tickers_from_event
from trading_core.market_data.service import MarketDataService

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics


@functools.cache
def build() -> MarketDataService:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    return service_from_environment()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    service = build()
    summaries, not_found = [], []
    for ticker in tickers_from_event(event):
        try:
            summary = service.refresh_summary(ticker)
        except TickerNotFound:
            not_found.append(ticker)
            continue
        summaries.append({"ticker": ticker, "price": money_str(summary.price), "currency": summary.currency})
    obs.count({"QuoteSummariesStored": len(summaries)})
    logger.info("quote summaries stored", extra={"stored": len(summaries), "notFound": not_found})
    return {"summaries": summaries, "notFound": not_found}
