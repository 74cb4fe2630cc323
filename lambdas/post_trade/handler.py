"""Post-trade processor (route PostTrades): settles trades into TradesStore (the archiver then archives and
announces them from the table's stream).

Fills of orders that were no longer live (cancelled, expired, rejected, filled already) are void:
counted in `VoidFills` and logged with each order id and status (trading_core.settlement.post_trade)."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.bus.events import details_from_event, items_of
from trading_core.common import aws_clients
from trading_core.common.clock import utc_now
from trading_core.common.environment import TradesTableEnvironment, load
from trading_core.common.observability import observability
from trading_core.contracts import SETTLEMENT_LAG_METRIC
from trading_core.model.trade import Trade
from trading_core.settlement.post_trade import Settlement
from trading_core.settlement.settlement_store import DynamoDBSettlementStore

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics


@functools.cache
def build() -> Settlement:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    table = aws_clients.table(load(TradesTableEnvironment).trades_table)
    return Settlement(store=DynamoDBSettlementStore(table), clock=utc_now)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settlement = build()
    trades = [Trade.from_wire(item) for item in items_of(details_from_event(event), "trades")]
    batch = settlement.settle(trades)
    obs.count({"TradesReceived": len(trades)})
    if batch is None:
        return {"settled": 0}
    obs.count(
        {
            "TradesSettled": batch.newly_settled,
            "TradesAlreadySettled": len(batch.trades) - batch.newly_settled + batch.settled_elsewhere,
            "VoidFills": len(batch.void),
        }
    )
    if batch.orders_missing:
        missing = batch.orders_missing
        logger.warning("trades settled without an order item", extra={"count": len(missing), "orderIds": missing[:10]})
    for fill in batch.void:
        logger.warning(
            "void fill: its order is no longer live",
            extra={"orderId": fill.trade.order_id, "status": fill.status, "tradeId": fill.trade.trade_id},
        )
    result: dict[str, Any] = {"settled": len(batch.trades), "newlySettled": batch.newly_settled}
    if batch.void:
        result["void"] = [{"orderId": fill.trade.order_id, "status": fill.status} for fill in batch.void]
    if not batch.trades:
        logger.info(
            "nothing settled: every fill was void or settled by another delivery",
            extra={"void": len(batch.void), "settledElsewhere": batch.settled_elsewhere},
        )
        return result
    if batch.newly_settled:
        obs.milliseconds(SETTLEMENT_LAG_METRIC, batch.lag_milliseconds)
    logger.info("batch settled", extra={"batchId": batch.batch_id, "trades": len(batch.trades)})
    return result
