"""Trade archiver (TradesStore stream, trades items inserted or given more trades): one S3 object and one
`tradesSettled` announcement per stream batch (trading_core.settlement.archive).

The batch succeeds or fails whole (no partial failures, no bisecting), so a retry brings the same records and
writes the same object; a record that cannot be read fails the batch, which after its retries lands in the
archiver's on-failure queue for `make redrive`."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.bus.publishers import order_flow_publisher
from trading_core.common import aws_clients
from trading_core.common.environment import TradeArchiverEnvironment, load
from trading_core.common.observability import observability
from trading_core.common.ssm import ssm_reader
from trading_core.model.trade_stream import stream_trades
from trading_core.settlement.archive import ArchiveError, Archiver
from trading_core.settlement.batch_archive import S3BatchArchive

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics


@functools.cache
def build() -> Archiver:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    env = load(TradeArchiverEnvironment)
    read = ssm_reader(env.parameter_prefix)
    publisher = order_flow_publisher(read, bus_name=env.event_bus, topic_arn=env.orders_topic)
    return Archiver(archive=S3BatchArchive(aws_clients.client("s3"), env.trades_bucket), publisher=publisher)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    archiver = build()
    received, unreadable = stream_trades(DynamoDBStreamEvent(event).records)
    if unreadable:
        logger.error("trades records that cannot be read", extra={"sequenceNumbers": unreadable[:10]})
        raise ArchiveError(f"{len(unreadable)} trades records cannot be read; the batch is retried whole")
    batch = archiver.archive([item.trade for item in received])
    obs.count({"TradesArchived": len(batch.trades) if batch else 0})
    if batch is None:
        return {"archived": 0}
    logger.info("batch archived", extra={"batchId": batch.batch_id, "key": batch.key, "trades": len(batch.trades)})
    return {"archived": len(batch.trades), "key": batch.key}
