"""Storage analyzer (trades bucket ObjectCreated, prefix settled/): reconciles each settled batch
with TradesStore and fails the invocation when they disagree, so the async retries and the
on-failure destination make the defect visible."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core import aws
from trading_core.storage_audit import DynamoDBStoredTrades, ReconciliationError, S3SettledObjects, StorageAuditor

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@functools.cache
def auditor() -> StorageAuditor:
    """Built on first use, not at import, so tests can start moto first (reset with cache_clear)."""
    return StorageAuditor(S3SettledObjects(aws.client("s3")), DynamoDBStoredTrades(aws.trades_table()))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    failed = []
    audited = 0
    for record in S3Event(event).records:
        # Keys arrive URL-encoded (spaces as '+').
        report = auditor().audit_object(record.s3.bucket.name, unquote_plus(record.s3.get_object.key))
        audited += report.audited
        metrics.add_metric(name="TradesAudited", unit=MetricUnit.Count, value=report.audited)
        metrics.add_metric(name="TradesMissing", unit=MetricUnit.Count, value=len(report.missing))
        metrics.add_metric(name="TradesMismatched", unit=MetricUnit.Count, value=len(report.mismatched))
        metrics.add_metric(name="NotionalSettled", unit=MetricUnit.NoUnit, value=float(report.notional))
        if report.ok:
            logger.info("settled batch reconciled", extra={"report": report.as_log()})
        else:
            logger.error("settled batch does not match TradesStore", extra={"report": report.as_log()})
            failed.append(report.key)
    if failed:
        raise ReconciliationError(f"settled batches do not match TradesStore: {', '.join(failed)}")
    return {"audited": audited}
