"""Available-funds raiser (route CreditCheckOrders): tops a customer up once per refused order, as a
deposit, when the stage's `auto-top-up` parameter is `true`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Final

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.bus.events import details_from_event, items_of
from trading_core.common import aws_clients
from trading_core.common.clock import to_iso, utc_now
from trading_core.common.environment import FundsRaiserEnvironment, load
from trading_core.common.observability import observability
from trading_core.common.parameters import single
from trading_core.common.ssm import ssm_reader
from trading_core.contracts import AUTO_TOP_UP_PARAMETER
from trading_core.customers.funds_raiser import TopUpOutcome, auto_top_up_enabled, raise_funds
from trading_core.customers.top_up_store import DynamoTopUpStore

obs = observability()
logger, tracer, metrics = obs.logger, obs.tracer, obs.metrics

METRICS: Final = {
    TopUpOutcome.APPLIED: "FundsRaised",
    TopUpOutcome.DUPLICATE: "DuplicateTopUps",
    TopUpOutcome.UNKNOWN_CUSTOMER: "UnknownCustomers",
    TopUpOutcome.UNREADABLE_CUSTOMER: "UnreadableCustomers",
    TopUpOutcome.DISABLED: "TopUpsDisabled",
}


@functools.cache
def build() -> tuple[DynamoTopUpStore, Callable[[], str]]:
    """The composition root: on first use (so tests can start moto first), reused while warm. The
    `auto-top-up` reader goes through the Powertools cache, so a switch applies within a minute."""
    environment = load(FundsRaiserEnvironment)
    store = DynamoTopUpStore(aws_clients.table(environment.trades_table))
    return store, single(ssm_reader(environment.parameter_prefix), AUTO_TOP_UP_PARAMETER)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    """EventBridge (`$.detail`) or SNS records alike. A store error raises so the bus redelivers;
    already applied top-ups are then recognised by their marker and skipped."""
    store, auto_top_up = build()
    orders = items_of(details_from_event(event), "orders")
    enabled = auto_top_up_enabled(auto_top_up()) if orders else False
    counts = raise_funds(store, orders, to_iso(utc_now()), enabled=enabled)
    obs.count({name: counts[outcome] for outcome, name in METRICS.items()})
    logger.info("credit checks processed", extra={outcome.name: count for outcome, count in counts.items()})
    return {outcome.name.lower(): count for outcome, count in counts.items()}
