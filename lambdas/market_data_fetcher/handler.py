"""Workflow B Map iterator task: one `{"ticker": "AAPL"}` -> summary + incremental history.

Returns `{"ticker", "newRows", "histDataEnd", "found"}` for the checker.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.common.observability import observability
from trading_core.market_data.composition import service_from_environment
from trading_core.market_data.model import InvalidTicker, tickers_from_event
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
    tickers = tickers_from_event(event)
    if len(tickers) != 1:
        raise InvalidTicker(f"a Map iteration takes one ticker, not {len(tickers)}")
    update, found = service.refresh(tickers[0])
    obs.count({"HistoryRowsStored": update.new_rows})
    logger.info("market data fetched", extra={**update.to_wire(), "found": found})
    return {**update.to_wire(), "found": found}
