"""Customer seeder: a CloudFormation custom resource that creates the initial customers once."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.common import aws_clients
from trading_core.common.clock import to_iso, utc_now
from trading_core.common.environment import TradesTableEnvironment, load
from trading_core.common.observability import observability
from trading_core.customers.seed_store import CustomerSeedStore
from trading_core.customers.seeder import handle_custom_resource

obs = observability()
logger, tracer = obs.logger, obs.tracer


@functools.cache
def build() -> CustomerSeedStore:
    """The composition root, called inside the request's error handling, so even a missing table name
    is answered FAILED (naming the variable) rather than leaving the stack waiting."""
    return CustomerSeedStore(aws_clients.table(load(TradesTableEnvironment).trades_table))


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = handle_custom_resource(event, seeder=build, now=to_iso(utc_now()), log_stream=context.log_stream_name)
    logger.info("answered CloudFormation", extra={"status": answer["Status"], "reason": answer["Reason"]})
    return answer
