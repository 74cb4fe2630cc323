"""The market-data tasks' service as their composition roots build it: quote summary, historical data
and the ticker-map fetcher fetch with the same provider, table and bucket (`MarketDataFetchEnvironment`)."""

from __future__ import annotations

from trading_core.common import aws_clients
from trading_core.common.environment import MarketDataFetchEnvironment, load
from trading_core.market_data.archive import S3RawArchive
from trading_core.market_data.providers import provider_named
from trading_core.market_data.service import MarketDataService
from trading_core.market_data.store import MarketDataStore


def service_from_environment() -> MarketDataService:
    """The environment's provider over the MarketData table and the raw-answers bucket."""
    env = load(MarketDataFetchEnvironment)
    return MarketDataService(
        provider_named(env.provider),
        MarketDataStore(aws_clients.table(env.market_data_table)),
        S3RawArchive(aws_clients.client("s3"), env.market_data_bucket),
    )
