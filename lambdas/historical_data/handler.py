"""Workflow A task: load each ticker's daily history incrementally (only days after `HistDataEnd`).

The data API invokes it synchronously for the portfolio of a past date, with `"from": "YYYY-MM-DD"`: the
load then starts there if that is earlier, filling in the days not stored (`MarketDataService.refresh_history`).
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.common.observability import observability
from trading_core.market_data.composition import service_from_environment
from trading_core.market_data.model import tickers_from_event
from trading_core.market_data.service import MarketDataService, history_since

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
    since = history_since(event)
    updates = [service.refresh_history(ticker, since).to_wire() for ticker in tickers_from_event(event)]
    new_rows = sum(update["newRows"] for update in updates)
    obs.count({"HistoryRowsStored": new_rows})
    logger.info("history loaded", extra={"tickers": len(updates), "newRows": new_rows})
    return {"tickers": updates, "newRows": new_rows}
