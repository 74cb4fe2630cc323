"""Aggregator (TradesStore stream, INSERT of TRADE# items): customer funds and statistics, positions
and ticker-days, applied once per trade; failed records are reported for the stream to redeliver."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core import aws
from trading_core.aggregation_store import Aggregator, DynamoDBAggregateWriter, batch_item_failures, stream_trades
from trading_core.clock import utc_now

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@functools.cache
def aggregator() -> Aggregator:
    """Built on first use, not at import, so tests can start moto first (reset with cache_clear)."""
    return Aggregator(DynamoDBAggregateWriter(aws.trades_table()), clock=utc_now)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, list[dict[str, str]]]:
    # The whole batch is one aggregation (one write per key), so the batch logic is ours rather than
    # Powertools' per-record BatchProcessor; the response has the same partial-failure shape.
    received, unreadable = stream_trades(DynamoDBStreamEvent(event).records)
    outcome = aggregator().apply([item.trade for item in received])
    failures = batch_item_failures(received, unreadable, outcome)
    metrics.add_metric(name="TradesAggregated", unit=MetricUnit.Count, value=len(outcome.applied))
    metrics.add_metric(name="TradesAlreadyAggregated", unit=MetricUnit.Count, value=len(outcome.duplicates))
    metrics.add_metric(name="AggregationFailures", unit=MetricUnit.Count, value=len(failures))
    if failures or outcome.vanished:
        logger.warning(
            "records not aggregated",
            extra={"failed": outcome.failed, "unreadable": unreadable, "vanished": outcome.vanished},
        )
    return {"batchItemFailures": failures}
