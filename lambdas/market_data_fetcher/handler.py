"""Workflow B Map iterator task: one `{"ticker": "AAPL"}` -> summary + incremental history.

Returns `{"ticker", "newRows", "histDataEnd", "found"}` for the checker.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.common import aws_clients
from trading_core.common.environment import MarketDataFetchEnvironment, load
from trading_core.common.observability import observability
from trading_core.market_data.archive import S3RawArchive
from trading_core.market_data.model import InvalidTicker, tickers_from_event
from trading_core.market_data.providers import provider_named
from trading_core.market_data.service import MarketDataService
from trading_core.market_data.store import MarketDataStore

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics


@functools.cache
def build() -> MarketDataService:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    env = load(MarketDataFetchEnvironment)
    return MarketDataService(
        provider_named(env.provider),
        MarketDataStore(aws_clients.table(env.market_data_table)),
        S3RawArchive(aws_clients.client("s3"), env.market_data_bucket),
    )


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
