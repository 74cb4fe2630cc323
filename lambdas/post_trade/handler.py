"""Post-trade processor (route PostTrades): settles trades into TradesStore and S3, then announces them."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core import aws, bus
from trading_core.clock import utc_now
from trading_core.model import Trade
from trading_core.settlement import DynamoDBSettlementStore, S3BatchArchive, Settlement

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@functools.cache
def settlement() -> Settlement:
    """Built on first use, not at import, so tests can start moto first (reset with cache_clear)."""
    return Settlement(
        store=DynamoDBSettlementStore(aws.trades_table()),
        archive=S3BatchArchive(aws.client("s3"), aws.env("TRADES_BUCKET_NAME")),
        publisher=aws.publisher(aws.parameters()),
        clock=utc_now,
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    trades = [Trade.from_wire(item) for item in bus.items_of(bus.details_from_event(event), "trades")]
    batch = settlement().settle(trades)
    metrics.add_metric(name="TradesReceived", unit=MetricUnit.Count, value=len(trades))
    if batch is None:
        return {"settled": 0}
    metrics.add_metric(name="TradesSettled", unit=MetricUnit.Count, value=batch.newly_settled)
    metrics.add_metric(
        name="TradesAlreadySettled", unit=MetricUnit.Count, value=len(batch.trades) - batch.newly_settled
    )
    if batch.orders_missing:
        missing = batch.orders_missing
        logger.warning("trades settled without an order item", extra={"count": len(missing), "orderIds": missing[:10]})
    logger.info("batch settled", extra={"batchId": batch.batch_id, "key": batch.key, "trades": len(batch.trades)})
    return {"settled": len(batch.trades), "newlySettled": batch.newly_settled, "key": batch.key}
