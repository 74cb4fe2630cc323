"""Available-funds raiser (route CreditCheckOrders): tops a customer up once per refused order."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core import aws, bus, funds
from trading_core.clock import to_iso, utc_now

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@functools.cache
def store() -> funds.DynamoFundsStore:
    """Built on first use, not at import, so tests can start moto first (reset with cache_clear)."""
    return funds.DynamoFundsStore(aws.trades_table())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    """EventBridge (`$.detail`) or SNS records alike. A store error raises so the bus redelivers;
    already applied top-ups are then recognised by their marker and skipped."""
    orders = bus.items_of(bus.details_from_event(event), "orders")
    counts = funds.raise_funds(store(), orders, to_iso(utc_now()))
    for outcome, name in (
        (funds.TopUpOutcome.APPLIED, "FundsRaised"),
        (funds.TopUpOutcome.DUPLICATE, "DuplicateTopUps"),
        (funds.TopUpOutcome.UNKNOWN_CUSTOMER, "UnknownCustomers"),
        (funds.TopUpOutcome.UNREADABLE_CUSTOMER, "UnreadableCustomers"),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=counts[outcome])
    logger.info("credit checks processed", extra={outcome.name: count for outcome, count in counts.items()})
    return {outcome.name.lower(): count for outcome, count in counts.items()}
