"""Storage analyzer (trades bucket ObjectCreated, prefix settled/): reconciles each settled batch
with TradesStore and fails the invocation when they disagree, so the async retries and the
on-failure destination make the defect visible."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.common import aws_clients
from trading_core.common.environment import TradesTableEnvironment, load
from trading_core.common.observability import observability
from trading_core.settlement.settled_objects import S3SettledObjects
from trading_core.settlement.storage_analyzer import ReconciliationError, StorageAnalyzer
from trading_core.settlement.stored_trades import DynamoDBStoredTrades

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics


@functools.cache
def build() -> StorageAnalyzer:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    table = aws_clients.table(load(TradesTableEnvironment).trades_table)
    return StorageAnalyzer(S3SettledObjects(aws_clients.client("s3")), DynamoDBStoredTrades(table))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    analyzer = build()
    failed = []
    audited = 0
    for record in S3Event(event).records:
        # Keys arrive URL-encoded (spaces as '+').
        report = analyzer.audit_object(record.s3.bucket.name, unquote_plus(record.s3.get_object.key))
        audited += report.audited
        obs.count(
            {
                "TradesAudited": report.audited,
                "TradesMissing": len(report.missing),
                "TradesMismatched": len(report.mismatched),
            }
        )
        metrics.add_metric(name="NotionalSettled", unit=MetricUnit.NoUnit, value=float(report.notional))
        if report.ok:
            logger.info("settled batch reconciled", extra={"report": report.as_log()})
        else:
            logger.error("settled batch does not match TradesStore", extra={"report": report.as_log()})
            failed.append(report.key)
    if failed:
        raise ReconciliationError(f"settled batches do not match TradesStore: {', '.join(failed)}")
    return {"audited": audited}
