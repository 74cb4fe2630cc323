"""Available-funds raiser (route CreditCheckOrders): tops a customer up once per refused order."""

from __future__ import annotations

import functools
from typing import Any, Final

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.bus.events import details_from_event, items_of
from trading_core.common import aws_clients
from trading_core.common.clock import to_iso, utc_now
from trading_core.common.environment import TradesTableEnvironment, load
from trading_core.common.observability import observability
from trading_core.customers.funds_raiser import TopUpOutcome, raise_funds
from trading_core.customers.top_up_store import DynamoTopUpStore

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics

METRICS: Final = {
    TopUpOutcome.APPLIED: "FundsRaised",
    TopUpOutcome.DUPLICATE: "DuplicateTopUps",
    TopUpOutcome.UNKNOWN_CUSTOMER: "UnknownCustomers",
    TopUpOutcome.UNREADABLE_CUSTOMER: "UnreadableCustomers",
}


@functools.cache
def build() -> DynamoTopUpStore:
    """The composition root: on first use (so tests can start moto first), reused while warm."""
    return DynamoTopUpStore(aws_clients.table(load(TradesTableEnvironment).trades_table))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    """EventBridge (`$.detail`) or SNS records alike. A store error raises so the bus redelivers;
    already applied top-ups are then recognised by their marker and skipped."""
    store = build()
    orders = items_of(details_from_event(event), "orders")
    counts = raise_funds(store, orders, to_iso(utc_now()))
    obs.count({name: counts[outcome] for outcome, name in METRICS.items()})
    logger.info("credit checks processed", extra={outcome.name: count for outcome, count in counts.items()})
    return {outcome.name.lower(): count for outcome, count in counts.items()}
