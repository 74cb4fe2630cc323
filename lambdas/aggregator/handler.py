"""Aggregator (TradesStore stream, INSERT of TRADE# items): customer funds and statistics, positions
and ticker-day shares, applied once per trade and key; failed records are reported for the stream to
redeliver."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.aggregation.aggregate_writer import DynamoDBAggregateWriter
from trading_core.aggregation.aggregator import Aggregator, batch_item_failures
from trading_core.common import aws_clients
from trading_core.common.clock import utc_now
from trading_core.common.environment import TradesTableEnvironment, load
from trading_core.common.observability import observability
from trading_core.model.trade_stream import stream_trades

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics


@functools.cache
def build() -> Aggregator:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    table = aws_clients.table(load(TradesTableEnvironment).trades_table)
    return Aggregator(DynamoDBAggregateWriter(table), clock=utc_now)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, list[dict[str, str]]]:
    aggregator = build()
    # The whole batch is one aggregation (one write per key), so the batch logic is ours rather than
    # Powertools' per-record BatchProcessor; the response has the same partial-failure shape.
    received, unreadable = stream_trades(DynamoDBStreamEvent(event).records)
    outcome = aggregator.apply(received)
    failures = batch_item_failures(received, unreadable, outcome)
    obs.count(
        {
            "TradesAggregated": len(outcome.applied),
            "TradesAlreadyAggregated": len(outcome.duplicates),
            "AggregationFailures": len(failures),
        }
    )
    if failures:
        logger.warning("records not aggregated", extra={"failed": outcome.failed, "unreadable": unreadable})
    return {"batchItemFailures": failures}
