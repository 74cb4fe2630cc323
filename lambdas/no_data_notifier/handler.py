"""Workflow B `lambda:invoke.waitForTaskToken` task: announce `NoHistoricalDataRetrieved {taskToken}` on the bus.

The execution then waits until the task token manager, triggered by that event, sends the token back.
"""

from __future__ import annotations

import functools
from typing import Any, Final

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from trading_core import aws
from trading_core.bus import BusEvent, EventBridgePublisher

SOURCE: Final = "MarketDataManagerStepFunction"
DETAIL_TYPE: Final = "NoHistoricalDataRetrieved"

logger = Logger()
tracer = Tracer()


@functools.cache
def publisher() -> EventBridgePublisher:
    """Always EventBridge (the route is an EventBridge rule), whatever the orders' bus type."""
    return EventBridgePublisher(aws.client("events"), aws.env("EVENT_BUS_NAME"))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    token = event.get("taskToken")
    if not isinstance(token, str) or not token:
        raise ValueError("the task input has no taskToken (Payload must carry $$.Task.Token)")
    detail: dict[str, Any] = {"taskToken": token}
    if isinstance(event.get("tickers"), list):
        detail["tickers"] = event["tickers"]
    publisher().publish([BusEvent(source=SOURCE, detail_type=DETAIL_TYPE, detail=detail)])
    logger.info("no new history: task token published")
    return {"published": True}
