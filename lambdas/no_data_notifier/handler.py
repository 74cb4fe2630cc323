"""Workflow B `lambda:invoke.waitForTaskToken` task: announce `NoHistoricalDataRetrieved {taskToken}` on the bus.

The execution then waits until the task token manager, triggered by that event, sends the token back.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core.bus.events import BusEvent
from trading_core.bus.publishers import EventBridgePublisher
from trading_core.common import aws_clients
from trading_core.common.environment import NoDataNotifierEnvironment, load
from trading_core.common.observability import observability
from trading_core.contracts import (
    MARKET_DATA_WORKFLOW_SOURCE,
    NO_HISTORICAL_DATA_DETAIL_TYPE,
    TASK_TOKEN_FIELD,
    TICKERS_FIELD,
)

obs = observability()
logger, tracer = obs.logger, obs.tracer


@functools.cache
def build() -> EventBridgePublisher:
    """Always EventBridge (the route is an EventBridge rule), whatever the orders' bus type."""
    return EventBridgePublisher(aws_clients.client("events"), load(NoDataNotifierEnvironment).event_bus)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    publisher = build()
    token = event.get(TASK_TOKEN_FIELD)
    if not isinstance(token, str) or not token:
        raise ValueError("the task input has no taskToken (Payload must carry $$.Task.Token)")
    detail: dict[str, Any] = {TASK_TOKEN_FIELD: token}
    if isinstance(event.get(TICKERS_FIELD), list):
        detail[TICKERS_FIELD] = event[TICKERS_FIELD]
    publisher.publish(
        [BusEvent(source=MARKET_DATA_WORKFLOW_SOURCE, detail_type=NO_HISTORICAL_DATA_DETAIL_TYPE, detail=detail)]
    )
    logger.info("no new history: task token published")
    return {"published": True}
